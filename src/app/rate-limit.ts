// Rate limits, per device (or per address before authentication), opted into route by route.
import fastifyRateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { AppError } from '../core/errors.js';

export default fp(
  async (app) => {
    await app.register(fastifyRateLimit, {
      global: false,
      keyGenerator: (request) => request.device?.id ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new AppError('rate_limited', 429, `too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`),
    });
  },
  { name: 'eventday-rate-limit' },
);
