// Test harness for PostgreSQL: the database EVENTDAY_TEST_DB names, and a fresh schema per test that teardown drops.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Test } from 'tap';
import { openPgStore, type PgStore, type PgStoreOptions } from '../src/store/pg/open.js';

/** Tests never skip for want of PostgreSQL: without EVENTDAY_TEST_DB they use the local server. */
export function pgTestUrl(): string {
  return process.env.EVENTDAY_TEST_DB ?? 'postgres://postgres@127.0.0.1:5432/test';
}

export interface PgSchema {
  url: string;
  schema: string;
  /** A store on the schema (migrated on first open); teardown closes it if the test did not. */
  open(options?: Omit<PgStoreOptions, 'schema'>): Promise<PgStore>;
}

/** Runs one statement on a connection of its own, outside any store. */
export async function pgExec(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgTestUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A new, empty schema for this test (test files run in parallel, each in schemas of its own),
 * dropped with everything in it when the test ends.
 */
export async function withPgSchema(t: Test): Promise<PgSchema> {
  const url = pgTestUrl();
  const schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  const stores: PgStore[] = [];
  await pgExec(`CREATE SCHEMA ${schema}`);
  t.teardown(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await pgExec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  return {
    url,
    schema,
    open: async (options = {}) => {
      const store = await openPgStore(url, { ...options, schema });
      stores.push(store);
      return store;
    },
  };
}
