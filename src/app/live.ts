// The live hub: fed by the Writer after each commit, serving snapshots and replays from the event log.
import fp from 'fastify-plugin';
import { Hub } from '../live/hub.js';
import { buildSnapshot } from '../services/snapshot.js';

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub;
  }
}

export default fp(
  async (app) => {
    const { store, services, metrics, appConfig: config } = app;
    const hub = new Hub({
      log: app.eventLog,
      snapshot: (role) => buildSnapshot({ store, settings: app.settings, ...services }, role),
      maxBuffered: config.wsMaxBuffered,
      pingIntervalMs: config.wsPingIntervalMs,
      replayMaxEvents: config.replayMaxEvents,
      onBroadcast: (ms) => metrics.broadcastDuration.observe(ms / 1000),
      onSocketsChanged: (role, delta) => metrics.liveSockets.inc({ role }, delta),
      logger: app.log,
    });
    app.writer.setPublisher({
      publish(events) {
        for (const e of events) metrics.eventsAppended.inc({ topic: e.topic });
        hub.publish(events);
      },
    });
    app.decorate('hub', hub);
    // The sockets are closed in the websocket plugin's preClose; this stops the heartbeat when that never ran.
    app.addHook('onClose', async () => {
      hub.closeAll();
    });
  },
  { name: 'eventday-live', dependencies: ['eventday-services'] },
);
