// OpenAPI from the routes' zod schemas (finished centrally: operationIds, problem+json errors, content types), the AsyncAPI of /api/live, and the Swagger UI under /docs.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ASYNCAPI_PATH, buildAsyncApi } from '../http/asyncapi.js';
import { finishOpenApi, routeFacts, type RouteFacts } from '../http/openapi.js';

const VERSION = '0.1.0';

export default fp(
  async (app) => {
    // Registered before any route plugin, so every route's roles, inputs and limits are known to the document.
    const facts = new Map<string, RouteFacts>();
    app.addHook('onRoute', (route) => {
      for (const f of routeFacts(route)) facts.set(`${f.method} ${f.url}`, f);
    });

    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'eventday',
          description:
            'Event-day operations API. Errors are application/problem+json with a stable `code`. See README.md and API.md. ' +
            `The live updates of \`GET /api/live\` (a WebSocket) are described in the [AsyncAPI document](${ASYNCAPI_PATH}).`,
          version: VERSION,
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
      transform: jsonSchemaTransform,
      // Schemas the contract names (`.meta({ id })`) become components that the operations reference.
      transformObject: (input) => finishOpenApi(jsonSchemaTransformObject(input), facts, { asyncApiUrl: ASYNCAPI_PATH, publicFeeds: app.appConfig.publicSchedule }),
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

    // The contract does not change while the process runs: the document is built once, on first request.
    let asyncApi: string | null = null;
    app.get(
      ASYNCAPI_PATH,
      {
        config: { roles: 'public' },
        schema: { tags: ['docs'], summary: 'The AsyncAPI 3 document of the live protocol (GET /api/live), generated from the contract' },
      },
      async (_request, reply) => {
        asyncApi ??= JSON.stringify(buildAsyncApi({ version: VERSION, openApiUrl: '/docs/json' }));
        return reply.type('application/json; charset=utf-8').send(asyncApi);
      },
    );
  },
  { name: 'eventday-docs', dependencies: ['eventday-security'] },
);
