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
          'Live sessions, sessions starting within 15 minutes and pinned sessions stay in their room. Sessions not planned still hold their rooms. ' +
          'One solve at a time per device and a few over all: 429 solver_busy otherwise. A request whose client hangs up is no longer solved.',
        body: planRequestBody,
        response: { 201: planSchema, 400: problemSchema, 429: problemSchema },
      },
    },
    async (request, reply) => {
      // The socket closing before the answer means nobody waits for the plan: drop or abandon its solve.
      const hangUp = new AbortController();
      const socket = request.raw.socket as typeof request.raw.socket | undefined;
      const onClose = (): void => {
        if (!reply.sent) hangUp.abort();
      };
      if (socket?.destroyed === true) hangUp.abort();
      socket?.once('close', onClose);
      try {
        const plan = await allocation.createPlan(actorOf(request), request.body, hangUp.signal);
        return reply.code(201).send(plan);
      } finally {
        socket?.off('close', onClose);
      }
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
