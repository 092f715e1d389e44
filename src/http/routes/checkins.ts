// Check-in routes: a badge scan, an offline batch, undo, and arrival statistics.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth.js';
import { categorySchema, idParam, isoTime } from '../schemas.js';
import { BATCH_MAX_SCANS, FAILED_SCANS_PER_WINDOW, type ScanRequest } from '../../services/checkins.js';

const scanSchema = z.strictObject({
  scanId: z.string().min(1).max(200).describe('chosen by the scanner (a UUID); a resent scanId gets the first answer'),
  code: z.string().min(1).max(2048).describe('what the badge QR holds'),
  kind: z.enum(['entry', 'exit']).default('entry'),
  roomId: z.string().min(1).max(200).nullable().optional().describe('null or absent: venue registration; a room id: a door scan'),
  scannedAt: isoTime.optional().describe("the scanner's time; defaults to the server's"),
  force: z.boolean().default(false).describe('admit past a full room (recorded as forced)'),
});

const reasons = [
  'already_checked_in',
  'invalid_code',
  'unknown_attendee',
  'revoked_badge',
  'registration_cancelled',
  'not_allowed',
  'room_full',
  'room_closed',
] as const;

export const checkinAnswerSchema = z.object({
  result: z.enum(['ok', 'warning', 'rejected']),
  reason: z.enum(reasons).nullable(),
  replayed: z.boolean(),
  checkin: z.object({
    id: z.string(),
    kind: z.enum(['entry', 'exit']),
    roomId: z.string().nullable(),
    at: isoTime,
    forced: z.boolean(),
    leftRoomId: z.string().nullable().describe('the room this scan counted the attendee out of, if any'),
  }),
  attendee: z
    .object({
      id: z.string(),
      name: z.string(),
      organization: z.string(),
      category: categorySchema,
      delegation: z.string().nullable(),
      flags: z.array(z.string()),
    })
    .nullable(),
  firstCheckinAt: isoTime.nullable(),
});

const countsSchema = z.record(z.string(), z.number().int());

type ScanBody = z.infer<typeof scanSchema>;

const toRequest = (body: ScanBody): ScanRequest => ({
  scanId: body.scanId,
  code: body.code,
  kind: body.kind,
  roomId: body.roomId ?? null,
  scannedAt: body.scannedAt === undefined ? null : Date.parse(body.scannedAt),
  force: body.force,
});

const routes: FastifyPluginAsyncZod = async (app) => {
  const { checkins } = app.services;

  app.post(
    '/api/checkins',
    {
      config: { roles: ['desk', 'door', 'admin'] },
      schema: {
        tags: ['checkins'],
        summary: `Record a badge scan; failed scans (invalid_code, unknown_attendee) past ${FAILED_SCANS_PER_WINDOW} a minute per device get 429`,
        body: scanSchema,
        response: { 200: checkinAnswerSchema },
      },
    },
    async (request) => checkins.scan(actorOf(request), toRequest(request.body), app.clock()),
  );

  app.post(
    '/api/checkins/batch',
    {
      config: { roles: ['desk', 'door', 'admin'] },
      schema: {
        tags: ['checkins'],
        summary: 'Upload scans made offline; each is decided as of its scannedAt; results in the order sent; never rate limited',
        body: z.strictObject({ scans: z.array(scanSchema).min(1).max(BATCH_MAX_SCANS) }),
        response: { 200: z.object({ results: z.array(checkinAnswerSchema) }) },
      },
    },
    async (request) => ({ results: await checkins.batch(actorOf(request), request.body.scans.map(toRequest), app.clock()) }),
  );

  app.delete(
    '/api/checkins/:id',
    {
      config: { roles: ['desk', 'admin'] },
      schema: { tags: ['checkins'], summary: 'Undo a mistaken scan: arrivals, presence and occupancy follow', params: idParam },
    },
    async (request, reply) => {
      await checkins.undo(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/checkins/stats',
    {
      config: { roles: ['ops', 'desk', 'admin'] },
      schema: {
        tags: ['checkins'],
        summary: "Venue arrivals: total, by category, by local hour of the event's zone (YYYY-MM-DDTHH:00), by desk name",
        response: { 200: z.object({ total: z.number().int(), byCategory: countsSchema, byHour: countsSchema, byDesk: countsSchema }) },
      },
    },
    async () => checkins.stats({ current: true }),
  );
};

export default routes;
