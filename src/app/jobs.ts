// The periodic jobs on one scheduler: started when the app is ready, stopped first at close, a final flush and checkpoint last; on PostgreSQL the shared ones only on the elected node.
import fp from 'fastify-plugin';
import { checkpoint } from '../db/open.js';
import { eventdayJobs } from '../jobs/jobs.js';
import { Scheduler } from '../jobs/scheduler.js';
import { KeyDir } from '../keys/key-dir.js';
import { AuditCheckpoints } from '../services/audit.js';
import { LeaderElection } from '../store/pg/leader.js';
import { pruneWindows } from '../store/pg/rate-windows.js';
import { Writer } from '../store/sqlite/writer.js';

declare module 'fastify' {
  interface FastifyInstance {
    jobs: Scheduler;
    /** Whether this node runs the shared jobs (session clock, expiry): always on SQLite, the advisory lock's holder on PostgreSQL. */
    isLeader: () => boolean;
  }
}

export default fp(
  async (app) => {
    const store = app.store;
    // Several nodes on one database elect one to run the shared jobs; the lock dies with its session, so another node takes over.
    const election =
      store.kind === 'postgres'
        ? new LeaderElection({
            connection: { connectionString: store.url },
            schema: store.pg.schema,
            onChange: (leader) => {
              app.metrics.leader.set(leader ? 1 : 0);
              app.log.info({ leader }, leader ? 'this node now runs the shared jobs' : 'this node no longer runs the shared jobs');
            },
            onError: (err) => app.log.warn({ err }, 'leader election'),
          })
        : null;
    const isLeader = election ? () => election.isLeader : () => true;
    if (!election) app.metrics.leader.set(1);
    app.decorate('isLeader', isLeader);
    const scheduler = new Scheduler({ logger: app.log, shouldRun: isLeader, isClosing: () => app.lifecycle.closing });
    // The signed audit checkpoints cover the SQLite file's own chain; on PostgreSQL pg_dump and the server's WAL are the record.
    let audit: { checkpoint(): unknown } | undefined;
    if (store.kind === 'sqlite' && app.writer instanceof Writer) {
      const checkpoints = new AuditCheckpoints(store.sqlite, app.writer, new KeyDir(app.appConfig.keyDir), app.appConfig.dbFile, app.clock);
      audit = { checkpoint: () => checkpoints.checkpoint(app.lifecycle.closing ? 'shutdown' : 'periodic') };
    }
    const nodeStore =
      store.kind === 'sqlite'
        ? { walCheckpoint: () => checkpoint(store.sqlite) }
        : { pruneBudgets: () => pruneWindows(store.pg.pool, Date.now()) };
    for (const job of eventdayJobs({ ...app.services, ...(audit ? { audit } : {}), ...nodeStore })) scheduler.add(job);
    app.decorate('jobs', scheduler);

    app.addHook('onReady', async () => {
      election?.start();
      scheduler.start();
    });
    // Registered before the websocket plugin: no job runs while the sockets close.
    app.addHook('preClose', async () => {
      await scheduler.stop();
    });
    // Runs after the sockets and requests are done and before the store closes; the lock is let go only after the final runs.
    app.addHook('onClose', async () => {
      await scheduler.runFinal();
      await election?.stop();
    });
  },
  { name: 'eventday-jobs', dependencies: ['eventday-live'] },
);
