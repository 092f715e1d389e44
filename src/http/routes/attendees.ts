// Attendee routes: name search for desks and doors, walk-in registration, edit and cancel, CSV import.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth.js';
import { AppError, notFound } from '../../core/errors.js';
import { idParam } from '../../contract/common.js';
import {
  attendeeHitSchema,
  attendeeImportResultSchema,
  attendeePatchBody,
  attendeeSchema,
  searchQuery,
  walkInAnswerSchema,
  walkInBody,
} from '../../contract/attendees.js';
import { toAttendeeWire } from '../../services/attendees.js';

/** A 100,000-row export is about 15 MB; the global 1 MiB limit is for JSON. */
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;
/** API.md: about 60 a minute per device; the desk page debounces type-ahead to stay well under it. */
const SEARCHES_PER_MINUTE = 60;

const routes: FastifyPluginAsyncZod = async (app) => {
  const { attendees } = app.services;

  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.get(
    '/api/attendees',
    {
      config: { roles: ['desk', 'door', 'admin'], rateLimit: { max: SEARCHES_PER_MINUTE, timeWindow: 60_000 } },
      schema: {
        tags: ['attendees'],
        summary: `Prefix search on name, organization and email, diacritics-insensitive, any script; about ${SEARCHES_PER_MINUTE} a minute per device`,
        querystring: searchQuery,
        response: { 200: z.array(attendeeHitSchema) },
      },
    },
    async (request) => attendees.search(request.query.q, request.query.limit),
  );

  app.get(
    '/api/attendees/:id',
    {
      config: { roles: ['desk', 'admin'] },
      schema: { tags: ['attendees'], summary: 'One attendee', params: idParam, response: { 200: attendeeSchema } },
    },
    async (request) => {
      const row = await attendees.get(request.params.id);
      if (!row) throw notFound('attendee');
      return toAttendeeWire(row);
    },
  );

  app.post(
    '/api/attendees',
    {
      config: { roles: ['desk', 'admin'] },
      schema: {
        tags: ['attendees'],
        summary: 'Walk-in registration: the attendee and the code of their first badge',
        body: walkInBody,
        response: { 201: walkInAnswerSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await attendees.create(actorOf(request), request.body)),
  );

  app.patch(
    '/api/attendees/:id',
    {
      config: { roles: ['desk', 'admin'] },
      schema: {
        tags: ['attendees'],
        summary: 'Change fields, or cancel ({ "status": "cancelled" }) and restore ({ "status": "registered" })',
        params: idParam,
        body: attendeePatchBody,
        response: { 200: attendeeSchema },
      },
    },
    async (request) => attendees.update(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/attendees/import',
    {
      config: { roles: ['admin'] },
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags: ['attendees'],
        summary: 'Import text/csv (header name,organization,category,delegation,email,flags,externalId); idempotent by externalId, else email',
        description:
          'The file is validated whole first (a refused file writes nothing), then applied in short parts with `import.progress` events; ' +
          '`errors` lists the first 100 line errors and `errorCount` counts them all. If it stops half-way (500 import_incomplete), ' +
          'sending the same file again completes it.',
        consumes: ['text/csv'],
        response: {
          200: attendeeImportResultSchema,
        },
      },
    },
    async (request) => {
      // An empty text/csv body is not parsed at all; the importer explains an empty file itself.
      const body = request.body ?? Buffer.alloc(0);
      if (!Buffer.isBuffer(body)) throw new AppError('unsupported_media_type', 415, 'send the file as text/csv');
      return attendees.import(actorOf(request), body);
    },
  );
};

export default routes;
