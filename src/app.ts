// buildApp(config, deps): the Fastify instance with the database, the live hub, plugins and routes; tests use it directly.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import fastifyRateLimit from '@fastify/rate-limit';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { checkpoint, openStore, type Store } from './db/open.js';
import { registerAuthentication, registerRoleGuard } from './http/auth.js';
import { AppError, registerErrorHandling } from './http/errors.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { routePlugins } from './http/routes/index.js';
import pages from './http/routes/pages.js';
import { EventLog } from './live/event-log.js';
import { Hub } from './live/hub.js';
import { createLogger } from './logger.js';
import { webBuildFolder } from './paths.js';
import { AllocationService } from './services/allocation.js';
import { solveAllocation } from './services/allocation-solver.js';
import { AnnouncementService } from './services/announcements.js';
import { AttendeeService } from './services/attendees.js';
import { BadgeService } from './services/badges.js';
import { CheckinService } from './services/checkins.js';
import { DeviceService } from './services/devices.js';
import { HeadcountService } from './services/headcount.js';
import { OccupancyService } from './services/occupancy.js';
import { RoomService } from './services/rooms.js';
import { ScheduleService, STATUS_INTERVAL_MS } from './services/schedule.js';
import { SessionService } from './services/sessions.js';
import { ensureSettings, type EventSettings } from './services/settings.js';
import { buildSnapshot, type StaffExtras } from './services/snapshot.js';
import { Writer } from './services/writer.js';

export interface Deps {
  /** Milliseconds since the epoch; tests pin it. */
  clock?: () => number;
  newId?: () => string;
  logger?: Logger;
}

export interface Services {
  devices: DeviceService;
  announcements: AnnouncementService;
  occupancy: OccupancyService;
  rooms: RoomService;
  sessions: SessionService;
  schedule: ScheduleService;
  badges: BadgeService;
  attendees: AttendeeService;
  checkins: CheckinService;
  headcounts: HeadcountService;
  allocation: AllocationService;
}

declare module 'fastify' {
  interface FastifyInstance {
    appConfig: Config;
    store: Store;
    writer: Writer;
    hub: Hub;
    clock: () => number;
    newId: () => string;
    metrics: Metrics;
    settings: EventSettings;
    services: Services;
    lifecycle: { closing: boolean };
  }
}

const CHECKPOINT_INTERVAL_MS = 5_000;
const EXPIRY_INTERVAL_MS = 1_000;

export async function buildApp(config: Config, deps: Deps = {}): Promise<FastifyInstance> {
  const clock = deps.clock ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const logger = deps.logger ?? createLogger(config.logLevel);

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.server.headersTimeout = config.headersTimeoutMs;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  const store = openStore(config.dbFile);
  const settings = store.sqlite.transaction(() => ensureSettings(store, config.timeZone, clock()))();
  const log = new EventLog(store.sqlite, settings.epoch);
  const writer = new Writer(store.sqlite, log, clock);
  const metrics = createMetrics();
  const devices = new DeviceService(store, writer, newId);
  const announcements = new AnnouncementService(store, writer, newId, clock);
  const occupancy = new OccupancyService(store, writer);
  const rooms = new RoomService(store, writer, newId, logger as FastifyBaseLogger);
  const sessions = new SessionService(store, writer, newId, clock);
  const schedule = new ScheduleService(store, writer, sessions, newId, clock, settings);
  const badges = new BadgeService(store, writer);
  const checkins = new CheckinService(store, writer, badges, occupancy, newId, settings.timeZone, (err) =>
    logger.error({ err }, 'check-in stats publication failed'),
  );
  const attendees = new AttendeeService(store, writer, badges, newId, () => checkins.arrivalsChanged());
  const headcounts = new HeadcountService(store, writer, occupancy);
  const allocation = new AllocationService({
    store,
    writer,
    clock,
    newId,
    timeZone: settings.timeZone,
    solve: (input) => solveAllocation(input),
    sessions,
  });
  // A proposal is advice: the room service logs a listener's failure and never undoes the room change.
  rooms.onOutOfService(async (room) => {
    await allocation.proposeForRoomFailure(room.id);
  });
  const snapshotExtras: StaffExtras[] = [() => ({ checkinStats: checkins.stats() })];
  const hub = new Hub({
    log,
    snapshot: (role) => buildSnapshot(store, announcements, role, snapshotExtras),
    maxBuffered: config.wsMaxBuffered,
    pingIntervalMs: config.wsPingIntervalMs,
    replayMaxEvents: config.replayMaxEvents,
    onBroadcast: (ms) => metrics.broadcastDuration.observe(ms / 1000),
    onSocketsChanged: (role, delta) => metrics.liveSockets.inc({ role }, delta),
    logger: app.log,
  });
  writer.setPublisher({
    publish(events) {
      for (const e of events) metrics.eventsAppended.inc({ topic: e.topic });
      hub.publish(events);
    },
  });

  app.decorate('appConfig', config);
  app.decorate('store', store);
  app.decorate('writer', writer);
  app.decorate('hub', hub);
  app.decorate('clock', clock);
  app.decorate('newId', newId);
  app.decorate('metrics', metrics);
  app.decorate('settings', settings);
  app.decorate('services', { devices, announcements, occupancy, rooms, sessions, schedule, badges, attendees, checkins, headcounts, allocation });
  app.decorate('lifecycle', { closing: false });

  const bootstrap = devices.ensureBootstrapAdmin(config.adminToken);
  if (bootstrap.generatedToken) {
    // Shown once: only the token's hash is stored, so this line is the only way to learn it.
    app.log.warn({ adminToken: bootstrap.generatedToken }, 'new database: admin device created; keep this token, it is not shown again');
  }

  registerRoleGuard(app);

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'eventday',
        description: 'Event-day operations API. Errors are application/problem+json with a stable `code`. See README.md and API.md.',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyRateLimit, {
    global: false,
    keyGenerator: (request) => request.device?.id ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      new AppError('rate_limited', 429, `too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`),
  });
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: 64 * 1024,
      perMessageDeflate: false,
      handleProtocols: (protocols: Set<string>) => (protocols.has('eventday.v1') ? 'eventday.v1' : false),
    },
    preClose(done) {
      hub.closeAll();
      void hub.drain(3_000).then(() => done());
    },
  });
  registerAuthentication(app, devices);
  for (const plugin of routePlugins) await app.register(plugin);
  await app.register(pages, { webRoot: webBuildFolder() });

  const timers = [
    setInterval(() => {
      try {
        checkpoint(store.sqlite);
      } catch (err) {
        app.log.warn({ err }, 'WAL checkpoint failed');
      }
    }, CHECKPOINT_INTERVAL_MS),
    setInterval(() => {
      try {
        announcements.expireDue();
      } catch (err) {
        app.log.error({ err }, 'announcement expiry failed');
      }
    }, EXPIRY_INTERVAL_MS),
    setInterval(() => {
      if (app.lifecycle.closing) return;
      try {
        sessions.advanceStatuses();
      } catch (err) {
        app.log.error({ err }, 'session status clock failed');
      }
    }, STATUS_INTERVAL_MS),
  ];
  for (const t of timers) t.unref();

  app.addHook('preClose', async () => {
    app.lifecycle.closing = true;
  });
  app.addHook('onClose', async () => {
    for (const t of timers) clearInterval(t);
    occupancy.flush();
    occupancy.stop();
    checkins.stop();
    hub.closeAll();
    try {
      checkpoint(store.sqlite);
    } finally {
      store.sqlite.close();
    }
  });

  return app;
}
