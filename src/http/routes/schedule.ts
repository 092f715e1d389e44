// Live schedule routes: the feeds (now/next per room, the change feed, schedule.json, schedule.xml and iCalendar), public per EVENTDAY_PUBLIC_SCHEDULE, and the programme import.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toICalendar } from '../../interop/ical.js';
import { toScheduleJson } from '../../interop/schedule-export.js';
import { toScheduleXml } from '../../interop/schedule-xml.js';
import { changeEntrySchema, changesQuery, importResultSchema, nowNextSchema, scheduleImportQuery } from '../../contract/sessions.js';
import { ANY_ROLE, actorOf } from '../auth.js';
import { serveFeed } from '../public-feed.js';
import { AppError } from '../../core/errors.js';
import { problemSchema } from '../../contract/common.js';

/** Programme files are larger than API bodies: a 1,000-event schedule.json is about 1 MB. */
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;
const IMPORT_TYPES = ['application/json', 'application/xml', 'text/xml'];
const JSON_TYPE = 'application/json; charset=utf-8';

const routes: FastifyPluginAsyncZod = async (app) => {
  const { schedule, publicSchedule } = app.services;

  // The feeds: anonymous with EVENTDAY_PUBLIC_SCHEDULE on, each built for its view by `config.publicFeed` and answered by serveFeed.
  app.get(
    '/api/schedule/now',
    {
      config: {
        roles: ANY_ROLE,
        publicFeed: {
          build: async (request, view) => {
            const { roomId } = request.query as { roomId?: string };
            const { rows, validUntil } = await publicSchedule.nowNext(view, roomId);
            return { type: JSON_TYPE, body: JSON.stringify(rows), validUntil };
          },
        },
      },
      schema: {
        tags: ['schedule'],
        summary: "Per room, the session on now and the next one (delays applied, cancelled skipped), as of the server's clock",
        querystring: z.strictObject({ roomId: z.string().min(1).max(200).optional() }),
        response: { 200: z.array(nowNextSchema) },
      },
    },
    serveFeed,
  );

  app.get(
    '/api/schedule/changes',
    {
      config: {
        roles: ANY_ROLE,
        publicFeed: {
          build: async (request, view) => {
            const { since, limit } = request.query as z.infer<typeof changesQuery>;
            return { type: JSON_TYPE, body: JSON.stringify(await publicSchedule.changes(view, since, limit)) };
          },
        },
      },
      schema: {
        tags: ['schedule'],
        summary: 'The public schedule changes after event seq `since`, oldest first; page with the last seq seen',
        querystring: changesQuery,
        response: { 200: z.array(changeEntrySchema) },
      },
    },
    serveFeed,
  );

  app.get(
    '/api/schedule.json',
    {
      config: {
        roles: ANY_ROLE,
        publicFeed: {
          build: async (_request, view) => ({
            type: JSON_TYPE,
            body: JSON.stringify(toScheduleJson(await publicSchedule.exportInput(view), { now: new Date(app.clock()) })),
          }),
        },
      },
      schema: {
        tags: ['schedule'],
        summary: 'The live schedule as frab/pretalx schedule.json v1 (c3voc schema): delays applied, cancelled sessions titled "CANCELLED: "',
        // No parameters: unknown ones are dropped, so they neither fail a calendar app nor make a new cache entry.
        querystring: z.object({}),
        response: { 200: z.string().describe('schedule.json document') },
      },
    },
    serveFeed,
  );

  app.get(
    '/api/schedule.xml',
    {
      config: {
        roles: ANY_ROLE,
        publicFeed: {
          build: async (_request, view) => ({
            type: 'application/xml; charset=utf-8',
            body: toScheduleXml(await publicSchedule.exportInput(view), { now: new Date(app.clock()) }),
          }),
        },
      },
      schema: {
        tags: ['schedule'],
        summary: 'The live schedule as frab/pentabarf schedule.xml (valid against the c3voc XSD): conference days, guids and metadata as imported',
        // No parameters: unknown ones are dropped, so they neither fail a calendar app nor make a new cache entry.
        querystring: z.object({}),
        response: { 200: z.string().describe('schedule.xml document') },
      },
    },
    serveFeed,
  );

  app.get(
    '/api/schedule.ics',
    {
      config: {
        roles: ANY_ROLE,
        publicFeed: {
          build: async (_request, view) => ({
            type: 'text/calendar; charset=utf-8',
            body: toICalendar(await publicSchedule.exportInput(view), { now: new Date(app.clock()) }),
            headers: { 'content-disposition': 'inline; filename="schedule.ics"' },
          }),
        },
      },
      schema: {
        tags: ['schedule'],
        summary: 'The live schedule as iCalendar: one VEVENT per session, UID stable, SEQUENCE the version, cancelled ones STATUS:CANCELLED',
        // No parameters: unknown ones are dropped, so they neither fail a calendar app nor make a new cache entry.
        querystring: z.object({}),
        response: { 200: z.string().describe('text/calendar') },
      },
    },
    serveFeed,
  );

  // The import reads the file as sent (JSON or XML), so it gets its own parsers in a scope of its own.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(IMPORT_TYPES, { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));
    scope.post(
      '/api/schedule/import',
      {
        config: { roles: ['admin'] },
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags: ['schedule'],
          summary:
            'Import a programme: frab/pretalx schedule.json (v1, v2) or frab/pentabarf/wafer XML. Rooms match by name, sessions by guid (else id); ' +
            'the same file twice changes nothing; a newer release updates in place and emits its differences as schedule changes',
          description:
            'The file is validated whole first (a refused file writes nothing), then applied in short parts with `import.progress` events. ' +
            'If it stops half-way (500 import_incomplete), sending the same file again completes it.',
          consumes: IMPORT_TYPES,
          querystring: scheduleImportQuery,
          // The file is read as sent, not validated as JSON: the importer judges it and answers 400 invalid_schedule.
          body: z.unknown().describe('the programme file: schedule.json, or frab / pentabarf / wafer schedule XML'),
          response: { 200: importResultSchema, 400: problemSchema, 409: problemSchema },
        },
      },
      async (request) => {
        if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
          throw new AppError('invalid_schedule', 400, 'the request body is empty: send the schedule.json or XML file as the body');
        }
        const query = request.query as z.infer<typeof scheduleImportQuery>;
        return schedule.importFile(actorOf(request), request.body, request.headers['content-type'], {
          replace: query.replace === 'true',
          ...(query.timeZone === undefined ? {} : { timeZone: query.timeZone }),
        });
      },
    );
  });
};

export default routes;
