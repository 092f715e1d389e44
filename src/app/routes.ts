// The API's route plugins, one per resource, each encapsulated; registered after security, docs and rate limits.
import fp from 'fastify-plugin';
import { routePlugins } from '../http/routes/index.js';

export default fp(
  async (app) => {
    for (const plugin of routePlugins) await app.register(plugin);
  },
  { name: 'eventday-routes', dependencies: ['eventday-security', 'eventday-docs', 'eventday-rate-limit'] },
);
