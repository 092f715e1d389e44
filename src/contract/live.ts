// The live protocol of GET /api/live: the query, welcome, snapshot per audience, event envelopes and the subscribe message.
import { z } from 'zod';
import { roleSchema, isoTime } from './common.js';
import { announcementSchema } from './announcements.js';
import { checkinStatsSchema } from './checkins.js';
import type { AudiencePayload, EventName, EventNameFor, eventCatalogue } from './events.js';
import { alertSchema, publicRoomSchema, staffRoomSchema } from './rooms.js';
import { nowNextIdsSchema, sessionSchema } from './sessions.js';
import type { Audience } from '../core/vocabulary.js';

export const liveQuery = z.strictObject({
  since: z.coerce.number().int().min(0).optional(),
  epoch: z.string().max(100).optional(),
  topics: z.string().max(1000).optional(),
  roomIds: z.string().max(10_000).optional(),
});

export const welcomeSchema = z.object({
  type: z.literal('welcome'),
  role: roleSchema,
  seq: z.number().int(),
  epoch: z.string(),
  /** The server's clock when it welcomed the socket: a screen shows the event's time, not its own. */
  at: isoTime,
});
export type Welcome = z.infer<typeof welcomeSchema>;

/** The event being run, for every page's header and clock: no page downloads the schedule to learn its zone. */
export const eventInfoSchema = z.object({
  title: z.string(),
  timeZone: z.string().describe('IANA zone of the venue'),
  days: z.array(z.string()).describe('conference days as local dates (YYYY-MM-DD)'),
});
export type EventInfo = z.infer<typeof eventInfoSchema>;

export const publicSnapshotDataSchema = z.object({
  event: eventInfoSchema,
  rooms: z.array(publicRoomSchema),
  sessions: z.array(sessionSchema),
  announcements: z.array(announcementSchema),
  /** Per room, the session on now and the next, as the server's one on-now rule decides at `seq`. */
  nowNext: z.array(nowNextIdsSchema),
});
export type PublicSnapshotData = z.infer<typeof publicSnapshotDataSchema>;

/** Staff roles also get occupancy, arrival figures and the rooms alerting now. */
export const staffSnapshotDataSchema = publicSnapshotDataSchema.extend({
  rooms: z.array(staffRoomSchema),
  checkinStats: checkinStatsSchema,
  alerts: z.array(alertSchema),
});
export type StaffSnapshotData = z.infer<typeof staffSnapshotDataSchema>;

export type SnapshotData = PublicSnapshotData | StaffSnapshotData;

export const snapshotSchema = z.object({
  type: z.literal('snapshot'),
  seq: z.number().int(),
  data: z.union([staffSnapshotDataSchema, publicSnapshotDataSchema]),
});
export type Snapshot<D extends SnapshotData = SnapshotData> = { type: 'snapshot'; seq: number; data: D };

/** A client narrows what it receives; an absent list keeps the current one, an empty list means all. */
export const subscribeSchema = z.object({
  type: z.literal('subscribe'),
  topics: z.array(z.string().max(100)).max(50).optional(),
  roomIds: z.array(z.string().max(200)).max(1000).optional(),
});
export type Subscribe = z.infer<typeof subscribeSchema>;

/** An event as one audience receives it. */
export type LiveEvent<A extends Audience, N extends EventNameFor<A> = EventNameFor<A>> = N extends EventName
  ? { type: 'event'; seq: number; at: string; topic: (typeof eventCatalogue)[N]['topic']; name: N; data: AudiencePayload<N, A> }
  : never;

export const eventEnvelopeSchema = z.object({
  type: z.literal('event'),
  seq: z.number().int(),
  at: isoTime,
  topic: z.string(),
  name: z.string(),
  data: z.unknown(),
});

export type ServerMessage<A extends Audience> = Welcome | Snapshot | LiveEvent<A>;
