// Attendee routes: name search for desks and doors, walk-in registration, edit and cancel, CSV import.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth.js';
import { AppError, notFound } from '../errors.js';
import { categorySchema, idParam, isoTime } from '../schemas.js';
import { SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT, SEARCH_MIN_CHARS, toAttendeeWire } from '../../services/attendees.js';

/** A 100,000-row export is about 15 MB; the global 1 MiB limit is for JSON. */
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;
const SEARCHES_PER_MINUTE = 60;

const statusSchema = z.enum(['registered', 'cancelled']);

export const attendeeSchema = z.object({
  id: z.string(),
  externalId: z.string().nullable(),
  name: z.string(),
  organization: z.string(),
  category: categorySchema,
  delegation: z.string().nullable().describe('ISO 3166-1 alpha-2'),
  email: z.string().nullable(),
  flags: z.array(z.string()),
  status: statusSchema,
  checkedInAt: isoTime.nullable().describe('first venue check-in'),
});

const hitSchema = attendeeSchema.pick({ id: true, name: true, organization: true, category: true, delegation: true, status: true, checkedInAt: true });

const delegationInput = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166-1 code such as NL')
  .transform((s) => s.toUpperCase());

const attendeeFields = {
  name: z.string().trim().min(1).max(200),
  organization: z.string().trim().max(200),
  category: categorySchema,
  delegation: delegationInput.nullable().optional(),
  email: z.email().max(254).nullable().optional(),
  flags: z.array(z.string().trim().min(1).max(50)).max(20).optional().describe('e.g. vip, accessibility, interpreter_needed'),
};

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
        querystring: z.strictObject({
          q: z
            .string()
            .trim()
            .max(200)
            .refine((q) => [...q].length >= SEARCH_MIN_CHARS, `at least ${SEARCH_MIN_CHARS} characters`),
          limit: z.coerce.number().int().min(1).max(SEARCH_MAX_LIMIT).default(SEARCH_DEFAULT_LIMIT),
        }),
        response: { 200: z.array(hitSchema) },
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
      const row = attendees.get(request.params.id);
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
        body: z.strictObject(attendeeFields),
        response: { 201: z.object({ attendee: attendeeSchema, badge: z.object({ code: z.string() }) }) },
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
        body: z
          .strictObject({ ...attendeeFields, name: attendeeFields.name.optional(), organization: attendeeFields.organization.optional(), category: categorySchema.optional(), status: statusSchema.optional() })
          .refine((body) => Object.keys(body).length > 0, 'name at least one field to change'),
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
        consumes: ['text/csv'],
        response: {
          200: z.object({
            created: z.number().int(),
            updated: z.number().int(),
            errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
          }),
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
