// A consistent read for a live snapshot on PostgreSQL: the state and the log's head seq from one database snapshot.
import type pg from 'pg';
import { runAwaiting, type Op } from '../op.js';
import type { StorePorts } from '../ports.js';
import { withTransaction, type PgEventLog } from './event-log.js';
import { pgPorts } from './ports.js';

/**
 * Runs `body` in one REPEATABLE READ, READ ONLY transaction and returns the `event_head` seq of
 * the same snapshot: every change and its events commit together, so the state read is exactly
 * the state after that seq, and a socket shown it needs the events after it, no more, no fewer.
 * (The log port reads on the pool, outside the snapshot: a body reads history with its own seqs.)
 */
export function readAtHead<T>(pool: pg.Pool, log: PgEventLog, body: (store: StorePorts) => Op<T>): Promise<{ seq: number; value: T }> {
  return withTransaction(
    pool,
    async (client) => {
      const head = await client.query<{ seq: number }>('SELECT seq FROM event_head WHERE id = 1');
      const value = await runAwaiting(body(pgPorts(client, log)));
      return { seq: head.rows[0]?.seq ?? 0, value };
    },
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}
