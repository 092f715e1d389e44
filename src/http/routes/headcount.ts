// POST /api/rooms/:id/headcount: door staff and ops set a room's occupancy to a counted number.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../auth.js';
import { idParam, problemSchema } from '../../contract/common.js';
import { headcountBody, staffRoomSchema } from '../../contract/rooms.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  const { headcounts } = app.services;

  app.post(
    '/api/rooms/:id/headcount',
    {
      config: { roles: ['door', 'ops', 'admin'] },
      schema: {
        tags: ['rooms'],
        summary: 'Set a room’s occupancy to a counted number (more than 10× capacity or 100,000 is refused as a typo)',
        params: idParam,
        body: headcountBody,
        response: { 200: staffRoomSchema, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request) => headcounts.record(actorOf(request), request.params.id, request.body.count),
  );
};

export default routes;
