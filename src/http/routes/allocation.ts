// Room allocation routes: staff ask for a plan, re-read it, and apply it in one step.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../auth.js';
import { idParam, problemSchema } from '../../contract/common.js';
import { appliedPlanSchema, planDetailSchema, planRequestBody, planSchema } from '../../contract/allocation.js';

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
        body: planRequestBody,
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
          200: appliedPlanSchema,
          404: problemSchema,
          409: problemSchema,
        },
      },
    },
    async (request) => allocation.apply(actorOf(request), request.params.id),
  );
};

export default routes;
