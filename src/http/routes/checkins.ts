// Check-in routes: a badge scan, an offline batch, undo, and arrival statistics.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { actorOf } from '../auth.js';
import { idParam } from '../../contract/common.js';
import {
  batchAnswerSchema,
  batchBody,
  checkinAnswerSchema,
  checkinBody,
  checkinStatsSchema,
  offlineListSchema,
  scanKindSchema,
  type scanBody,
} from '../../contract/checkins.js';
import { AppError } from '../../core/errors.js';
import { FAILED_SCANS_PER_WINDOW, type MalformedScan, type ScanRequest } from '../../services/checkins.js';


/** Batches a device may upload per window (429 rate_limited past it; the scanner sends the batch again). */
const BATCHES_PER_WINDOW = 2;
const BATCH_WINDOW_MS = 1_000;

const toRequest = (body: z.output<typeof scanBody>): ScanRequest => ({
  scanId: body.scanId,
  code: body.code,
  kind: body.kind,
  roomId: body.roomId ?? null,
  scannedAt: body.scannedAt === undefined ? null : Date.parse(body.scannedAt),
  force: body.force,
});

/** A batch item read as a scan, or what can be read of one that is not. */
function batchItem(item: z.output<typeof batchBody>['scans'][number]): ScanRequest | MalformedScan {
  if (!('notAScan' in item)) return toRequest(item);
  const { raw } = item;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const kind = scanKindSchema.safeParse(fields.kind);
  return {
    malformed: true,
    kind: kind.success ? kind.data : 'entry',
    roomId: typeof fields.roomId === 'string' && fields.roomId.length <= 200 ? fields.roomId : null,
  };
}

/** Roles that may check someone in by name (a door scans badges only). */
const MANUAL_ROLES = new Set(['desk', 'admin']);

const routes: FastifyPluginAsyncZod = async (app) => {
  const { checkins, offlineList } = app.services;

  app.post(
    '/api/checkins',
    {
      config: { roles: ['desk', 'door', 'admin'] },
      schema: {
        tags: ['checkins'],
        summary: `Record a badge scan, or (desk, admin) a manual check-in by name with attendeeId and reason instead of code; failed scans (invalid_code, unknown_attendee) past ${FAILED_SCANS_PER_WINDOW} a minute per device get 429`,
        body: checkinBody,
        response: { 200: checkinAnswerSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { body } = request;
      const scannedAt = body.scannedAt === undefined ? null : Date.parse(body.scannedAt);
      if (body.code !== undefined) return checkins.scan(actor, toRequest({ ...body, code: body.code }), app.clock());
      if (!MANUAL_ROLES.has(actor.role)) throw new AppError('forbidden', 403, 'a door checks badges only; check in by name at the desk');
      return checkins.manual(actor, { scanId: body.scanId, attendeeId: body.attendeeId!, reason: body.reason!, scannedAt }, app.clock());
    },
  );

  app.get(
    '/api/checkins/offline-list',
    {
      config: { roles: ['desk', 'door'] },
      schema: {
        tags: ['checkins'],
        summary:
          'What an offline scanner needs: the Ed25519 public keys (SPKI PEM) and every attendee with badge version, status and arrival (never email; a door gets no delegation). Wipe it on 401 or 4403 and at the end of the event day.',
        response: { 200: offlineListSchema },
      },
    },
    async (request, reply) => {
      // Every attendee's name and flags: no shared cache may keep a copy.
      reply.header('cache-control', 'no-store');
      return offlineList.list(actorOf(request).role === 'door' ? 'door' : 'desk');
    },
  );

  app.post(
    '/api/checkins/batch',
    {
      // Uploads per device are bounded (1,000 scans a second at 500 a batch, far above any desk's
      // queue), so a flood of batches cannot hold the event loop in front of everyone else.
      config: { roles: ['desk', 'door', 'admin'], rateLimit: { max: BATCHES_PER_WINDOW, timeWindow: BATCH_WINDOW_MS } },
      schema: {
        tags: ['checkins'],
        summary: `Upload scans made offline; each is decided as of its scannedAt; results in the order sent. Failed items share the device's failed-scan budget (past it: rejected / rate_limited, not recorded); at most ${BATCHES_PER_WINDOW} batches per ${BATCH_WINDOW_MS / 1000} s per device`,
        body: batchBody,
        response: { 200: batchAnswerSchema },
      },
    },
    async (request) => ({ results: await checkins.batch(actorOf(request), request.body.scans.map(batchItem), app.clock()) }),
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
        response: { 200: checkinStatsSchema },
      },
    },
    async () => checkins.stats({ current: true }),
  );
};

export default routes;
