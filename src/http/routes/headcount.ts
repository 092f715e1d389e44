// POST /api/rooms/:id/headcount: door staff and ops set a room's occupancy to a counted number.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_HEADCOUNT } from '../../services/headcount.js';
import { actorOf } from '../auth.js';
import { idParam, problemSchema, staffRoomSchema } from '../schemas.js';

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
        body: z.strictObject({ count: z.number().int().min(0).max(MAX_HEADCOUNT) }),
        response: { 200: staffRoomSchema, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request) => headcounts.record(actorOf(request), request.params.id, request.body.count),
  );
};

export default routes;
