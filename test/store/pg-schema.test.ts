// The PostgreSQL schema: migrations on a fresh schema, once across concurrent nodes, session settings, the log head, parity with the SQLite schema, and the search index in use.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { is } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as sqliteSchema from '../../src/db/schema.js';
import { GENESIS_HASH } from '../../src/live/event-log.js';
import { migrationsFolder, pgMigrationsFolder } from '../../src/paths.js';
import { openPgStore, type PgStore } from '../../src/store/pg/open.js';
import * as pgSchema from '../../src/store/pg/schema.js';
import { pgExec, withPgSchema } from '../pg.js';

/** Tables only PostgreSQL has, and why. */
const PG_ONLY: Readonly<Record<string, string>> = {
  event_head: 'the one-row log head that orders appends across nodes; SQLite has one writer',
  attendee_search_terms: "search terms in place of SQLite's FTS5 index",
  rate_windows: "request and failed-scan budgets every node counts against; SQLite's one node counts in memory",
  // Raw SQL in drizzle/sqlite (beside FTS5), so not in the SQLite drizzle schema: compared with the migrated table below.
  attendee_search_docs: "in SQLite's migrations only",
};

interface TableShape {
  columns: Record<string, boolean>;
  primaryKey: string[];
  indexes: string[];
}

function sqliteTables(): Map<string, TableShape> {
  const tables = new Map<string, TableShape>();
  for (const value of Object.values(sqliteSchema)) {
    if (!is(value, SQLiteTable)) continue;
    const config = sqliteTableConfig(value);
    tables.set(config.name, {
      columns: Object.fromEntries(config.columns.map((c) => [c.name, c.notNull])),
      primaryKey: [...config.columns.filter((c) => c.primary).map((c) => c.name), ...config.primaryKeys.flatMap((pk) => pk.columns.map((c) => c.name))],
      indexes: config.indexes.map((i) => i.config.name).sort(),
    });
  }
  return tables;
}

function pgTables(): Map<string, TableShape> {
  const tables = new Map<string, TableShape>();
  for (const value of Object.values(pgSchema)) {
    if (!is(value, PgTable)) continue;
    const config = pgTableConfig(value);
    tables.set(config.name, {
      columns: Object.fromEntries(config.columns.map((c) => [c.name, c.notNull])),
      primaryKey: [...config.columns.filter((c) => c.primary).map((c) => c.name), ...config.primaryKeys.flatMap((pk) => pk.columns.map((c) => c.name))],
      indexes: config.indexes.map((i) => i.config.name ?? '').sort(),
    });
  }
  return tables;
}

async function journal(store: PgStore): Promise<{ id: number; hash: string }[]> {
  const { rows } = await store.pool.query<{ id: number; hash: string }>(`SELECT id, hash FROM ${store.schema}.__drizzle_migrations ORDER BY id`);
  return rows;
}

async function tablesIn(store: PgStore): Promise<string[]> {
  const { rows } = await store.pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
    [store.schema],
  );
  return rows.map((r) => r.table_name);
}

const pgMigrations = readdirSync(pgMigrationsFolder()).filter((f) => f.endsWith('.sql'));

t.test('migrations apply on a fresh schema, and applying them again changes nothing', async (t) => {
  const pg = await withPgSchema(t);
  const first = await pg.open();
  t.same(await tablesIn(first), [...pgTables().keys(), '__drizzle_migrations'].sort(), 'every table of the schema, in the store schema');
  const applied = await journal(first);
  t.equal(applied.length, pgMigrations.length, 'one journal row per migration');
  const { rows } = await first.pool.query<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'event_head'",
  );
  t.equal(rows[0]?.n, 0, 'nothing landed in public');
  await first.close();
  const again = await pg.open();
  t.same(await journal(again), applied, 'the journal is unchanged');
  t.same((await again.pool.query('SELECT seq, hash FROM event_head')).rows, [{ seq: 0, hash: GENESIS_HASH }], 'the seed ran once');
});

t.test('three nodes opening a schema that does not exist yet all start, and migrate it once', async (t) => {
  const pg = await withPgSchema(t);
  await pgExec(`DROP SCHEMA ${pg.schema}`);
  const stores = await Promise.all([pg.open(), pg.open(), pg.open()]);
  for (const store of stores) t.same(await journal(store), await journal(stores[0]!), 'one journal, seen by every node');
  t.equal((await journal(stores[0]!)).length, pgMigrations.length);
});

t.test('every pooled connection has synchronous_commit on and the store schema as search_path', async (t) => {
  const pg = await withPgSchema(t);
  const store = await pg.open({ max: 3 });
  const clients = await Promise.all([store.pool.connect(), store.pool.connect(), store.pool.connect()]);
  try {
    for (const client of clients) {
      const { rows } = await client.query("SELECT current_setting('synchronous_commit') AS sc, current_setting('search_path') AS sp");
      t.same(rows, [{ sc: 'on', sp: pg.schema }]);
    }
  } finally {
    for (const client of clients) client.release();
  }
  // The startup option is the session's own default: a statement that turns it off and resets it gets on back.
  const client = await store.pool.connect();
  try {
    await client.query('SET synchronous_commit = off');
    await client.query('RESET synchronous_commit');
    t.same((await client.query('SHOW synchronous_commit')).rows, [{ synchronous_commit: 'on' }], 'RESET returns to on, not to the server default');
  } finally {
    client.release(true);
  }
});

t.test('a schema name that is not a plain identifier is refused', async (t) => {
  const pg = await withPgSchema(t);
  await t.rejects(openPgStore(pg.url, { schema: 'x; DROP TABLE y' }), /schema name not allowed/u);
});

t.test('event_head holds the genesis row, and only one row', async (t) => {
  const pg = await withPgSchema(t);
  const store = await pg.open();
  t.same((await store.pool.query('SELECT id, seq, hash FROM event_head')).rows, [{ id: 1, seq: 0, hash: GENESIS_HASH }]);
  await t.rejects(store.pool.query("INSERT INTO event_head (id, seq, hash) VALUES (2, 0, 'x')"), /event_head_single_row/u);
});

t.test('the PostgreSQL and SQLite schemas have the same tables, columns, keys and indexes', (t) => {
  const sqlite = sqliteTables();
  const pg = pgTables();
  t.same([...pg.keys()].filter((name) => !(name in PG_ONLY)).sort(), [...sqlite.keys()].sort(), 'the same tables, PG_ONLY aside');
  for (const [name, shape] of sqlite) {
    const other = pg.get(name);
    t.same(other?.columns, shape.columns, `${name}: the same columns, nullable alike`);
    t.same(other?.primaryKey, shape.primaryKey, `${name}: the same primary key`);
    t.same(other?.indexes, shape.indexes, `${name}: the same indexes`);
  }
  // attendee_search_docs as SQLite's migrations make it; docid is the FTS5 rowid, which PostgreSQL does without.
  const db = new Database(':memory:');
  t.teardown(() => db.close());
  migrate(drizzle(db), { migrationsFolder: migrationsFolder() });
  const columns = db.pragma('table_info(attendee_search_docs)') as { name: string; notnull: number }[];
  t.same(
    Object.fromEntries(columns.filter((c) => c.name !== 'docid').map((c) => [c.name, c.notnull === 1])),
    pg.get('attendee_search_docs')?.columns,
    'attendee_search_docs: the columns of the SQLite table',
  );
  t.end();
});

t.test('no PostgreSQL migration names the public schema (drizzle-kit writes REFERENCES "public"."…": remove it)', (t) => {
  for (const file of pgMigrations) {
    t.notMatch(readFileSync(path.join(pgMigrationsFolder(), file), 'utf8'), /REFERENCES "public"\./u, file);
  }
  t.end();
});

t.test('a prefix search in any script is an index range scan over the terms', async (t) => {
  const pg = await withPgSchema(t);
  const store = await pg.open();
  // 2,000 attendees with 10 terms each: Latin, Cyrillic, Han and Hangul words, and their CJK suffixes.
  await store.pool.query(`
    INSERT INTO attendees (id, name, category, created_at, updated_at)
      SELECT 'a' || i, 'n' || i, 'academia', 0, 0 FROM generate_series(1, 2000) AS i;
    INSERT INTO attendee_search_docs (attendee_id, name, organization, email)
      SELECT 'a' || i, md5(i::text), '', '' FROM generate_series(1, 2000) AS i;
    INSERT INTO attendee_search_terms (attendee_id, term)
      SELECT DISTINCT 'a' || i, term FROM generate_series(1, 2000) AS i, LATERAL (VALUES
        (md5(i::text)), (substr(md5('o' || i), 1, 8)), (substr(md5('e' || i), 1, 12)),
        (translate(md5(i::text), '0123456789abcdef', 'абвгдежзиклмнопр')),
        (translate(substr(md5('c' || i), 1, 7), '0123456789abcdef', 'абвгдежзиклмнопр')),
        (chr(19968 + i % 20000) || chr(19968 + (i * 7) % 20000) || chr(19968 + (i * 13) % 20000)),
        (chr(19968 + (i * 7) % 20000) || chr(19968 + (i * 13) % 20000)),
        (chr(19968 + (i * 13) % 20000)),
        (chr(44032 + i % 11172) || chr(44032 + (i * 3) % 11172)),
        ('w' || i)
      ) AS terms(term);
    ANALYZE attendees; ANALYZE attendee_search_docs; ANALYZE attendee_search_terms;
  `);
  const { rows } = await store.pool.query<{ n: number }>('SELECT count(*) AS n FROM attendee_search_terms');
  t.equal(rows[0]?.n, 20_000);

  const plan = async (query: string, params: unknown[]): Promise<string> => {
    const result = await store.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query}`, params);
    return result.rows.map((r) => r['QUERY PLAN']).join('\n');
  };
  for (const [script, prefix] of [
    ['Latin', 'ab'],
    ['Cyrillic', 'аб'],
    ['one Han character', '丁'],
    ['one Hangul syllable', '가'],
  ] as const) {
    const text = await plan("SELECT attendee_id FROM attendee_search_terms WHERE term LIKE $1 || '%'", [prefix]);
    t.match(text, /Index (Only )?Scan using attendee_search_terms_term|Bitmap Index Scan on attendee_search_terms_term/u, `${script}: ${text}`);
    t.notMatch(text, /Seq Scan/u, script);
  }
  const names = await plan("SELECT attendee_id FROM attendee_search_docs WHERE name LIKE $1 || '%' ORDER BY name LIMIT 20", ['ab']);
  t.match(names, /attendee_search_docs_name/u, `names that start with the query: ${names}`);

  // A generic plan (a named statement the plan cache stopped re-planning) cannot see the pattern: the range operators keep the index.
  const client = await store.pool.connect();
  try {
    await client.query('SET plan_cache_mode = force_generic_plan');
    await client.query("PREPARE by_range(text, text) AS SELECT attendee_id FROM attendee_search_terms WHERE term ~>=~ $1 AND term ~<~ $2");
    const generic = (await client.query<{ 'QUERY PLAN': string }>("EXPLAIN EXECUTE by_range('丁', '七')")).rows.map((r) => r['QUERY PLAN']).join('\n');
    t.match(generic, /attendee_search_terms_term/u, `generic plan: ${generic}`);
    t.notMatch(generic, /Seq Scan/u);
  } finally {
    client.release(true);
  }
});
