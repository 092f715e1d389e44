// The SQLite unit of work: group commit, one transaction and its events per use case; the hub publishes after commit.
import type { Store } from '../../db/open.js';
import type { EventLog, EventRecord } from '../../live/event-log.js';
import { isOp, runNow } from '../op.js';
import type { StorePorts } from '../ports.js';
import { eventInput, type Actor, type Body, type Publisher, type Tx, type UnitOfWork } from '../unit-of-work.js';

/** Runs a body to its end: a generator's steps are the SQLite ports' answers, known at once. */
function runBody<T>(fn: Body<T>, tx: Tx): T {
  const out = fn(tx);
  return isOp(out) ? runNow<T>(out) : out;
}

interface Job {
  actor: Actor | null;
  fn: Body<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class Writer implements UnitOfWork {
  private queue: Job[] = [];
  private flushScheduled = false;
  private publisher: Publisher | null = null;
  /**
   * Built once: better-sqlite3 wraps a function per transaction() call (8–15 µs). Called inside
   * another transaction, the same wrapper runs as a savepoint.
   */
  private readonly inTransaction;

  private readonly ports: StorePorts;

  constructor(
    store: Store,
    readonly log: EventLog,
    private readonly clock: () => number,
  ) {
    this.inTransaction = store.sqlite.transaction((fn: () => unknown) => fn());
    this.ports = store.ports;
  }

  setPublisher(publisher: Publisher): void {
    this.publisher = publisher;
  }

  /** Runs one use case in its own transaction, synchronously (start-up, timers, scripts). */
  run<T>(actor: Actor | null, fn: Body<T>): T {
    const appended: EventRecord[] = [];
    const mark = this.log.mark();
    let result: T;
    try {
      result = this.inTransaction.immediate(() => runBody(fn, this.txFor(actor, appended))) as T;
    } catch (err) {
      this.log.reset(mark);
      throw err;
    }
    this.publisher?.publish(appended);
    return result;
  }

  /**
   * Group commit: use cases submitted in the same tick share one transaction (one fsync with
   * synchronous=FULL), each inside its own savepoint so a failing one rolls back alone. Every
   * promise settles only after the commit.
   */
  submit<T>(actor: Actor | null, fn: Body<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ actor, fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return;
    const appended: EventRecord[] = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    const start = this.log.mark();
    try {
      this.inTransaction.immediate(() => {
        for (const job of jobs) {
          const mark = this.log.mark();
          const mine: EventRecord[] = [];
          try {
            const value = this.inTransaction(() => runBody(job.fn, this.txFor(job.actor, mine)));
            appended.push(...mine);
            outcomes.push({ ok: true, value });
          } catch (err) {
            this.log.reset(mark);
            outcomes.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      this.log.reset(start);
      for (const job of jobs) job.reject(err);
      return;
    }
    this.publisher?.publish(appended);
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.value);
    });
  }

  private txFor(actor: Actor | null, appended: EventRecord[]): Tx {
    const now = this.clock();
    const log = this.log;
    return {
      now,
      actor,
      store: this.ports,
      emit(name, data, roomIds) {
        appended.push(log.append(eventInput(actor, now, name, data, roomIds)));
      },
    };
  }
}
