// Room routes: every device lists rooms (kiosks without counts or capacity); staff create rooms and change them.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isStaffRole } from '../../live/visibility.js';
import { toPublicRoom, toStaffRoom } from '../../services/rooms.js';
import { ANY_ROLE, actorOf } from '../auth.js';
import { idParam, publicRoomSchema, roomStatusSchema, staffRoomSchema } from '../schemas.js';

/** Features are matched between rooms and sessions, so they are tokens: lower-case words joined by `_`. */
export const featureSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,49}$/, 'a feature is lower-case letters, digits and _ (e.g. step_free), at most 50 characters');

const roomName = z.string().trim().min(1).max(200);
const capacity = z.number().int().min(0).max(100_000);
const features = z.array(featureSchema).max(50);
const sortOrder = z.number().int().min(-1_000_000).max(1_000_000);

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
      const rows = rooms.list();
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
        body: z.strictObject({
          name: roomName,
          capacity,
          features: features.default([]),
          status: roomStatusSchema.default('open'),
          sortOrder: sortOrder.default(0),
        }),
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
        body: z
          .strictObject({
            name: roomName.optional(),
            capacity: capacity.optional(),
            features: features.optional(),
            status: roomStatusSchema.optional(),
            sortOrder: sortOrder.optional(),
          })
          .refine((b) => Object.keys(b).length > 0, 'give at least one field to change'),
        response: { 200: staffRoomSchema },
      },
    },
    async (request) => toStaffRoom(await rooms.update(actorOf(request), request.params.id, request.body)),
  );
};

export default routes;
