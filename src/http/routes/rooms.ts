// Room routes: every device lists rooms (kiosks without counts or capacity); staff create rooms and change them.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isStaffRole } from '../../core/vocabulary.js';
import { toPublicRoom, toStaffRoom } from '../../services/rooms.js';
import { ANY_ROLE, actorOf } from '../auth.js';
import { idParam } from '../../contract/common.js';
import { newRoomBody, publicRoomSchema, roomPatchBody, staffRoomSchema } from '../../contract/rooms.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  const { rooms } = app.services;
  const staff = { roles: ['ops', 'admin'] as const };

  app.get(
    '/api/rooms',
    {
      config: { roles: ANY_ROLE },
      schema: {
        tags: ['rooms'],
        summary: 'List rooms; staff roles see capacity and occupancy, kiosks only the public state',
        // Staff shape first: a kiosk answer is built from the public shape and never matches it.
        response: { 200: z.union([z.array(staffRoomSchema), z.array(publicRoomSchema)]) },
      },
    },
    async (request) => {
      const rows = await rooms.list();
      return isStaffRole(request.device!.role) ? rows.map(toStaffRoom) : rows.map(toPublicRoom);
    },
  );

  app.post(
    '/api/rooms',
    {
      config: staff,
      schema: {
        tags: ['rooms'],
        summary: 'Create a room',
        body: newRoomBody,
        response: { 201: staffRoomSchema },
      },
    },
    async (request, reply) => {
      const row = await rooms.create(actorOf(request), request.body);
      return reply.code(201).send(toStaffRoom(row));
    },
  );

  app.patch(
    '/api/rooms/:id',
    {
      config: staff,
      schema: {
        tags: ['rooms'],
        summary: 'Change a room: name, capacity, features, status (open, closed, out_of_service) or sort order',
        params: idParam,
        body: roomPatchBody,
        response: { 200: staffRoomSchema },
      },
    },
    async (request) => toStaffRoom(await rooms.update(actorOf(request), request.params.id, request.body)),
  );
};

export default routes;
