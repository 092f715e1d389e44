// The data model: every table of eventday in one drizzle schema (times are epoch milliseconds, UTC).
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import {
  attendeeStatuses,
  categories,
  occupancyLevels,
  roles,
  roomStatuses,
  scanKinds,
  checkinMethods,
  scanResults,
  sessionStatuses,
  severities,
  visibilities,
  type AccessPolicy,
} from '../core/vocabulary.js';
import type { SessionSource } from '../interop/schedule-import.js';

/** Single-row table: the event this database runs and the identity of the database itself. */
export const eventSettings = sqliteTable(
  'event_settings',
  {
    id: integer('id').primaryKey(),
    name: text('name').notNull(),
    timeZone: text('time_zone').notNull(),
    /** Local dates (YYYY-MM-DD) of the conference days, JSON array. */
    days: text('days', { mode: 'json' }).$type<string[]>().notNull(),
    /** Changes whenever the database is new or restored, so live clients know their seq is meaningless. */
    epoch: text('epoch').notNull(),
    createdAt: integer('created_at').notNull(),
    /** What the last imported programme said about the conference, exported as it came in. */
    acronym: text('acronym'),
    conferenceUrl: text('conference_url'),
    baseUrl: text('base_url'),
    /** The programme's own zone (its times are exported in it); null: the event's zone. */
    scheduleTimeZone: text('schedule_time_zone'),
    /** Local HH:MM at which one conference day turns into the next; null: midnight. */
    dayChange: text('day_change'),
    /** Room name → the guid the programme gave it. */
    roomGuids: text('room_guids', { mode: 'json' }).$type<Record<string, string>>(),
  },
  (t) => [check('event_settings_single_row', sql`${t.id} = 1`)],
);

export const devices = sqliteTable(
  'devices',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: roles }).notNull(),
    /** sha256 of the token, hex; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('devices_token_hash').on(t.tokenHash)],
);

/**
 * Ed25519 keys that sign badge codes; retired keys still verify until removed. Public keys and
 * ids only: private keys live in the key directory (EVENTDAY_KEY_DIR), never in the database.
 */
export const badgeKeys = sqliteTable('badge_keys', {
  kid: text('kid').primaryKey(),
  /** Legacy: a database from before the key directory held private keys here; moved out and nulled at start. */
  privateKeyPem: text('private_key_pem'),
  publicKeyPem: text('public_key_pem').notNull(),
  createdAt: integer('created_at').notNull(),
  /** Null for the key that signs new badges. */
  retiredAt: integer('retired_at'),
});

export const attendees = sqliteTable(
  'attendees',
  {
    id: text('id').primaryKey(),
    externalId: text('external_id'),
    name: text('name').notNull(),
    organization: text('organization').notNull().default(''),
    category: text('category', { enum: categories }).notNull(),
    delegation: text('delegation'),
    email: text('email'),
    flags: text('flags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    status: text('status', { enum: attendeeStatuses }).notNull().default('registered'),
    /** The current badge version; codes of older versions are revoked. */
    badgeVersion: integer('badge_version').notNull().default(1),
    checkedInAt: integer('checked_in_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('attendees_external_id').on(t.externalId),
    index('attendees_email').on(t.email),
  ],
);

export const badges = sqliteTable(
  'badges',
  {
    attendeeId: text('attendee_id')
      .notNull()
      .references(() => attendees.id),
    version: integer('version').notNull(),
    kid: text('kid').notNull(),
    code: text('code').notNull(),
    issuedAt: integer('issued_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [primaryKey({ columns: [t.attendeeId, t.version] })],
);

export const rooms = sqliteTable(
  'rooms',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    capacity: integer('capacity').notNull(),
    features: text('features', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    status: text('status', { enum: roomStatuses }).notNull().default('open'),
    occupancy: integer('occupancy').notNull().default(0),
    /** Last alert level emitted, kept with hysteresis so a room at the edge does not flap. */
    alertLevel: text('alert_level', { enum: occupancyLevels }).notNull().default('normal'),
    sortOrder: integer('sort_order').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('rooms_name').on(t.name)],
);


export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    /** Identity in an imported programme (event guid, else id), so re-imports update in place. */
    externalKey: text('external_key'),
    title: text('title').notNull(),
    theme: integer('theme'),
    type: text('type').notNull().default('panel'),
    startsAt: integer('starts_at').notNull(),
    endsAt: integer('ends_at').notNull(),
    roomId: text('room_id')
      .notNull()
      .references(() => rooms.id),
    speakers: text('speakers', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    status: text('status', { enum: sessionStatuses }).notNull().default('scheduled'),
    delayMinutes: integer('delay_minutes').notNull().default(0),
    /** The one SQL form of effective start and end (core/time.ts has the same rule for values in memory). */
    effectiveStartsAt: integer('effective_starts_at').generatedAlwaysAs(sql`starts_at + delay_minutes * 60000`, { mode: 'virtual' }),
    effectiveEndsAt: integer('effective_ends_at').generatedAlwaysAs(sql`ends_at + delay_minutes * 60000`, { mode: 'virtual' }),
    access: text('access', { mode: 'json' }).$type<AccessPolicy>().notNull().default(sql`'{"policy":"open"}'`),
    expectedAttendance: integer('expected_attendance').notNull().default(0),
    requiredFeatures: text('required_features', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    description: text('description'),
    language: text('language'),
    version: integer('version').notNull().default(1),
    changeNote: text('change_note'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('sessions_external_key').on(t.externalKey),
    index('sessions_room_start').on(t.roomId, t.startsAt),
    index('sessions_start').on(t.startsAt),
    index('sessions_room_effective_start').on(t.roomId, t.effectiveStartsAt),
  ],
);

/** Per imported session: its guid (unique, the identity every export carries) and what the file said about it (SessionSource JSON). */
export const sessionSources = sqliteTable(
  'session_sources',
  {
    sessionId: text('session_id')
      .primaryKey()
      .references(() => sessions.id),
    guid: text('guid').notNull(),
    source: text('source', { mode: 'json' }).$type<SessionSource>().notNull(),
  },
  (t) => [uniqueIndex('session_sources_guid').on(t.guid)],
);

export const checkins = sqliteTable(
  'checkins',
  {
    id: text('id').primaryKey(),
    /** Chosen by the scanner; the unique index makes a resent scan a replay, never a second record. */
    scanId: text('scan_id').notNull(),
    deviceId: text('device_id')
      .notNull()
      .references(() => devices.id),
    attendeeId: text('attendee_id').references(() => attendees.id),
    badgeVersion: integer('badge_version'),
    kind: text('kind', { enum: scanKinds }).notNull(),
    roomId: text('room_id').references(() => rooms.id),
    /** The scanner's clock. */
    scannedAt: integer('scanned_at').notNull(),
    /** The server's clock when the scan arrived. */
    receivedAt: integer('received_at').notNull(),
    result: text('result', { enum: scanResults }).notNull(),
    reason: text('reason'),
    forced: integer('forced', { mode: 'boolean' }).notNull().default(false),
    /** The room this scan took the attendee out of: an exit, or the exit an entry elsewhere implied. */
    leftRoomId: text('left_room_id'),
    /** The answer first given, returned verbatim to a replay. */
    response: text('response', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    undoneAt: integer('undone_at'),
    undoneBy: text('undone_by'),
    method: text('method', { enum: checkinMethods }).notNull().default('scan'),
    /** Why a manual check-in was made without a badge (shown to the organiser only). */
    manualReason: text('manual_reason'),
  },
  (t) => [
    uniqueIndex('checkins_scan_id').on(t.scanId),
    index('checkins_attendee').on(t.attendeeId, t.scannedAt),
    index('checkins_room').on(t.roomId, t.scannedAt),
  ],
);

/** Where each attendee is currently counted (one room at a time), from door scans. */
export const presence = sqliteTable('presence', {
  attendeeId: text('attendee_id')
    .primaryKey()
    .references(() => attendees.id),
  roomId: text('room_id')
    .notNull()
    .references(() => rooms.id),
  since: integer('since').notNull(),
  checkinId: text('checkin_id').notNull(),
});

export const announcements = sqliteTable(
  'announcements',
  {
    id: text('id').primaryKey(),
    text: text('text').notNull(),
    severity: text('severity', { enum: severities }).notNull(),
    roomIds: text('room_ids', { mode: 'json' }).$type<string[]>(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    removedAt: integer('removed_at'),
    createdBy: text('created_by'),
  },
  (t) => [index('announcements_active').on(t.removedAt, t.expiresAt)],
);

export const allocationPlans = sqliteTable('allocation_plans', {
  id: text('id').primaryKey(),
  basedOnSeq: integer('based_on_seq').notNull(),
  request: text('request', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  result: text('result', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  createdAt: integer('created_at').notNull(),
  createdBy: text('created_by'),
  appliedAt: integer('applied_at'),
});

/**
 * The event log: every change appends here in the transaction that makes it. It feeds live
 * replay and is the audit trail; each row chains the hash of the one before it.
 */
export const events = sqliteTable(
  'events',
  {
    seq: integer('seq').primaryKey(),
    epoch: text('epoch').notNull(),
    at: integer('at').notNull(),
    topic: text('topic').notNull(),
    name: text('name').notNull(),
    visibility: text('visibility', { enum: visibilities }).notNull(),
    actorDeviceId: text('actor_device_id'),
    /** Rooms the event concerns (JSON array), for clients that follow only some rooms. */
    roomIds: text('room_ids', { mode: 'json' }).$type<string[]>(),
    payload: text('payload').notNull(),
    /** sha256 of the payload as first stored, hex: the chain covers it, so a purge can redact the payload. */
    payloadDigest: text('payload_digest'),
    /** sha256(previous row's hash + this row's canonical content, over the payload digest), hex. */
    hash: text('hash').notNull(),
  },
  (t) => [index('events_topic').on(t.topic, t.seq)],
);
