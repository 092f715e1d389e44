// Announcement routes: staff post and remove them, every device lists the active ones.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE, actorOf } from '../auth.js';
import { idParam } from '../../contract/common.js';
import { announcementSchema, newAnnouncementBody } from '../../contract/announcements.js';

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/announcements',
    {
      config: { roles: ANY_ROLE },
      schema: { tags: ['announcements'], summary: 'The active announcements', response: { 200: z.array(announcementSchema) } },
    },
    async () => app.services.announcements.listActive(),
  );

  app.post(
    '/api/announcements',
    {
      config: { roles: ['ops', 'admin'] },
      schema: {
        tags: ['announcements'],
        summary: 'Post an announcement; an emergency takes over kiosk screens until removed',
        body: newAnnouncementBody,
        response: { 201: announcementSchema },
      },
    },
    async (request, reply) => {
      const { expiresAt, ...rest } = request.body;
      const created = await app.services.announcements.create(actorOf(request), {
        ...rest,
        expiresAt: expiresAt === undefined ? undefined : Date.parse(expiresAt),
      });
      return reply.code(201).send(created);
    },
  );

  app.delete(
    '/api/announcements/:id',
    {
      config: { roles: ['ops', 'admin'] },
      schema: { tags: ['announcements'], summary: 'Remove an announcement', params: idParam },
    },
    async (request, reply) => {
      await app.services.announcements.remove(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};

export default routes;
