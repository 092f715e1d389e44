// GET /api/live: the WebSocket that pushes every change; authenticated and Origin-checked before the upgrade.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { liveQuery } from '../../contract/live.js';
import { ANY_ROLE } from '../auth.js';
import { AppError } from '../../core/errors.js';
import { parseList } from '../../live/hub.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  /**
   * The origins a browser may open a socket from: the configured public origin(s), else this
   * service on the port it listens on, plus the allow-list. Never taken from the Host header,
   * which the client chooses.
   */
  const allowedOrigins = (): Set<string> => {
    const configured = app.appConfig.publicOrigins;
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : app.appConfig.port;
    const own = configured.length > 0 ? configured : [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
    return new Set([...own, ...app.appConfig.allowedOrigins.map((o) => (URL.canParse(o) ? new URL(o).origin : o))]);
  };

  app.route({
    method: 'GET',
    url: '/api/live',
    config: { roles: ANY_ROLE, tokenInSubprotocol: true },
    schema: {
      tags: ['live'],
      summary: 'Live updates over WebSocket (see API.md and /docs/asyncapi.json: welcome, replay or snapshot, events); 426 without an upgrade',
      querystring: liveQuery,
    },
    preValidation: async (request) => {
      const origin = request.headers.origin;
      if (origin === undefined) return;
      const normalised = URL.canParse(origin) ? new URL(origin).origin : null;
      if (normalised === null || !allowedOrigins().has(normalised)) {
        throw new AppError('forbidden_origin', 403, 'this Origin may not open a live socket');
      }
    },
    handler: async () => {
      throw new AppError('upgrade_required', 426, 'GET /api/live is a WebSocket: send an upgrade request');
    },
    wsHandler: (socket, request) => {
      const device = request.device!;
      app.hub.connect({
        socket,
        role: device.role,
        deviceId: device.id,
        since: request.query.since ?? null,
        epoch: request.query.epoch ?? null,
        filter: { topics: parseList(request.query.topics), roomIds: parseList(request.query.roomIds) },
      });
    },
  });
};

export default routes;
