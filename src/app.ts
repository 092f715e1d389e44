// buildApp(config, deps): the Fastify instance as a list of plugins (store, writer, services, live hub, jobs, HTTP); tests use it directly.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import context from './app/context.js';
import docs from './app/docs.js';
import jobs from './app/jobs.js';
import live from './app/live.js';
import rateLimit from './app/rate-limit.js';
import routes from './app/routes.js';
import security from './app/security.js';
import services from './app/services.js';
import store from './app/store.js';
import websocket from './app/websocket.js';
import writer from './app/writer.js';
import type { Config } from './config.js';
import { registerErrorHandling } from './http/errors.js';
import { publicFeeds } from './http/public-feed.js';
import { eventSettingsIn, programmeSettingsIn } from './services/settings.js';
import pages from './http/routes/pages.js';
import { createLogger } from './logger.js';
import { webBuildFolder } from './paths.js';

export type { Services } from './app/services.js';

export interface Deps {
  /** Milliseconds since the epoch; tests pin it. */
  clock?: () => number;
  newId?: () => string;
  logger?: Logger;
}

/**
 * The order is the lifecycle: preClose hooks run in this order (closing flag, jobs stop, sockets
 * get 1001), then in-flight requests finish, then onClose hooks run in reverse (final occupancy
 * flush and checkpoint, then the SQLite file closes).
 */
export async function buildApp(config: Config, deps: Deps = {}): Promise<FastifyInstance> {
  // Typed as Fastify's logger, so the instance is the plain FastifyInstance every plugin and test takes.
  const logger: FastifyBaseLogger = deps.logger ?? createLogger(config.logLevel);
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    // X-Forwarded-For names the client only when the connection comes from a configured proxy.
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
  });
  app.server.headersTimeout = config.headersTimeoutMs;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  await app.register(context, { config, clock: deps.clock ?? Date.now, newId: deps.newId ?? randomUUID });
  await app.register(store);
  await app.register(writer);
  await app.register(services);
  await app.register(live);
  await app.register(jobs);
  await app.register(websocket);
  await app.register(security);
  await app.register(docs);
  await app.register(rateLimit);
  await app.register(publicFeeds, {
    clock: app.clock,
    cors: config.publicSchedule,
    // Every schedule feed is a function of the schedule: its events (in this database) and the event's settings (title, zones, day change, urls) version the cached answers.
    version: async () => {
      const [seq, settings, programme] = await app.store.reader.read(function* (s) {
        return [yield* s.log.latestSeqOf('schedule'), yield* eventSettingsIn(s), yield* programmeSettingsIn(s)] as const;
      });
      return `${app.eventLog.epoch} ${seq} ${JSON.stringify([settings, programme])}`;
    },
    ...config.feedRateLimit,
  });
  await app.register(routes);
  await app.register(pages, { webRoot: webBuildFolder() });
  return app;
}
