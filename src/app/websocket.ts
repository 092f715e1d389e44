// @fastify/websocket with eventday's limits; its preClose sends every live socket 1001 and waits for them to go.
import fastifyWebsocket from '@fastify/websocket';
import fp from 'fastify-plugin';

/** How long sockets get to close politely at shutdown before they are cut off. */
const DRAIN_MS = 3_000;

export default fp(
  async (app) => {
    const hub = app.hub;
    await app.register(fastifyWebsocket, {
      options: {
        maxPayload: 64 * 1024,
        perMessageDeflate: false,
        handleProtocols: (protocols: Set<string>) => (protocols.has('eventday.v1') ? 'eventday.v1' : false),
      },
      preClose(done) {
        hub.closeAll();
        void hub.drain(DRAIN_MS).then(() => done());
      },
    });
  },
  { name: 'eventday-websocket', dependencies: ['eventday-jobs'] },
);
