// The live hub: fed by the Writer after each commit, serving snapshots and replays from the event log.
import fp from 'fastify-plugin';
import { closeCodeLabel, observeEvents, registerRouteTimers } from '../http/metrics.js';
import { isStaffRole } from '../core/vocabulary.js';
import { Hub } from '../live/hub.js';
import { snapshotIn } from '../services/snapshot.js';
import { known } from '../store/op.js';

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub;
  }
}

export default fp(
  async (app) => {
    const { store, services, metrics, appConfig: config } = app;
    const log = app.eventLog;
    const hub = new Hub({
      // SQLite answers at once: the hub catches a socket up in one synchronous step.
      log: {
        epoch: log.epoch,
        headSeq: () => log.headSeq,
        committedSeq: () => known(log.headSeq),
        oldestSeq: () => known(log.oldestSeq),
        readAfter: (since, limit) => known(log.readAfter(since, limit)),
      },
      snapshot: function* (role) {
        const data = yield* snapshotIn(store.ports, { settings: app.settings, ...services }, role);
        // Kiosks are a public surface: closed-door sessions as EVENTDAY_PUBLIC_RESTRICTED says.
        return { seq: log.headSeq, data: isStaffRole(role) ? data : yield* services.publicSchedule.snapshotIn(store.ports, data) };
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
    app.writer.setPublisher({
      publish(events) {
        // Caches follow the log, so they hold whichever node wrote the change.
        for (const event of events) {
          if (event.name === 'device.revoked') services.devices.forget((JSON.parse(event.payloadJson) as { id: string }).id);
        }
        observeEvents(metrics, events);
        hub.publish(events);
      },
    });
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
