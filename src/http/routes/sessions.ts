// Session routes: every device lists the programme; staff create sessions and change them with optimistic concurrency.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { localDayBounds } from '../../domain/schedule.js';
import { toSessionWire } from '../../services/sessions.js';
import { ANY_ROLE, actorOf } from '../auth.js';
import { AppError, notFound } from '../errors.js';
import { accessSchema, idParam, isoTime, problemSchema, sessionSchema } from '../schemas.js';
import { featureSchema } from './rooms.js';

const title = z.string().trim().min(1).max(300);
const theme = z.number().int().min(1).max(3).nullable().describe('programme theme 1–3, or null');
const type = z.string().trim().min(1).max(50).describe('plenary, panel, workshop, closed, break, …');
const roomId = z.string().min(1).max(200);
const speakers = z.array(z.string().trim().min(1).max(200)).max(100);
const delayMinutes = z.number().int().min(0).max(600);
const expectedAttendance = z.number().int().min(0).max(100_000);
const requiredFeatures = z.array(featureSchema).max(50);
// An empty note is no note.
const changeNote = z
  .string()
  .trim()
  .max(500)
  .nullable()
  .transform((v) => (v === '' ? null : v))
  .describe('a public reason for this change, shown on kiosks');

const ms = (iso: string): number => Date.parse(iso);

const routes: FastifyPluginAsyncZod = async (app) => {
  const { sessions } = app.services;
  const staff = { roles: ['ops', 'admin'] as const };

  app.get(
    '/api/sessions',
    {
      config: { roles: ANY_ROLE },
      schema: {
        tags: ['sessions'],
        summary: 'Every matching session, cancelled ones included; `day` is a local date in the event zone',
        querystring: z.strictObject({
          day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD').optional(),
          roomId: roomId.optional(),
        }),
        response: { 200: z.array(sessionSchema) },
      },
    },
    async (request) => {
      const { day, roomId: room } = request.query;
      let startsWithin: { start: number; end: number } | undefined;
      if (day !== undefined) {
        const bounds = localDayBounds(day, app.settings.timeZone);
        if (bounds === null) {
          throw new AppError('validation_failed', 400, `querystring.day: ${day} is not a date`, {
            errors: [{ field: 'querystring.day', message: 'not a calendar date' }],
          });
        }
        startsWithin = bounds;
      }
      return sessions
        .list({ ...(startsWithin ? { startsWithin } : {}), ...(room === undefined ? {} : { roomId: room }) })
        .map(toSessionWire);
    },
  );

  app.get(
    '/api/sessions/:id',
    {
      config: { roles: ANY_ROLE },
      schema: { tags: ['sessions'], summary: 'One session (e.g. to reload it after a version conflict)', params: idParam, response: { 200: sessionSchema } },
    },
    async (request) => {
      const row = sessions.get(request.params.id);
      if (!row) throw notFound('session');
      return toSessionWire(row);
    },
  );

  app.post(
    '/api/sessions',
    {
      config: staff,
      schema: {
        tags: ['sessions'],
        summary: 'Create a session',
        body: z.strictObject({
          title,
          theme: theme.default(null),
          type: type.default('panel'),
          startsAt: isoTime,
          endsAt: isoTime,
          roomId,
          speakers: speakers.default([]),
          delayMinutes: delayMinutes.default(0),
          access: accessSchema.default({ policy: 'open' }),
          expectedAttendance: expectedAttendance.default(0),
          requiredFeatures: requiredFeatures.default([]),
          changeNote: changeNote.default(null),
        }),
        response: { 201: sessionSchema },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const row = await sessions.create(actorOf(request), { ...b, startsAt: ms(b.startsAt), endsAt: ms(b.endsAt) });
      return reply.code(201).send(toSessionWire(row));
    },
  );

  app.patch(
    '/api/sessions/:id',
    {
      config: staff,
      schema: {
        tags: ['sessions'],
        summary:
          'Change a session (move, re-time, delay, cancel with status "cancelled", restore with status "scheduled"); ' +
          '`version` is the version the editor saw, a stale one gets 409 version_conflict with `currentVersion`',
        params: idParam,
        body: z.strictObject({
          version: z.number().int().min(1),
          title: title.optional(),
          theme: theme.optional(),
          type: type.optional(),
          startsAt: isoTime.optional(),
          endsAt: isoTime.optional(),
          roomId: roomId.optional(),
          speakers: speakers.optional(),
          status: z.enum(['scheduled', 'cancelled']).optional().describe('live and ended follow the clock'),
          delayMinutes: delayMinutes.optional(),
          access: accessSchema.optional(),
          expectedAttendance: expectedAttendance.optional(),
          requiredFeatures: requiredFeatures.optional(),
          changeNote: changeNote.optional(),
        }),
        response: { 200: sessionSchema, 409: problemSchema.extend({ currentVersion: z.number().int() }) },
      },
    },
    async (request) => {
      const { startsAt, endsAt, ...rest } = request.body;
      const row = await sessions.update(actorOf(request), request.params.id, {
        ...rest,
        ...(startsAt === undefined ? {} : { startsAt: ms(startsAt) }),
        ...(endsAt === undefined ? {} : { endsAt: ms(endsAt) }),
      });
      return toSessionWire(row);
    },
  );
};

export default routes;
