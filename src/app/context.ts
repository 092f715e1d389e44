// The app's context on the root instance: config, clock, id generator, the drain and closing flags and the metrics registry.
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
    lifecycle: Lifecycle;
    /**
     * The drain before a shutdown: /readyz answers 503 for `ms` while every other route, the
     * listener and the jobs carry on, so a load balancer stops sending before anything closes.
     */
    drain: (ms: number) => Promise<void>;
  }
}

export interface Lifecycle {
  /** Set at drain start (SIGTERM): readiness fails, everything else still serves. */
  draining: boolean;
  /** Set when close begins: readiness fails and jobs stand down while sockets and requests finish. */
  closing: boolean;
}

export default fp<ContextOptions>(
  async (app, opts) => {
    app.decorate('appConfig', opts.config);
    app.decorate('clock', opts.clock);
    app.decorate('newId', opts.newId);
    const lifecycle: Lifecycle = { draining: false, closing: false };
    app.decorate('lifecycle', lifecycle);
    app.decorate('drain', async (ms: number) => {
      lifecycle.draining = true;
      await new Promise((resolve) => setTimeout(resolve, ms));
    });
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
