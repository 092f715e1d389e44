// Room allocation routes: staff ask for a plan, re-read it, and apply it in one step.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_CHANGEOVER_MINUTES } from '../../services/allocation.js';
import { actorOf } from '../auth.js';
import { idParam, isoTime, problemSchema, sessionSchema } from '../schemas.js';

const sessionId = z.string().min(1).max(200);
/** A programme is at most a few thousand sessions. */
const MAX_SESSIONS = 5_000;

export const planSchema = z.object({
  id: z.string(),
  basedOnSeq: z.number().int().describe('The event seq the plan was computed from; applying it after any schedule or room change is refused'),
  assignments: z
    .array(z.object({ sessionId: z.string(), fromRoomId: z.string().nullable(), toRoomId: z.string() }))
    .describe('Every planned session, moved or not; a session stays where fromRoomId equals toRoomId'),
  unplaced: z
    .array(z.object({ sessionId: z.string(), reason: z.string().describe('no_compatible_room or all_compatible_rooms_busy') }))
    .describe('Sessions no open room with their features can hold'),
  objective: z.object({
    unplaced: z.number().int(),
    seatsShort: z.number().int(),
    moves: z.number().int(),
    seatsIdle: z.number().int(),
  }),
  optimal: z.boolean().describe('True when HiGHS proved the plan optimal within its time limit'),
  solveMs: z.number().int(),
});

export const planDetailSchema = planSchema.extend({
  createdAt: isoTime,
  appliedAt: isoTime.nullable(),
  changeoverMinutes: z.number().int(),
  trigger: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('request') }),
    z.object({ kind: z.literal('room_failure'), roomId: z.string() }),
  ]),
});

const routes: FastifyPluginAsyncZod = async (app) => {
  const { allocation } = app.services;
  const staff = { roles: ['ops', 'admin'] as const };

  app.post(
    '/api/allocation/plans',
    {
      config: staff,
      schema: {
        tags: ['allocation'],
        summary: 'Plan rooms for sessionIds, else every session of day, else today’s (cancelled and ended sessions are left out)',
        description:
          'Live sessions, sessions starting within 15 minutes and pinned sessions stay in their room. Sessions not planned still hold their rooms.',
        body: z.strictObject({
          day: z.iso.date().optional().describe('Local date (YYYY-MM-DD) in the event’s zone'),
          sessionIds: z.array(sessionId).min(1).max(MAX_SESSIONS).optional(),
          changeoverMinutes: z.number().int().min(0).max(120).default(DEFAULT_CHANGEOVER_MINUTES),
          pinned: z.array(sessionId).max(MAX_SESSIONS).optional(),
        }),
        response: { 201: planSchema, 400: problemSchema },
      },
    },
    async (request, reply) => {
      const plan = await allocation.createPlan(actorOf(request), request.body);
      return reply.code(201).send(plan);
    },
  );

  app.get(
    '/api/allocation/plans/:id',
    {
      config: staff,
      schema: {
        tags: ['allocation'],
        summary: 'Re-read a plan, with when it was made and applied',
        params: idParam,
        response: { 200: planDetailSchema, 404: problemSchema },
      },
    },
    async (request) => allocation.getPlan(request.params.id),
  );

  app.post(
    '/api/allocation/plans/:id/apply',
    {
      config: staff,
      schema: {
        tags: ['allocation'],
        summary: 'Apply every move of a plan in one step; 409 stale_plan when sessions or rooms changed since basedOnSeq',
        params: idParam,
        response: {
          200: z.object({ planId: z.string(), changes: z.array(sessionSchema).describe('The sessions the plan moved, as they now are') }),
          404: problemSchema,
          409: problemSchema,
        },
      },
    },
    async (request) => allocation.apply(actorOf(request), request.params.id),
  );
};

export default routes;
