// The live hub: fed by the Writer after each commit, serving snapshots and replays from the event log.
import fp from 'fastify-plugin';
import { closeCodeLabel, observeEvents, registerRouteTimers } from '../http/metrics.js';
import { isStaffRole } from '../core/vocabulary.js';
import { Hub } from '../live/hub.js';
import { snapshotIn } from '../services/snapshot.js';

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub;
  }
}

export default fp(
  async (app) => {
    const { services, metrics, appConfig: config } = app;
    const log = app.eventLog;
    const hub = new Hub({
      log: log.hub,
      snapshot: function* (role) {
        // One consistent read: the state and the seq it is at (SQLite at once, PostgreSQL in one REPEATABLE READ snapshot).
        const { seq, value } = yield* log.readAt(function* (ports) {
          const data = yield* snapshotIn(ports, { settings: app.settings, ...services }, role);
          // Kiosks are a public surface: closed-door sessions as EVENTDAY_PUBLIC_RESTRICTED says.
          return isStaffRole(role) ? data : yield* services.publicSchedule.snapshotIn(ports, data);
        });
        return { seq, data: value };
      },
      publicView: (record) => services.publicSchedule.liveRecord(record),
      clock: app.clock,
      maxBuffered: config.wsMaxBuffered,
      maxPerDevice: config.wsMaxPerDevice,
      pingIntervalMs: config.wsPingIntervalMs,
      replayMaxEvents: config.replayMaxEvents,
      onBroadcast: (ms) => metrics.broadcastDuration.observe(ms / 1000),
      onSocketsChanged: (role, delta) => metrics.liveSockets.inc({ role }, delta),
      onClosed: (code) => metrics.liveSocketsClosed.inc({ code: closeCodeLabel(code) }),
      logger: app.log,
    });
    // The closed-door sessions as of a log position; the log is followed from there, so no change is missed in between.
    const loadedAt = await services.publicSchedule.load();
    log.follow(
      {
        publish(events) {
          // Caches follow the log, so they hold whichever node wrote the change.
          for (const event of events) {
            if (event.name === 'device.revoked') services.devices.forget((JSON.parse(event.payloadJson) as { id: string }).id);
          }
          services.badges.follow(events);
          services.checkins.follow(events);
          services.publicSchedule.follow(events);
          observeEvents(metrics, events);
          hub.publish(events);
        },
      },
      loadedAt,
    );
    // Import durations are timed from the import routes' answers, in one hook beside the event-fed metrics.
    registerRouteTimers(app, metrics);
    app.decorate('hub', hub);
    // The sockets are closed in the websocket plugin's preClose; this stops the heartbeat when that never ran.
    app.addHook('onClose', async () => {
      hub.closeAll();
    });
  },
  { name: 'eventday-live', dependencies: ['eventday-services'] },
);
