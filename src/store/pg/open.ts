// Opens the PostgreSQL store: a pool whose every connection works in the store's schema with synchronous_commit=on, and the migrations applied once.
import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { pgMigrationsFolder } from '../../paths.js';
import * as schema from './schema.js';

export type PgDb = NodePgDatabase<typeof schema>;

export interface PgStore {
  pool: pg.Pool;
  db: PgDb;
  /** The schema holding the tables, and the migration journal: every connection's search_path. */
  schema: string;
  /** Ends the pool; calling it again waits for the same end. */
  close(): Promise<void>;
}

export interface PgStoreOptions {
  /** Default `public`. Lower-case letters, digits and `_`: it goes unquoted into the startup options. */
  schema?: string;
  /** Connections in the pool (pg's default is 10). */
  max?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/u;

/**
 * Advisory lock class of migrations; the second key is the schema's hash, so nodes starting on
 * one schema migrate one after another while stores of other schemas (parallel tests) do not wait.
 * The two-int form never meets a one-bigint advisory lock (PostgreSQL keeps them apart).
 */
const MIGRATION_LOCK_CLASS = 0x65766d67;

// Every bigint here is an epoch millisecond or a seq, far below 2^53: raw queries read them (and
// count(*)) as numbers, as drizzle's bigint({ mode: 'number' }) columns do. Per pool, not pg's global parsers.
const INT8_AS_NUMBER: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === (pg.types.builtins.INT8 as number) ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export async function openPgStore(url: string, options: PgStoreOptions = {}): Promise<PgStore> {
  const schemaName = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schemaName)) throw new Error(`PostgreSQL schema name not allowed: ${JSON.stringify(schemaName)}`);
  const pool = new pg.Pool({
    connectionString: url,
    ...(options.max === undefined ? {} : { max: options.max }),
    // Startup options hold from a connection's first statement and outrank role and database
    // defaults: no query can run in another schema or acknowledge a commit before it is durable.
    options: `-c search_path=${schemaName} -c synchronous_commit=on`,
    types: INT8_AS_NUMBER,
  });
  // An idle connection that dies (a server restart) is dropped by the pool and the next query
  // reports the failure; without a listener the pool's 'error' event would end the process.
  pool.on('error', () => undefined);
  try {
    await migrateOnce(pool, schemaName);
  } catch (err) {
    await pool.end();
    throw err;
  }
  let ended: Promise<void> | undefined;
  return {
    pool,
    db: drizzle(pool, { schema }),
    schema: schemaName,
    close: () => (ended ??= pool.end()),
  };
}

/** Checks the session settings, then creates the schema and migrates it under the advisory lock, on one connection. */
async function migrateOnce(pool: pg.Pool, schemaName: string): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client.query<{ synchronous_commit: string; search_path: string }>(
      "SELECT current_setting('synchronous_commit') AS synchronous_commit, current_setting('search_path') AS search_path",
    );
    const settings = rows[0];
    if (settings?.synchronous_commit !== 'on' || settings.search_path !== schemaName) {
      throw new Error(
        `PostgreSQL session settings not in force (synchronous_commit=${String(settings?.synchronous_commit)}, search_path=${String(settings?.search_path)})`,
      );
    }
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schemaName]);
    try {
      // Inside the lock: two nodes creating the same schema at once would otherwise collide on pg_namespace.
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schemaName}`);
      await migrate(drizzle(client), { migrationsFolder: pgMigrationsFolder(), migrationsSchema: schemaName });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schemaName]);
    }
  } catch (err) {
    // A connection left in doubt is closed rather than pooled: closing it also frees the lock.
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}
