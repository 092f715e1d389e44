// The app's context on the root instance: config, clock, id generator, the closing flag and the metrics registry.
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { createMetrics, type Metrics } from '../http/metrics.js';

export interface ContextOptions {
  config: Config;
  /** Milliseconds since the epoch. */
  clock: () => number;
  newId: () => string;
}

declare module 'fastify' {
  interface FastifyInstance {
    appConfig: Config;
    clock: () => number;
    newId: () => string;
    metrics: Metrics;
    lifecycle: { closing: boolean };
  }
}

export default fp<ContextOptions>(
  async (app, opts) => {
    app.decorate('appConfig', opts.config);
    app.decorate('clock', opts.clock);
    app.decorate('newId', opts.newId);
    app.decorate('lifecycle', { closing: false });
    const metrics = createMetrics();
    app.decorate('metrics', metrics);

    // The first preClose hook: readiness answers 503 and jobs stand down while sockets and requests drain.
    app.addHook('preClose', async () => {
      app.lifecycle.closing = true;
    });
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  },
  { name: 'eventday-context' },
);
