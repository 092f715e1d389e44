// One named (server-side prepared) statement as a store step: the driver's promise, yielded to the unit of work.
import type pg from 'pg';
import { awaited, type Op } from '../op.js';

/** A pooled client inside a transaction, or the pool itself for reads outside one. */
export type Queryable = pg.Pool | pg.PoolClient;

export function* rows<R extends pg.QueryResultRow>(db: Queryable, name: string, text: string, values: unknown[] = []): Op<R[]> {
  return (yield* awaited(db.query<R>({ name, text, values }))).rows;
}
