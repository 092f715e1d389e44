// The PostgreSQL unit of work: one transaction per use case on a pooled client, its events numbered and appended under the log's head lock just before COMMIT.
import type pg from 'pg';
import { isOp, runAwaiting } from '../op.js';
import { eventInput, type Actor, type Body, type Tx, type UnitOfWork } from '../unit-of-work.js';
import type { AppendInput } from '../../live/event-log.js';
import { withTransaction, type PgEventLog } from './event-log.js';
import { pgPorts } from './ports.js';

/**
 * Unlike SQLite's Writer there is no group commit here: PostgreSQL runs transactions of many
 * clients at once and commits each with its own WAL flush (which it batches itself). A body's
 * events wait in memory until it has returned and are appended as the transaction's last
 * statements, so the head lock, which serialises every node's appends, is held only from
 * the append to the COMMIT. Committed events reach live clients through the log's tail (on
 * every node alike, this one included), never from here.
 */
/** deadlock_detected and serialization_failure: the transaction did nothing and can be run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

export class PgUnitOfWork implements UnitOfWork {
  constructor(
    private readonly pool: pg.Pool,
    private readonly log: PgEventLog,
    private readonly epoch: () => string,
    private readonly clock: () => number,
  ) {}

  /**
   * Resolves with the body's value after the commit; a body that throws rolls back, events and
   * all. A transaction PostgreSQL aborted to break a deadlock or a serialization conflict is run
   * again from the start (the body is a fresh generator each time), a few times, then reported.
   */
  async submit<T>(actor: Actor | null, fn: Body<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(actor, fn);
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || !RETRYABLE.has((err as { code?: unknown }).code as string)) throw err;
      }
    }
  }

  private attempt<T>(actor: Actor | null, fn: Body<T>): Promise<T> {
    return withTransaction(this.pool, async (client) => {
      const pending: AppendInput[] = [];
      const now = this.clock();
      const tx: Tx = {
        now,
        actor,
        store: pgPorts(client, this.log),
        emit(name, data, roomIds) {
          pending.push(eventInput(actor, now, name, data, roomIds));
        },
      };
      const out = fn(tx);
      const value = isOp(out) ? await runAwaiting<T>(out) : out;
      await this.log.appendInTx(client, this.epoch(), pending);
      return value;
    });
  }
}
