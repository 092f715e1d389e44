// Ops routes: liveness, readiness and Prometheus metrics.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemSchema } from '../../contract/common.js';
import { sendProblem } from '../errors.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      config: { roles: 'public' },
      schema: { tags: ['ops'], summary: 'Liveness: 200 while the process runs', response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { roles: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Readiness: 200 while the database answers, 503 while it does not or while shutting down',
        response: { 200: z.object({ status: z.literal('ready') }), 503: problemSchema },
      },
    },
    async (request, reply) => {
      // Draining (SIGTERM) fails readiness while everything else still serves, so a load balancer
      // stops sending first; jobs stand down only on `closing`, and keep flushing meanwhile.
      if (app.lifecycle.draining || app.lifecycle.closing) {
        return sendProblem(reply, 503, 'shutting_down', 'the service is shutting down');
      }
      // One read of the log's head: a node that cannot reach its database takes no traffic.
      try {
        await app.store.reader.read((store) => store.log.headSeq());
      } catch (err) {
        request.log.warn({ err }, 'readiness: the database does not answer');
        return sendProblem(reply, 503, 'database_unavailable', 'the database does not answer');
      }
      return { status: 'ready' as const };
    },
  );

  app.get(
    '/metrics',
    {
      config: { roles: ['admin', 'ops'] },
      schema: { tags: ['ops'], summary: 'Prometheus metrics (text format)', security: [{ bearer: [] }] },
    },
    async (_request, reply) => {
      const body = await app.metrics.registry.metrics();
      return reply.type(app.metrics.registry.contentType).send(body);
    },
  );
};

export default routes;
