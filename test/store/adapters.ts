// Both stores for one test: a use case's body runs unchanged on SQLite's group-commit Writer and on PostgreSQL's unit of work.
import path from 'node:path';
import type { Test } from 'tap';
import { openStore, type Store } from '../../src/db/open.js';
import { EventLog, GENESIS_HASH, chainHash, type EventRecord } from '../../src/live/event-log.js';
import { PgEventLog } from '../../src/store/pg/event-log.js';
import type { PgStore } from '../../src/store/pg/open.js';
import { pgReader } from '../../src/store/pg/ports.js';
import { PgUnitOfWork } from '../../src/store/pg/unit-of-work.js';
import type { StoreReader } from '../../src/store/ports.js';
import type { UnitOfWork } from '../../src/store/unit-of-work.js';
import { Writer } from '../../src/store/sqlite/writer.js';
import { withPgSchema } from '../pg.js';

export const EPOCH = 'epoch-1';

export interface Adapter {
  name: 'sqlite' | 'postgres';
  uow: UnitOfWork;
  reader: StoreReader;
  /** Raw SQL on the store, for arranging a test (placeholders `?` on SQLite, `$1` on PostgreSQL). */
  exec(sql: string, params?: unknown[]): Promise<unknown[]>;
  events(): Promise<EventRecord[]>;
  /** The hash column as stored, by seq. */
  hashes(): Promise<Map<number, string>>;
  /** Only on SQLite: the store itself, for services that still read its connection. */
  sqlite?: Store;
  /** Only on PostgreSQL. */
  pg?: PgStore;
}

const toMap = (rows: { seq: number; hash: string }[]): Map<number, string> => new Map(rows.map((r) => [r.seq, r.hash]));

export const adapters: Record<Adapter['name'], (t: Test, clock: () => number) => Promise<Adapter>> = {
  sqlite: async (t, clock) => {
    const store = openStore(path.join(t.testdir(), 'store.db'));
    t.teardown(() => store.sqlite.close());
    const log = new EventLog(store.sqlite, EPOCH);
    return {
      name: 'sqlite',
      uow: new Writer(store, log, clock),
      reader: store.reader,
      exec: async (sql, params = []) => {
        const stmt = store.sqlite.prepare(sql);
        return stmt.reader ? stmt.all(...params) : (stmt.run(...params), []);
      },
      events: async () => log.readAfter(0, 100_000),
      hashes: async () => toMap(store.sqlite.prepare('SELECT seq, hash FROM events').all() as { seq: number; hash: string }[]),
      sqlite: store,
    };
  },
  postgres: async (t, clock) => {
    const pgSchema = await withPgSchema(t);
    const store = await pgSchema.open({ max: 4 });
    const log = new PgEventLog(store.pool, pgSchema.schema);
    return {
      name: 'postgres',
      uow: new PgUnitOfWork(store.pool, log, () => EPOCH, clock),
      reader: pgReader(store.pool, log),
      exec: async (sql, params = []) => (await store.pool.query(sql, params)).rows,
      events: () => log.readAfter(0, 100_000),
      hashes: async () => toMap((await store.pool.query<{ seq: number; hash: string }>('SELECT seq, hash FROM events')).rows),
      pg: store,
    };
  },
};

/** The chain from genesis: seqs are 1..n and every stored hash follows from its predecessor's and its row. */
export async function assertChain(t: Test, a: Adapter): Promise<void> {
  const events = await a.events();
  const stored = await a.hashes();
  let previous = GENESIS_HASH;
  events.forEach((record, i) => {
    t.equal(record.seq, i + 1, `seq ${i + 1} in order`);
    t.equal(record.epoch, EPOCH);
    previous = chainHash(previous, record);
    t.equal(stored.get(record.seq), previous, `hash of seq ${record.seq} chains`);
  });
}
