// The periodic jobs on one scheduler: started when the app is ready, stopped first at close, a final flush and checkpoint last.
import fp from 'fastify-plugin';
import { eventdayJobs } from '../jobs/jobs.js';
import { Scheduler } from '../jobs/scheduler.js';
import { KeyDir } from '../keys/key-dir.js';
import { AuditCheckpoints } from '../services/audit.js';

export interface JobsOptions {
  /** Whether leader-only jobs run on this node (a leader election answers it); always, by default. */
  shouldRun?: () => boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: Scheduler;
  }
}

export default fp<JobsOptions>(
  async (app, opts) => {
    const scheduler = new Scheduler({
      logger: app.log,
      ...(opts.shouldRun ? { shouldRun: opts.shouldRun } : {}),
      isClosing: () => app.lifecycle.closing,
    });
    const checkpoints = new AuditCheckpoints(app.store.sqlite, app.writer, new KeyDir(app.appConfig.keyDir), app.appConfig.dbFile, app.clock);
    const audit = { checkpoint: () => checkpoints.checkpoint(app.lifecycle.closing ? 'shutdown' : 'periodic') };
    for (const job of eventdayJobs({ sqlite: app.store.sqlite, ...app.services, audit })) scheduler.add(job);
    app.decorate('jobs', scheduler);

    app.addHook('onReady', async () => {
      scheduler.start();
    });
    // Registered before the websocket plugin: no job runs while the sockets close.
    app.addHook('preClose', async () => {
      await scheduler.stop();
    });
    // Runs after the sockets and requests are done and before the store closes the file.
    app.addHook('onClose', async () => {
      await scheduler.runFinal();
    });
  },
  { name: 'eventday-jobs', dependencies: ['eventday-live'] },
);
