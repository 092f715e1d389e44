// Session routes: every device lists the programme; staff create sessions and change them with optimistic concurrency.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { localDayBounds } from '../../domain/schedule.js';
import { toSessionWire } from '../../services/sessions.js';
import { ANY_ROLE, actorOf } from '../auth.js';
import { AppError, notFound } from '../../core/errors.js';
import { idParam } from '../../contract/common.js';
import {
  newSessionBody,
  sessionConflictSchema,
  sessionPatchBody,
  sessionSchema,
  sessionWriteSchema,
  sessionsQuery,
} from '../../contract/sessions.js';

const ms = (iso: string): number => Date.parse(iso);

const routes: FastifyPluginAsyncZod = async (app) => {
  const { sessions, publicSchedule } = app.services;
  const staff = { roles: ['ops', 'admin'] as const };

  app.get(
    '/api/sessions',
    {
      config: { roles: ANY_ROLE },
      schema: {
        tags: ['sessions'],
        summary: 'Every matching session, cancelled ones included; `day` is a local date in the event zone',
        querystring: sessionsQuery,
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
      const list = (await sessions.list({ ...(startsWithin ? { startsWithin } : {}), ...(room === undefined ? {} : { roomId: room }) })).map(toSessionWire);
      // A kiosk is a public surface: closed-door sessions as EVENTDAY_PUBLIC_RESTRICTED says.
      if (request.device?.role !== 'kiosk') return list;
      // Asked by room, a closed-door session listed without its room is not in that room.
      return publicSchedule.sessions(list).filter((s) => room === undefined || s.roomId === room);
    },
  );

  app.get(
    '/api/sessions/:id',
    {
      config: { roles: ANY_ROLE },
      schema: { tags: ['sessions'], summary: 'One session (e.g. to reload it after a version conflict)', params: idParam, response: { 200: sessionSchema } },
    },
    async (request) => {
      const row = await sessions.get(request.params.id);
      if (!row) throw notFound('session');
      if (request.device?.role !== 'kiosk') return toSessionWire(row);
      const [shown] = publicSchedule.sessions([toSessionWire(row)]);
      if (!shown) throw notFound('session');
      return shown;
    },
  );

  app.post(
    '/api/sessions',
    {
      config: staff,
      schema: {
        tags: ['sessions'],
        summary: 'Create a session; a room in use at that time (10-minute changeover) gets 409 room_conflict unless `force`',
        body: newSessionBody,
        response: { 201: sessionWriteSchema, 409: sessionConflictSchema },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const { row, warnings } = await sessions.create(actorOf(request), { ...b, startsAt: ms(b.startsAt), endsAt: ms(b.endsAt) });
      return reply.code(201).send({ ...toSessionWire(row), warnings });
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
          '`version` is the version the editor saw, a stale one gets 409 version_conflict with `currentVersion`; ' +
          'a move or re-time into a room in use (10-minute changeover) gets 409 room_conflict with `conflictingSessionId` unless `force`',
        params: idParam,
        body: sessionPatchBody,
        response: { 200: sessionWriteSchema, 409: sessionConflictSchema },
      },
    },
    async (request) => {
      const { startsAt, endsAt, ...rest } = request.body;
      const { row, warnings } = await sessions.update(actorOf(request), request.params.id, {
        ...rest,
        ...(startsAt === undefined ? {} : { startsAt: ms(startsAt) }),
        ...(endsAt === undefined ? {} : { endsAt: ms(endsAt) }),
      });
      return { ...toSessionWire(row), warnings };
    },
  );
};

export default routes;
