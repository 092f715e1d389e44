// The PostgreSQL data model: the tables of src/db/schema.ts column for column, plus the log head and the search terms that SQLite does without.
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import {
  attendeeStatuses,
  categories,
  checkinMethods,
  occupancyLevels,
  roles,
  roomStatuses,
  scanKinds,
  scanResults,
  sessionStatuses,
  severities,
  visibilities,
  type AccessPolicy,
} from '../../core/vocabulary.js';
import type { SessionSource } from '../../interop/schedule-import.js';

// Tables are unqualified: a store's schema is its connections' search_path (open.ts), so every
// test and every deployment can have its own. Epoch milliseconds and seqs are bigint (they
// outgrow int4), read as numbers (they stay below 2^53). Booleans stay 0/1 integers as SQLite
// stores them, so the SQL the two stores share compares the same values.

/**
 * JSON kept as text, as SQLite keeps it: the bytes stored are the bytes written (jsonb would
 * reorder keys and drop duplicates), and drizzle reads the same types from both stores.
 */
const jsonText = <T>(name: string) =>
  customType<{ data: T; driverData: string }>({
    dataType: () => 'text',
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (value) => JSON.parse(value) as T,
  })(name);

const millis = (name: string) => bigint(name, { mode: 'number' });

/** Single-row table: the event this database runs and the identity of the database itself. */
export const eventSettings = pgTable(
  'event_settings',
  {
    id: integer('id').primaryKey(),
    name: text('name').notNull(),
    timeZone: text('time_zone').notNull(),
    /** Local dates (YYYY-MM-DD) of the conference days, JSON array. */
    days: jsonText<string[]>('days').notNull(),
    /** Changes whenever the database is new or restored, so live clients know their seq is meaningless. */
    epoch: text('epoch').notNull(),
    createdAt: millis('created_at').notNull(),
    acronym: text('acronym'),
    conferenceUrl: text('conference_url'),
    baseUrl: text('base_url'),
    scheduleTimeZone: text('schedule_time_zone'),
    dayChange: text('day_change'),
    roomGuids: jsonText<Record<string, string>>('room_guids'),
  },
  (t) => [check('event_settings_single_row', sql`${t.id} = 1`)],
);

export const devices = pgTable(
  'devices',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: roles }).notNull(),
    /** sha256 of the token, hex; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    createdAt: millis('created_at').notNull(),
    revokedAt: millis('revoked_at'),
  },
  (t) => [uniqueIndex('devices_token_hash').on(t.tokenHash)],
);

/** Public keys and ids of the badge signing keys; private keys live in the key directory, never here. */
export const badgeKeys = pgTable('badge_keys', {
  kid: text('kid').primaryKey(),
  /** SQLite keeps it for databases from before the key directory; a PostgreSQL store never had one, so it stays null. */
  privateKeyPem: text('private_key_pem'),
  publicKeyPem: text('public_key_pem').notNull(),
  createdAt: millis('created_at').notNull(),
  retiredAt: millis('retired_at'),
});

export const attendees = pgTable(
  'attendees',
  {
    id: text('id').primaryKey(),
    externalId: text('external_id'),
    name: text('name').notNull(),
    organization: text('organization').notNull().default(''),
    category: text('category', { enum: categories }).notNull(),
    delegation: text('delegation'),
    email: text('email'),
    flags: jsonText<string[]>('flags').notNull().default(sql`'[]'`),
    status: text('status', { enum: attendeeStatuses }).notNull().default('registered'),
    badgeVersion: integer('badge_version').notNull().default(1),
    checkedInAt: millis('checked_in_at'),
    createdAt: millis('created_at').notNull(),
    updatedAt: millis('updated_at').notNull(),
  },
  (t) => [uniqueIndex('attendees_external_id').on(t.externalId), index('attendees_email').on(t.email)],
);

/**
 * Attendee search, part 1: an attendee's folded text as indexed (the attendee service's
 * searchText of name, organization and email), as SQLite's attendee_search_docs holds it (that
 * table is raw SQL in drizzle/sqlite/0001, beside its FTS5 index). It serves ranking, and
 * "names that start with the query" as a range scan on `name`.
 */
export const attendeeSearchDocs = pgTable(
  'attendee_search_docs',
  {
    attendeeId: text('attendee_id')
      .primaryKey()
      .references(() => attendees.id),
    name: text('name').notNull(),
    organization: text('organization').notNull(),
    email: text('email').notNull(),
  },
  (t) => [index('attendee_search_docs_name').using('btree', t.name.op('text_pattern_ops'))],
);

/**
 * Attendee search, part 2, in place of SQLite's FTS5 table: one row per distinct word of an
 * attendee's folded text (all three fields), and for a run of Han, kana or Hangul, which
 * folding splits into one word per character, each suffix of the run as well, so adjacent
 * characters ("小明" in 王小明) are the prefix of one term. A query word matches
 * `term LIKE word || '%'`; several words intersect by attendee.
 *
 * Why this and not a PostgreSQL full-text or trigram index: tsvector's parser and stemmers are
 * per language and do not split CJK, pg_trgm cannot serve a one- or two-character prefix (the
 * Han and Hangul surnames) and is an extension, and both would fold differently from
 * src/domain/text-fold.ts, which must stay the one fold of both stores. A btree over the terms
 * with text_pattern_ops compares bytes whatever the database's collation, so a prefix in any
 * script is an index range scan (`LIKE 'ab%'` becomes `term ~>=~ 'ab' AND term ~<~ 'ac'`).
 * The planner derives that range only from a known pattern: a statement run as a generic plan
 * must state the range itself with `~>=~` and `~<~`.
 */
export const attendeeSearchTerms = pgTable(
  'attendee_search_terms',
  {
    attendeeId: text('attendee_id')
      .notNull()
      .references(() => attendees.id),
    term: text('term').notNull(),
  },
  (t) => [
    // Re-indexing an attendee deletes its terms: the key leads with attendee_id.
    primaryKey({ columns: [t.attendeeId, t.term] }),
    // attendee_id second: the intersection of the words reads the index only.
    index('attendee_search_terms_term').using('btree', t.term.op('text_pattern_ops'), t.attendeeId),
  ],
);

export const badges = pgTable(
  'badges',
  {
    attendeeId: text('attendee_id')
      .notNull()
      .references(() => attendees.id),
    version: integer('version').notNull(),
    kid: text('kid').notNull(),
    code: text('code').notNull(),
    issuedAt: millis('issued_at').notNull(),
    revokedAt: millis('revoked_at'),
  },
  (t) => [primaryKey({ columns: [t.attendeeId, t.version] })],
);

export const rooms = pgTable(
  'rooms',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    capacity: integer('capacity').notNull(),
    features: jsonText<string[]>('features').notNull().default(sql`'[]'`),
    status: text('status', { enum: roomStatuses }).notNull().default('open'),
    occupancy: integer('occupancy').notNull().default(0),
    alertLevel: text('alert_level', { enum: occupancyLevels }).notNull().default('normal'),
    sortOrder: integer('sort_order').notNull().default(0),
    createdAt: millis('created_at').notNull(),
    updatedAt: millis('updated_at').notNull(),
  },
  (t) => [uniqueIndex('rooms_name').on(t.name)],
);

export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    externalKey: text('external_key'),
    title: text('title').notNull(),
    theme: integer('theme'),
    type: text('type').notNull().default('panel'),
    startsAt: millis('starts_at').notNull(),
    endsAt: millis('ends_at').notNull(),
    roomId: text('room_id')
      .notNull()
      .references(() => rooms.id),
    speakers: jsonText<string[]>('speakers').notNull().default(sql`'[]'`),
    status: text('status', { enum: sessionStatuses }).notNull().default('scheduled'),
    delayMinutes: integer('delay_minutes').notNull().default(0),
    /** The one SQL form of effective start and end, as in SQLite; PostgreSQL generated columns are always stored. */
    effectiveStartsAt: millis('effective_starts_at').generatedAlwaysAs(sql`starts_at + delay_minutes * 60000`),
    effectiveEndsAt: millis('effective_ends_at').generatedAlwaysAs(sql`ends_at + delay_minutes * 60000`),
    access: jsonText<AccessPolicy>('access').notNull().default(sql`'{"policy":"open"}'`),
    expectedAttendance: integer('expected_attendance').notNull().default(0),
    requiredFeatures: jsonText<string[]>('required_features').notNull().default(sql`'[]'`),
    description: text('description'),
    language: text('language'),
    version: integer('version').notNull().default(1),
    changeNote: text('change_note'),
    createdAt: millis('created_at').notNull(),
    updatedAt: millis('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('sessions_external_key').on(t.externalKey),
    index('sessions_room_start').on(t.roomId, t.startsAt),
    index('sessions_start').on(t.startsAt),
    index('sessions_room_effective_start').on(t.roomId, t.effectiveStartsAt),
  ],
);

export const sessionSources = pgTable(
  'session_sources',
  {
    sessionId: text('session_id')
      .primaryKey()
      .references(() => sessions.id),
    guid: text('guid').notNull(),
    source: jsonText<SessionSource>('source').notNull(),
  },
  (t) => [uniqueIndex('session_sources_guid').on(t.guid)],
);

export const checkins = pgTable(
  'checkins',
  {
    id: text('id').primaryKey(),
    scanId: text('scan_id').notNull(),
    deviceId: text('device_id')
      .notNull()
      .references(() => devices.id),
    attendeeId: text('attendee_id').references(() => attendees.id),
    badgeVersion: integer('badge_version'),
    kind: text('kind', { enum: scanKinds }).notNull(),
    roomId: text('room_id').references(() => rooms.id),
    scannedAt: millis('scanned_at').notNull(),
    receivedAt: millis('received_at').notNull(),
    result: text('result', { enum: scanResults }).notNull(),
    reason: text('reason'),
    forced: smallint('forced').notNull().default(0),
    leftRoomId: text('left_room_id'),
    response: jsonText<Record<string, unknown>>('response').notNull(),
    undoneAt: millis('undone_at'),
    undoneBy: text('undone_by'),
    method: text('method', { enum: checkinMethods }).notNull().default('scan'),
    manualReason: text('manual_reason'),
  },
  (t) => [
    uniqueIndex('checkins_scan_id').on(t.scanId),
    index('checkins_attendee').on(t.attendeeId, t.scannedAt),
    index('checkins_room').on(t.roomId, t.scannedAt),
    check('checkins_forced_bit', sql`${t.forced} IN (0, 1)`),
  ],
);

export const presence = pgTable('presence', {
  attendeeId: text('attendee_id')
    .primaryKey()
    .references(() => attendees.id),
  roomId: text('room_id')
    .notNull()
    .references(() => rooms.id),
  since: millis('since').notNull(),
  checkinId: text('checkin_id').notNull(),
});

export const announcements = pgTable(
  'announcements',
  {
    id: text('id').primaryKey(),
    text: text('text').notNull(),
    severity: text('severity', { enum: severities }).notNull(),
    roomIds: jsonText<string[]>('room_ids'),
    createdAt: millis('created_at').notNull(),
    expiresAt: millis('expires_at'),
    removedAt: millis('removed_at'),
    createdBy: text('created_by'),
  },
  (t) => [index('announcements_active').on(t.removedAt, t.expiresAt)],
);

export const allocationPlans = pgTable('allocation_plans', {
  id: text('id').primaryKey(),
  basedOnSeq: bigint('based_on_seq', { mode: 'number' }).notNull(),
  request: jsonText<Record<string, unknown>>('request').notNull(),
  result: jsonText<Record<string, unknown>>('result').notNull(),
  createdAt: millis('created_at').notNull(),
  createdBy: text('created_by'),
  appliedAt: millis('applied_at'),
});

/** The event log, as in SQLite; seq comes from event_head, taken in the appending transaction. */
export const events = pgTable(
  'events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    epoch: text('epoch').notNull(),
    at: millis('at').notNull(),
    topic: text('topic').notNull(),
    name: text('name').notNull(),
    visibility: text('visibility', { enum: visibilities }).notNull(),
    actorDeviceId: text('actor_device_id'),
    roomIds: jsonText<string[]>('room_ids'),
    /** Text, never jsonb: the payload digest is over these exact bytes. */
    payload: text('payload').notNull(),
    payloadDigest: text('payload_digest'),
    hash: text('hash').notNull(),
  },
  (t) => [index('events_topic').on(t.topic, t.seq)],
);

/**
 * The head of the event log, one row: an appending transaction locks it (UPDATE … RETURNING),
 * so appends are serialised and commit in seq order across nodes. Seeded with seq 0 and the
 * genesis hash by a custom migration (drizzle/pg), as drizzle-kit generates no data.
 */
export const eventHead = pgTable(
  'event_head',
  {
    id: smallint('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [check('event_head_single_row', sql`${t.id} = 1`)],
);

/**
 * Request budgets shared by every node (rate limits per device or address, the failed-scan budget):
 * one row per key and fixed window, counted by an atomic upsert, so a device cannot multiply a
 * budget by the number of nodes. SQLite's one node keeps them in memory.
 */
export const rateWindows = pgTable(
  'rate_windows',
  {
    key: text('key').primaryKey(),
    windowStart: millis('window_start').notNull(),
    windowMs: integer('window_ms').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [index('rate_windows_expiry').on(t.windowStart)],
);
