// Prometheus metrics of one app instance: HTTP latency by route, live sockets by role, events appended, broadcast time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  liveSockets: Gauge<'role'>;
  eventsAppended: Counter<'topic'>;
  broadcastDuration: Histogram;
}

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
  };
}
