// Prometheus metrics of one app instance: HTTP latency by route, live sockets, events appended, and the domain figures (scans, occupancy, imports, solves).
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { scanKinds, scanReasons, scanResults } from '../core/vocabulary.js';
import { topics } from '../contract/events.js';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  liveSockets: Gauge<'role'>;
  liveSocketsClosed: Counter<'code'>;
  eventsAppended: Counter<'topic'>;
  broadcastDuration: Histogram;
  checkins: Counter<'result' | 'reason' | 'kind' | 'place'>;
  roomOccupancy: Gauge<'room_id'>;
  roomCapacity: Gauge<'room_id'>;
  importDuration: Histogram<'kind' | 'status_code'>;
  solveDuration: Histogram<'trigger'>;
  /** 1 while this node runs the shared jobs (always on SQLite's one node). */
  leader: Gauge;
}

/** What the publisher needs of an appended event. */
export interface AppendedEvent {
  topic: string;
  name: string;
  payloadJson: string;
}

/**
 * Label values are bounded: anything outside the known vocabularies is counted as `other`, so a
 * new reason, topic or close code cannot grow a series per value.
 */
const knownTopics = new Set<string>(topics);
const knownResults = new Set<string>(scanResults);
const knownReasons = new Set<string>(scanReasons);
/** The close codes the protocol defines (API.md) and the ones ws reports for a dropped peer. */
const knownCloseCodes = new Set([1000, 1001, 1005, 1006, 1008, 1009, 1011, 4008, 4029, 4403]);
/** Rooms are bounded by the rooms table; this is a guard against a runaway id source, not the expected size. */
const MAX_ROOM_SERIES = 2_000;

const bounded = (value: string | null | undefined, known: ReadonlySet<string>): string =>
  value === null || value === undefined ? 'none' : known.has(value) ? value : 'other';

export function closeCodeLabel(code: number): string {
  return knownCloseCodes.has(code) ? String(code) : 'other';
}

/** The routes whose time is an import, by kind (observed centrally in an onResponse hook). */
const importRoutes: Readonly<Record<string, string>> = {
  'POST /api/schedule/import': 'schedule',
  'POST /api/attendees/import': 'attendees',
};

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'eventday_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    liveSockets: new Gauge({
      name: 'eventday_live_sockets',
      help: 'Open live WebSocket connections by role',
      labelNames: ['role'],
      registers: [registry],
    }),
    liveSocketsClosed: new Counter({
      name: 'eventday_live_sockets_closed_total',
      help: 'Live WebSocket connections closed, by close code (4008 too slow, 4029 too many, 4403 revoked, 1001 shutdown, 1006 dropped; other codes as "other")',
      labelNames: ['code'],
      registers: [registry],
    }),
    eventsAppended: new Counter({
      name: 'eventday_events_appended_total',
      help: 'Events appended to the event log, by topic',
      labelNames: ['topic'],
      registers: [registry],
    }),
    broadcastDuration: new Histogram({
      name: 'eventday_broadcast_duration_seconds',
      help: 'Time to fan one committed batch of events out to the live sockets',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    }),
    checkins: new Counter({
      name: 'eventday_checkins_total',
      help: 'Recorded scans (checkin.recorded events), by result, reason ("none" for a clean ok), kind (entry/exit) and place (venue or room)',
      labelNames: ['result', 'reason', 'kind', 'place'],
      registers: [registry],
    }),
    roomOccupancy: new Gauge({
      name: 'eventday_room_occupancy',
      help: 'People in a room, as of its last room.occupancy event',
      labelNames: ['room_id'],
      registers: [registry],
    }),
    roomCapacity: new Gauge({
      name: 'eventday_room_capacity',
      help: 'Capacity of a room, as of its last room.occupancy event',
      labelNames: ['room_id'],
      registers: [registry],
    }),
    importDuration: new Histogram({
      name: 'eventday_import_duration_seconds',
      help: 'Time to answer an import request (schedule or attendees), by kind and status code',
      labelNames: ['kind', 'status_code'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    solveDuration: new Histogram({
      name: 'eventday_allocation_solve_duration_seconds',
      help: 'HiGHS solve time of an allocation plan (its solveMs), by trigger (request or room_failure)',
      labelNames: ['trigger'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'eventday_leader',
      help: 'Whether this node runs the shared jobs (session clock, announcement expiry): one node of a PostgreSQL cluster at a time',
      registers: [registry],
    }),
  };
}

interface CheckinFields {
  result?: string;
  reason?: string | null;
  checkin?: { kind?: string; roomId?: string | null };
}
interface OccupancyFields {
  roomId?: string;
  occupancy?: number;
  capacity?: number;
}
interface PlanFields {
  solveMs?: number;
  trigger?: { kind?: string };
}

const knownKinds = new Set<string>(scanKinds);
const roomsSeen = new WeakMap<Metrics, Set<string>>();
const planTriggers = new Set(['request', 'room_failure']);

/**
 * Counts committed events into the domain metrics; called by the publisher for every batch.
 * It reads the stored payload, which the contract shapes; a payload it cannot read is only
 * counted by topic, never allowed to fail the publish.
 */
export function observeEvents(metrics: Metrics, events: readonly AppendedEvent[]): void {
  for (const e of events) {
    metrics.eventsAppended.inc({ topic: bounded(e.topic, knownTopics) });
    if (e.name !== 'checkin.recorded' && e.name !== 'room.occupancy' && e.name !== 'allocation.planned' && e.name !== 'allocation.proposed') continue;
    let payload: unknown;
    try {
      payload = JSON.parse(e.payloadJson);
    } catch {
      continue;
    }
    if (typeof payload !== 'object' || payload === null) continue;
    if (e.name === 'checkin.recorded') {
      const p = payload as CheckinFields;
      metrics.checkins.inc({
        result: bounded(p.result, knownResults),
        reason: bounded(p.reason, knownReasons),
        kind: bounded(p.checkin?.kind, knownKinds),
        place: p.checkin?.roomId ? 'room' : 'venue',
      });
    } else if (e.name === 'room.occupancy') {
      const p = payload as OccupancyFields;
      if (typeof p.roomId !== 'string' || typeof p.occupancy !== 'number') continue;
      const rooms = roomsSeen.get(metrics) ?? new Set<string>();
      roomsSeen.set(metrics, rooms);
      if (!rooms.has(p.roomId)) {
        if (rooms.size >= MAX_ROOM_SERIES) continue;
        rooms.add(p.roomId);
      }
      metrics.roomOccupancy.set({ room_id: p.roomId }, p.occupancy);
      if (typeof p.capacity === 'number') metrics.roomCapacity.set({ room_id: p.roomId }, p.capacity);
    } else {
      const p = payload as PlanFields;
      if (typeof p.solveMs === 'number') metrics.solveDuration.observe({ trigger: bounded(p.trigger?.kind, planTriggers) }, p.solveMs / 1000);
    }
  }
}

/** Import durations, observed from the import routes' answers without touching those routes. */
export function registerRouteTimers(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const kind = importRoutes[`${request.method} ${request.routeOptions.url ?? ''}`];
    if (kind !== undefined) metrics.importDuration.observe({ kind, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
