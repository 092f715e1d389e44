// The one write path (a unit of work per use case, its events in the same transaction) and the committed log that feeds the live hub and the caches.
import fp from 'fastify-plugin';
import { EventLog, type EventRecord } from '../live/event-log.js';
import type { HubLog } from '../live/hub.js';
import { awaited, known, type Op } from '../store/op.js';
import type { StorePorts } from '../store/ports.js';
import { LogTail } from '../store/pg/log-tail.js';
import { readAtHead } from '../store/pg/read-at-head.js';
import { PgUnitOfWork } from '../store/pg/unit-of-work.js';
import { Writer } from '../store/sqlite/writer.js';
import type { Publisher, UnitOfWork } from '../store/unit-of-work.js';

/**
 * The log as this node's live side sees it. On SQLite the Writer hands each commit's events on
 * at once; on PostgreSQL every node, the writing one included, receives them from its tail of the
 * events table, so a client is served the same stream whichever node it is connected to.
 */
export interface CommittedLog {
  readonly epoch: string;
  /** The last seq handed to the publisher. */
  readonly headSeq: number;
  readonly hub: HubLog;
  /** A read of the store and the seq it shows the state at, in one consistent step. */
  readAt<T>(body: (store: StorePorts) => Op<T>): Op<{ seq: number; value: T }>;
  /**
   * The one receiver of committed events, in seq order, each once, from the first after `fromSeq`
   * (the position its caches were loaded at; on SQLite nothing commits before the app is ready).
   */
  follow(publisher: Publisher, fromSeq: number): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    eventLog: CommittedLog;
    writer: UnitOfWork;
  }
}

/** How often a node's tail reads the log when no notification came (one lost with a dropped listener, say). */
const TAIL_POLL_MS = 500;

export default fp(
  async (app) => {
    const store = app.store;
    const epoch = app.settings.epoch;
    if (store.kind === 'sqlite') {
      const log = new EventLog(store.sqlite, epoch);
      const writer = new Writer(store, log, app.clock);
      app.decorate('writer', writer);
      app.decorate<CommittedLog>('eventLog', {
        epoch,
        get headSeq() {
          return log.headSeq;
        },
        // SQLite answers at once: the hub catches a socket up in one synchronous step.
        hub: {
          epoch,
          headSeq: () => log.headSeq,
          committedSeq: () => known(log.headSeq),
          oldestSeq: () => known(log.oldestSeq),
          readAfter: (since, limit) => known(log.readAfter(since, limit)),
        },
        *readAt(body) {
          const value = yield* body(store.ports);
          return { seq: log.headSeq, value };
        },
        follow: (publisher) => writer.setPublisher(publisher),
      });
      return;
    }

    const { log, pg } = store;
    app.decorate('writer', new PgUnitOfWork(pg.pool, log, () => epoch, app.clock));
    let following: { publisher: Publisher; fromSeq: number } | null = null;
    const tail = new LogTail({
      log,
      connection: { connectionString: store.url },
      pollMs: TAIL_POLL_MS,
      onEvents: (records: EventRecord[]) => following?.publisher.publish(records),
      onError: (err) => app.log.warn({ err }, 'event log tail'),
    });
    app.decorate<CommittedLog>('eventLog', {
      epoch,
      get headSeq() {
        return tail.lastSeq;
      },
      hub: {
        epoch,
        headSeq: () => tail.lastSeq,
        committedSeq: () => awaited(log.head().then((h) => h.seq)),
        oldestSeq: () => awaited(log.oldestSeq()),
        readAfter: (since, limit) => awaited(log.readAfter(since, limit)),
      },
      readAt: (body) => awaited(readAtHead(pg.pool, log, body)),
      follow: (publisher, fromSeq) => {
        following = { publisher, fromSeq };
      },
    });
    // The tail starts once every plugin is registered (the hub follows by then) and before the listener opens.
    app.addHook('onReady', async () => {
      if (!following) throw new Error('nothing follows the event log');
      await tail.start(following.fromSeq);
    });
    app.addHook('onClose', async () => {
      await tail.stop();
    });
  },
  { name: 'eventday-writer', dependencies: ['eventday-store'] },
);
