// Check-ins: the scan body, the answer desks and doors act on, batches, stats, and the check-in events per audience.
import { z } from 'zod';
import { attendeeStatuses, checkinMethods, scanKinds, scanReasons, scanResults } from '../core/vocabulary.js';
import { scannedPersonSchema } from './attendees.js';
import { categorySchema, countsSchema, isoTime } from './common.js';

export const BATCH_MAX_SCANS = 500;

export const scanKindSchema = z.enum(scanKinds);
export const scanResultSchema = z.enum(scanResults);
export const scanReasonSchema = z.enum(scanReasons);

export const scanBody = z.strictObject({
  scanId: z.string().min(1).max(200).describe('chosen by the scanner (a UUID); a resent scanId gets the first answer'),
  code: z.string().min(1).max(2048).describe('what the badge QR holds'),
  kind: scanKindSchema.default('entry'),
  roomId: z.string().min(1).max(200).nullable().optional().describe('null or absent: venue registration; a room id: a door scan'),
  scannedAt: isoTime.optional().describe("the scanner's time; defaults to the server's"),
  force: z.boolean().default(false).describe('admit past a full room (recorded as forced)'),
});
export type ScanBody = z.input<typeof scanBody>;

export const MANUAL_REASON_MAX = 200;

/**
 * POST /api/checkins: a badge scan (`code`), or a manual check-in at the desk for someone
 * without a badge (`attendeeId` and `reason` instead of `code`: a venue entry, never a door).
 */
export const checkinBody = scanBody
  .extend({
    code: scanBody.shape.code.optional(),
    attendeeId: z.string().min(1).max(200).optional().describe('manual check-in: the attendee, found by name'),
    reason: z.string().trim().min(1).max(MANUAL_REASON_MAX).optional().describe('manual check-in: why there is no badge (the organiser sees it)'),
  })
  .superRefine((body, ctx) => {
    const manual = body.attendeeId !== undefined || body.reason !== undefined;
    if (!manual) {
      if (body.code === undefined) ctx.addIssue({ code: 'custom', path: ['code'], message: 'a badge code, or attendeeId and reason' });
      return;
    }
    if (body.code !== undefined) ctx.addIssue({ code: 'custom', path: ['code'], message: 'either a code or attendeeId and reason, not both' });
    if (body.attendeeId === undefined) ctx.addIssue({ code: 'custom', path: ['attendeeId'], message: 'required with reason' });
    if (body.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'required with attendeeId' });
    if (body.kind !== 'entry') ctx.addIssue({ code: 'custom', path: ['kind'], message: 'a manual check-in is a venue entry' });
    if (body.roomId != null) ctx.addIssue({ code: 'custom', path: ['roomId'], message: 'a manual check-in is made at the desk, not at a room' });
  });
export type CheckinBody = z.input<typeof checkinBody>;

export const checkinMethodSchema = z.enum(checkinMethods);

/**
 * A batch item that does not read as a scan, kept as it came: the route answers it on its own.
 * No scan parses to an object with `notAScan`, so the two cannot be mistaken for each other.
 */
const notAScan = z.unknown().transform((raw) => ({ notAScan: true as const, raw }));

/**
 * A batch answers per item, always: an item that is not a scan (no code, a wrong type, an unknown
 * field) is not a 400 for the batch but its own answer, rejected / invalid_scan, not recorded.
 * Each item is parsed once, here; the union keeps the scan's shape in the OpenAPI.
 */
export const batchBody = z.strictObject({
  scans: z
    .array(z.union([scanBody, notAScan]))
    .min(1)
    .max(BATCH_MAX_SCANS)
    .describe('scans as for POST /api/checkins (without attendeeId and reason); an item that is not one answers rejected / invalid_scan'),
});

export const checkinRecordSchema = z.object({
  id: z.string().nullable().describe('null for a batch item that was not recorded: unknown_room and rate_limited can be sent again later; invalid_scan never reads as a scan'),
  kind: scanKindSchema,
  roomId: z.string().nullable(),
  at: isoTime,
  forced: z.boolean(),
  leftRoomId: z.string().nullable().describe('the room this scan counted the attendee out of, if any'),
});

export const checkinAnswerSchema = z
  .object({
    result: scanResultSchema,
    reason: scanReasonSchema.nullable(),
    replayed: z.boolean(),
    checkin: checkinRecordSchema,
    attendee: scannedPersonSchema.nullable(),
    firstCheckinAt: isoTime.nullable(),
  })
  .meta({ id: 'CheckinAnswer' });
export type CheckinAnswer = z.infer<typeof checkinAnswerSchema>;
export type CheckinAttendee = NonNullable<CheckinAnswer['attendee']>;

export const batchAnswerSchema = z.object({ results: z.array(checkinAnswerSchema) }).meta({ id: 'CheckinBatchAnswer' });
export type BatchAnswer = z.infer<typeof batchAnswerSchema>;

export const checkinStatsSchema = z
  .object({ total: z.number().int(), byCategory: countsSchema, byHour: countsSchema, byDesk: countsSchema })
  .meta({ id: 'CheckinStats' });
export type CheckinStats = z.infer<typeof checkinStatsSchema>;

/** Payload of `checkin.recorded` as stored (admin): the answer, plus who scanned it and when it arrived. */
export const checkinRecordedSchema = checkinAnswerSchema.omit({ replayed: true }).extend({
  scanId: z.string(),
  deviceId: z.string(),
  receivedAt: isoTime,
  /** Audit: whom a validly signed code named, even when that attendee is unknown here. */
  codeAttendeeId: z.string().nullable(),
  method: checkinMethodSchema,
  /** Why a manual check-in had no badge: the organiser's audit only. */
  manualReason: z.string().nullable(),
});
export type CheckinRecorded = z.infer<typeof checkinRecordedSchema>;

/** What a desk sees of a scan: the answer as the scanning desk got it, and which device made it. */
export const deskCheckinRecordedSchema = checkinAnswerSchema.omit({ replayed: true }).extend({ scanId: z.string(), deviceId: z.string() });

/** What a door sees of a scan at a room: the decision and the person as the door shows them (no delegation, never email). */
export const doorCheckinRecordedSchema = z.object({
  result: scanResultSchema,
  reason: scanReasonSchema.nullable(),
  checkin: checkinRecordSchema,
  attendee: scannedPersonSchema.pick({ id: true, name: true, organization: true, category: true, flags: true }).nullable(),
  scanId: z.string(),
});

/** Payload of `checkin.undone` as stored (admin). */
export const checkinUndoneSchema = z.object({
  id: z.string(),
  scanId: z.string(),
  attendeeId: z.string().nullable(),
  kind: scanKindSchema,
  roomId: z.string().nullable(),
  undoneAt: isoTime,
  undoneBy: z.string(),
});

/** What a door sees of an undone room scan. */
export const doorCheckinUndoneSchema = checkinUndoneSchema.pick({ id: true, scanId: true, kind: true, roomId: true, undoneAt: true });

/** GET /api/checkins/offline-list: what a scanner needs to verify badges while disconnected (never email). */
export const offlineAttendeeSchema = z.object({
  id: z.string(),
  name: z.string(),
  organization: z.string(),
  category: categorySchema,
  delegation: z.string().nullable().optional().describe('desk only: a door gets no delegation'),
  flags: z.array(z.string()),
  badgeVersion: z.number().int().describe('the current badge version: a code of an older version is revoked'),
  status: z.enum(attendeeStatuses),
  checkedInAt: isoTime.nullable(),
});
export type OfflineAttendee = z.infer<typeof offlineAttendeeSchema>;

export const offlineListSchema = z
  .object({
    seq: z.number().int().describe('the event log position this list reflects'),
    generatedAt: isoTime,
    keys: z.array(z.object({ kid: z.string(), publicKey: z.string().describe('Ed25519 public key, SPKI PEM') })),
    attendees: z.array(offlineAttendeeSchema),
  })
  .meta({ id: 'OfflineList' });
export type OfflineList = z.infer<typeof offlineListSchema>;
