// The one way to change state: a use case runs in one transaction with the events it appends; the hub publishes after commit.
import { eventDef, visibilityOf, type EventName, type EventPayload } from '../contract/events.js';
import type { Sqlite } from '../db/open.js';
import type { Role } from '../core/vocabulary.js';
import type { EventLog, EventRecord } from '../live/event-log.js';

export interface Actor {
  deviceId: string;
  role: Role;
}

export interface Tx {
  readonly now: number;
  readonly actor: Actor | null;
  /**
   * Appends an event of the catalogue: its topic and what each audience receives come from the
   * contract, so an event without a schema does not compile. `roomIds` names the rooms it
   * concerns, for live clients that follow only some rooms (nulls are left out).
   */
  emit<N extends EventName>(name: N, data: EventPayload<N>, roomIds?: readonly (string | null)[]): EventRecord;
}

export interface Publisher {
  publish(events: EventRecord[]): void;
}

interface Job {
  actor: Actor | null;
  fn: (tx: Tx) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class Writer {
  private queue: Job[] = [];
  private flushScheduled = false;
  private publisher: Publisher | null = null;
  /**
   * Built once: better-sqlite3 wraps a function per transaction() call (8–15 µs). Called inside
   * another transaction, the same wrapper runs as a savepoint.
   */
  private readonly inTransaction;

  constructor(
    sqlite: Sqlite,
    readonly log: EventLog,
    private readonly clock: () => number,
  ) {
    this.inTransaction = sqlite.transaction((fn: () => unknown) => fn());
  }

  setPublisher(publisher: Publisher): void {
    this.publisher = publisher;
  }

  /** Runs one use case in its own transaction, synchronously (start-up, timers, scripts). */
  run<T>(actor: Actor | null, fn: (tx: Tx) => T): T {
    const appended: EventRecord[] = [];
    const mark = this.log.mark();
    let result: T;
    try {
      result = this.inTransaction.immediate(() => fn(this.txFor(actor, appended))) as T;
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
  submit<T>(actor: Actor | null, fn: (tx: Tx) => T): Promise<T> {
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
            const value = this.inTransaction(() => job.fn(this.txFor(job.actor, mine)));
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
      emit(name, data, roomIds) {
        const def = eventDef(name);
        const rooms = roomIds?.filter((id): id is string => id !== null) ?? [];
        const record = log.append({
          topic: def.topic,
          name,
          visibility: visibilityOf(name),
          actorDeviceId: actor?.deviceId ?? null,
          roomIds: rooms.length > 0 ? [...new Set(rooms)] : null,
          // Stored as its schema lets through: a payload never carries a field the contract does not name.
          payloadJson: JSON.stringify(def.payload.parse(data)),
          at: now,
        });
        appended.push(record);
        return record;
      },
    };
  }
}
