// Sessions: the session on the wire, the bodies that create and change it, schedule change events, now/next and the change feed.
import { z } from 'zod';
import { changeKinds, sessionStatuses, updateKinds } from '../core/vocabulary.js';
import { normalizeTimeZone } from '../core/time.js';
import { categorySchema, isoTime, problemSchema, warningSchema } from './common.js';
import { featureSchema } from './rooms.js';

export const accessSchema = z.discriminatedUnion('policy', [
  z.strictObject({ policy: z.literal('open') }),
  z.strictObject({ policy: z.literal('categories'), categories: z.array(categorySchema).min(1) }),
]);

export const sessionStatusSchema = z.enum(sessionStatuses);
export const changeKindSchema = z.enum(changeKinds);
export const updateKindSchema = z.enum(updateKinds);

export const sessionSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    theme: z.number().int().nullable(),
    type: z.string(),
    startsAt: isoTime,
    endsAt: isoTime,
    roomId: z.string(),
    speakers: z.array(z.string()),
    status: sessionStatusSchema,
    delayMinutes: z.number().int(),
    access: accessSchema,
    expectedAttendance: z.number().int(),
    requiredFeatures: z.array(z.string()),
    version: z.number().int(),
    changeNote: z.string().nullable(),
  })
  .meta({ id: 'Session' });
export type SessionWire = z.infer<typeof sessionSchema>;

/** The public fields a change can touch; `before` and `after` of a change hold those that differ. */
export const changeFieldNames = [
  'title',
  'theme',
  'type',
  'startsAt',
  'endsAt',
  'roomId',
  'speakers',
  'status',
  'delayMinutes',
  'access',
  'expectedAttendance',
  'requiredFeatures',
] as const satisfies readonly (keyof SessionWire)[];

export const sessionFieldsSchema = sessionSchema
  .pick({
    title: true,
    theme: true,
    type: true,
    startsAt: true,
    endsAt: true,
    roomId: true,
    speakers: true,
    status: true,
    delayMinutes: true,
    access: true,
    expectedAttendance: true,
    requiredFeatures: true,
  })
  .partial();
export type SessionFields = z.infer<typeof sessionFieldsSchema>;

/** Payload of `session.created` and `session.updated`: what changed, why, and the session as it now is. */
export const sessionEventSchema = z.object({
  kind: updateKindSchema,
  kinds: z.array(changeKindSchema),
  before: sessionFieldsSchema.nullable(),
  after: sessionFieldsSchema.nullable(),
  note: z.string().nullable(),
  session: sessionSchema,
});
export type SessionEvent = z.infer<typeof sessionEventSchema>;

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

// Schedule edits are checked: a room already in use at that time (changeover included) is refused unless forced.
const force = z
  .boolean()
  .default(false)
  .describe('save even when the room is in use at that time (409 room_conflict otherwise); the answer then warns room_conflict');

/** The answer to a create or change: the session as stored and what staff should know about its place. */
export const sessionWriteSchema = sessionSchema
  .extend({
    warnings: z
      .array(warningSchema)
      .describe('over_capacity, missing_feature, room_closed, and room_conflict when forced into a room in use'),
  })
  .meta({ id: 'SessionWrite' });
export type SessionWriteWire = z.infer<typeof sessionWriteSchema>;

/** 409 of a session edit: `version_conflict` with `currentVersion`, or `room_conflict` with `conflictingSessionId`. */
export const sessionConflictSchema = problemSchema.extend({
  currentVersion: z.number().int().optional(),
  conflictingSessionId: z.string().optional(),
  warnings: z.array(warningSchema).optional(),
});

export const sessionsQuery = z.strictObject({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD').optional(),
  roomId: roomId.optional(),
});

export const newSessionBody = z.strictObject({
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
  force,
});

export const sessionPatchBody = z.strictObject({
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
  force,
});
export type SessionPatchBody = z.input<typeof sessionPatchBody>;

/** Per room: the session on now and the next one, as the one on-now rule decides. */
export const nowNextSchema = z
  .object({
    roomId: z.string(),
    current: sessionSchema.nullable(),
    next: sessionSchema.nullable(),
  })
  .meta({ id: 'NowNext' });
export type NowNextWire = z.infer<typeof nowNextSchema>;

/** The same, by session id: what the live snapshot carries so pages never decide "on now" themselves. */
export const nowNextIdsSchema = z.object({
  roomId: z.string(),
  currentId: z.string().nullable(),
  nextId: z.string().nullable(),
});
export type NowNextIds = z.infer<typeof nowNextIdsSchema>;

export const changeEntrySchema = z
  .object({
    seq: z.number().int(),
    at: isoTime,
    sessionId: z.string(),
    kind: changeKindSchema,
    /** Every kind the change made (a move and a new time at once); `kind` is the most important. */
    kinds: z.array(changeKindSchema),
    before: sessionFieldsSchema.nullable(),
    after: sessionFieldsSchema.nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'ScheduleChange' });
export type ChangeEntry = z.infer<typeof changeEntrySchema>;

export const changesQuery = z.strictObject({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(5_000),
});

export const scheduleImportQuery = z.object({
  replace: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: accept a release that shares no session with the current programme (409 different_conference otherwise)'),
  timeZone: z
    .string()
    .max(100)
    .refine((zone) => normalizeTimeZone(zone) !== null, { message: 'not a known IANA time zone' })
    .optional()
    .describe('IANA zone of a file that names none (its local times are read in it); ignored, with a warning, when the file names its own'),
});

export const importResultSchema = z
  .object({
    rooms: z.object({ created: z.number().int(), updated: z.number().int() }),
    sessions: z.object({ created: z.number().int(), updated: z.number().int(), cancelled: z.number().int() }),
    warnings: z.array(z.object({ code: z.string(), detail: z.string() })),
  })
  .meta({ id: 'ScheduleImportResult' });
export type ImportResult = z.infer<typeof importResultSchema>;
