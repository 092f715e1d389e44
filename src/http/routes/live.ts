// GET /api/live: the WebSocket that pushes every change; authenticated and Origin-checked before the upgrade.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { liveQuery } from '../../contract/live.js';
import { ANY_ROLE } from '../auth.js';
import { AppError } from '../../core/errors.js';
import { parseList } from '../../live/hub.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/live',
    {
      websocket: true,
      config: { roles: ANY_ROLE, tokenInSubprotocol: true },
      schema: {
        tags: ['live'],
        summary: 'Live updates over WebSocket (see API.md: welcome, replay or snapshot, events)',
        querystring: liveQuery,
      },
      preValidation: async (request) => {
        const origin = request.headers.origin;
        if (origin === undefined) return;
        let host: string | null;
        try {
          host = new URL(origin).host;
        } catch {
          host = null;
        }
        const allowed = (host !== null && host === request.headers.host) || app.appConfig.allowedOrigins.includes(origin);
        if (!allowed) throw new AppError('forbidden_origin', 403, 'this Origin may not open a live socket');
      },
    },
    (socket, request) => {
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
  );
};

export default routes;
