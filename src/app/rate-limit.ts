// Rate limits, per device (or per address before authentication), opted into route by route.
import fastifyRateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { AppError } from '../core/errors.js';
import { pgRateLimitStore } from '../store/pg/rate-windows.js';

export default fp(
  async (app) => {
    await app.register(fastifyRateLimit, {
      global: false,
      // Several nodes count a device's requests together in the shared database; one node counts in memory.
      ...(app.store.kind === 'postgres' ? { store: pgRateLimitStore(app.store.pg.pool, Date.now) } : {}),
      keyGenerator: (request) => request.device?.id ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new AppError('rate_limited', 429, `too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`),
    });
  },
  { name: 'eventday-rate-limit', dependencies: ['eventday-store'] },
);
