// What use cases ask of the store: one small interface per aggregate. SQL lives only in the adapters (sqlite/, pg/).
import type { AccessPolicy, OccupancyLevel, Role, RoomStatus, SessionStatus, Severity } from '../core/vocabulary.js';
import type { EventFilter, EventRecord } from '../live/event-log.js';
import type { Op } from './op.js';
import type { SessionSource } from '../interop/schedule-import.js';
import type { CheckinMethod, ScanKind, ScanReason, ScanResult } from '../core/vocabulary.js';
import type { AttendeeStatus, Category } from '../core/vocabulary.js';
import type { QueryWord } from '../domain/attendee-search.js';
import type { Slotted } from '../domain/schedule.js';

export interface DeviceRecord {
  id: string;
  name: string;
  role: Role;
  /** sha256 of the token, hex: the token itself is never stored. */
  tokenHash: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface DevicePort {
  findByTokenHash(tokenHash: string): Op<DeviceRecord | undefined>;
  find(id: string): Op<DeviceRecord | undefined>;
  /** Oldest first (then by id), revoked ones included. */
  list(): Op<DeviceRecord[]>;
  count(): Op<number>;
  /** Until the commit, no other unit of work creates the first device (nodes starting on a new database at once). */
  lockFirstDevice(): Op<void>;
  insert(device: DeviceRecord): Op<void>;
  markRevoked(id: string, at: number): Op<void>;
}

export interface AnnouncementRecord {
  id: string;
  text: string;
  severity: Severity;
  /** The rooms it is shown in; null for everywhere. */
  roomIds: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  removedAt: number | null;
  createdBy: string | null;
}

export interface AnnouncementPort {
  find(id: string): Op<AnnouncementRecord | undefined>;
  insert(announcement: AnnouncementRecord): Op<void>;
  markRemoved(id: string, at: number): Op<void>;
  /** Not removed and not expired at `now`, oldest first (then by id). */
  listActive(now: number): Op<AnnouncementRecord[]>;
  /** Not removed, with an expiry at or before `now`. */
  listDue(now: number): Op<AnnouncementRecord[]>;
}

/** The one event_settings row: the event, the database's epoch, and what the last imported programme said. */
export interface SettingsRecord {
  name: string;
  timeZone: string;
  /** Local dates (YYYY-MM-DD) of the conference days. */
  days: string[];
  epoch: string;
  createdAt: number;
  acronym: string | null;
  conferenceUrl: string | null;
  baseUrl: string | null;
  scheduleTimeZone: string | null;
  dayChange: string | null;
  roomGuids: Record<string, string> | null;
}

export type ProgrammeRecord = Pick<SettingsRecord, 'acronym' | 'conferenceUrl' | 'baseUrl' | 'scheduleTimeZone' | 'dayChange' | 'roomGuids'>;

export interface SettingsPort {
  /** Undefined in a database that was never initialised. */
  read(): Op<SettingsRecord | undefined>;
  /** Creates the row unless there is one; false when there was (another node may have started first). */
  create(row: SettingsRecord): Op<boolean>;
  setTimeZone(timeZone: string): Op<void>;
  setProgramme(programme: ProgrammeRecord): Op<void>;
  setEpoch(epoch: string): Op<void>;
}

/** A stored allocation plan: the request with the exact solver input, and the solver's answer (JSON). */
export interface PlanRecord {
  id: string;
  /** The log head when the input was read: a later schedule or room change makes the plan stale. */
  basedOnSeq: number;
  request: Record<string, unknown>;
  result: Record<string, unknown>;
  createdAt: number;
  createdBy: string | null;
  appliedAt: number | null;
}

export interface PlanPort {
  find(id: string): Op<PlanRecord | undefined>;
  /** As `find`, to apply it: PostgreSQL locks the row until the commit, so a plan is applied once. */
  findForApply(id: string): Op<PlanRecord | undefined>;
  insert(plan: PlanRecord): Op<void>;
  markApplied(id: string, at: number): Op<void>;
  /**
   * Until the commit, no other unit of work appends to the log, and every one that was appending
   * has committed: history read after this is complete, so a staleness check holds. (SQLite's
   * Writer runs one unit of work at a time already; PostgreSQL takes the log head's row lock.)
   */
  holdLog(): Op<void>;
}

/** Where a page of an export ended, as the adapter keys its pages (SQLite: rowid, the order rows were added; PostgreSQL: id). */
export type ExportCursor = number | string;

export interface AttendeeExportRecord {
  cursor: ExportCursor;
  id: string;
  externalId: string | null;
  name: string;
  organization: string;
  category: string;
  delegation: string | null;
  email: string | null;
  flags: string[];
  status: string;
  badgeVersion: number;
  /** Of the badge in force. */
  badgeIssuedAt: number | null;
  checkedInAt: number | null;
  /** The name of the room the attendee is in. */
  inRoom: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A scan with the names an organiser reads: attendee, rooms, device. */
export interface CheckinExportRecord {
  cursor: ExportCursor;
  id: string;
  scannedAt: number;
  receivedAt: number;
  attendeeId: string | null;
  name: string | null;
  organization: string | null;
  category: string | null;
  room: string | null;
  kind: string;
  result: string;
  reason: string | null;
  method: string;
  manualReason: string | null;
  forced: boolean;
  leftRoom: string | null;
  device: string | null;
  undoneAt: number | null;
}

/** What the hourly counts group a scan by. */
export interface CheckinFactRecord {
  cursor: ExportCursor;
  scannedAt: number;
  room: string | null;
  kind: string;
  result: string;
  category: string | null;
}

/** Organiser exports, a keyset page at a time (`after` null: from the start), so no read holds the store for long. */
export interface ExportPort {
  /** Every attendee, cancelled ones included. */
  attendees(after: ExportCursor | null, limit: number): Op<AttendeeExportRecord[]>;
  /** Every scan, rejected and undone ones included. */
  checkins(after: ExportCursor | null, limit: number): Op<CheckinExportRecord[]>;
  /** Scans not undone. */
  checkinFacts(after: ExportCursor | null, limit: number): Op<CheckinFactRecord[]>;
}

export interface RoomRecord {
  id: string;
  name: string;
  capacity: number;
  features: string[];
  status: RoomStatus;
  occupancy: number;
  /** Last alert level emitted, kept with hysteresis. */
  alertLevel: OccupancyLevel;
  sortOrder: number;
  createdAt: number;
  updatedAt: number;
}

export interface RoomPort {
  /** Those of `ids` that name a room. */
  existing(ids: readonly string[]): Op<Set<string>>;
  /** By sort order, then name. */
  list(): Op<RoomRecord[]>;
  find(id: string): Op<RoomRecord | undefined>;
  /** As `find`, for a change of the room: PostgreSQL locks the row until the commit. */
  findForUpdate(id: string): Op<RoomRecord | undefined>;
  /** Whether a room other than `exceptId` has this name; the answer holds until the commit (names are decided one at a time). */
  nameTaken(name: string, exceptId: string | null): Op<boolean>;
  insert(room: RoomRecord): Op<void>;
  /** Writes what an edit may change: name, capacity, features, status, sort order, alert level, updatedAt. */
  update(room: RoomRecord): Op<void>;
}

/** A session as stored; its effective times are derived by the database (and by core/time.ts in memory). */
export interface SessionRecord {
  id: string;
  externalKey: string | null;
  title: string;
  theme: number | null;
  type: string;
  startsAt: number;
  endsAt: number;
  roomId: string;
  speakers: string[];
  status: SessionStatus;
  delayMinutes: number;
  access: AccessPolicy;
  expectedAttendance: number;
  requiredFeatures: string[];
  description: string | null;
  language: string | null;
  version: number;
  changeNote: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface SessionQuery {
  /** [start, end) of the sessions' scheduled start, UTC milliseconds. */
  startsWithin?: { start: number; end: number };
  roomId?: string;
}

export interface SessionPort {
  find(id: string): Op<SessionRecord | undefined>;
  /** As `find`, for an edit: PostgreSQL locks the row until the commit, so a version check holds. */
  findForUpdate(id: string): Op<SessionRecord | undefined>;
  /** By scheduled start, then id. */
  list(query?: SessionQuery): Op<SessionRecord[]>;
  inRoom(roomId: string): Op<SessionRecord[]>;
  /** Scheduled or live, starting before `horizon`: those whose clock status may have moved on. */
  due(horizon: number): Op<SessionRecord[]>;
  insert(session: SessionRecord): Op<void>;
  /** Writes every column but id and createdAt if the stored version is still `expectedVersion`; false if it is not. */
  update(session: SessionRecord, expectedVersion: number): Op<boolean>;
  /** The clock's derived status: no new version. */
  setStatus(id: string, status: SessionStatus): Op<void>;
}

/** Where an imported session came from: its guid (ours or the file's) and what the file said beyond the session itself. */
export interface SessionSourceRecord {
  sessionId: string;
  guid: string;
  source: SessionSource;
}

/** The programme as a whole: now/next, programme import matching, session sources. */
export interface ProgrammePort {
  /**
   * The only sessions now/next can choose from: not cancelled and not over at `now`, and either on
   * at `now` or the soonest to start in their room. `open` narrows to open sessions (true) or
   * closed-door ones (false), so that one kind never stands in for the next of the other.
   */
  nowNextCandidates(now: number, open?: boolean): Op<SessionRecord[]>;
  /** The next effective start or end after `now` of a session not cancelled; null when there is none. */
  nextChangeAfter(now: number): Op<number | null>;
  /** Ids of the sessions that are not open to everyone. */
  restrictedIds(): Op<string[]>;
  anyRestricted(): Op<boolean>;
  /** Sessions created here (no external key), with their status. */
  localSessions(): Op<{ id: string; status: SessionStatus }[]>;
  /** Imported sessions that are not cancelled. */
  countLiveImported(): Op<number>;
  statusByKey(key: string): Op<SessionStatus | undefined>;
  /** The key and status of the imported session that carries this guid. */
  keyByGuid(guid: string): Op<{ key: string; status: SessionStatus } | undefined>;
  /** For a change by the import: PostgreSQL locks the row until the commit. */
  findByKeyForUpdate(key: string): Op<SessionRecord | undefined>;
  /** Imported sessions not cancelled with an id after `afterId`, by id, for a change by the import (locked on PostgreSQL). */
  liveImportedAfterForUpdate(afterId: string, limit: number): Op<SessionRecord[]>;
  /** A session created here joins the programme under this key. */
  claimKey(sessionId: string, key: string): Op<void>;
  /** Imports are applied one part at a time, whatever the node: the part's matches and writes hold until its commit. */
  lockForImport(): Op<void>;
  source(sessionId: string): Op<SessionSourceRecord | undefined>;
  guidTaken(guid: string): Op<boolean>;
  /** Inserts a session's source, or replaces the `source` of the one it has (its guid stays). */
  keepSource(record: SessionSourceRecord): Op<void>;
  sources(): Op<SessionSourceRecord[]>;
  /** The first scheduled start and the last instant (end - 1, or start when later) of any session; null without sessions. */
  span(): Op<{ first: number; last: number } | null>;
  /** The event's name and days, as the imported programme gives them (the event_settings row). */
  setEventNameAndDays(name: string, days: string[]): Op<void>;
}

/** History, read by name: how use cases learn what happened without knowing how the log is stored. */
export interface LogPort {
  /** Events after `since` with one of these names (and, given `kinds`, whose payload's `kind` is one of them), oldest first. */
  readNamed(since: number, limit: number, filter: EventFilter): Op<EventRecord[]>;
  /** The newest seq of a topic (0 when it has none): what a cache of that topic's state is versioned by. */
  latestSeqOf(topic: string): Op<number>;
  /** The newest seq in the log (0 when empty). */
  headSeq(): Op<number>;
}

export interface AttendeeRecord {
  id: string;
  externalId: string | null;
  name: string;
  organization: string;
  category: Category;
  delegation: string | null;
  email: string | null;
  flags: string[];
  status: AttendeeStatus;
  badgeVersion: number;
  checkedInAt: number | null;
}

/** An attendee's entry in the search index: each field's folded text as indexed (`searchText`). */
export interface AttendeeSearchDoc {
  attendeeId: string;
  name: string;
  organization: string;
  email: string;
}

/** What a search answers per attendee. */
export interface AttendeeSearchRow {
  id: string;
  name: string;
  organization: string;
  category: Category;
  delegation: string | null;
  status: AttendeeStatus;
  checkedInAt: number | null;
}

/** What a desk or door verifies offline: never the email. */
export type OfflineAttendeeRecord = Omit<AttendeeRecord, 'externalId' | 'email'>;

export interface AttendeePort {
  find(id: string): Op<AttendeeRecord | undefined>;
  /** Inside a unit of work that writes it back: PostgreSQL locks the row (FOR UPDATE) so that concurrent edits do not lose each other's fields. */
  findForUpdate(id: string): Op<AttendeeRecord | undefined>;
  findByExternalId(externalId: string): Op<AttendeeRecord | undefined>;
  /** The oldest attendee with this email. */
  findByEmail(email: string): Op<AttendeeRecord | undefined>;
  /** Registered attendees matching every filter given, by name (then id). */
  registeredWhere(where: { organization: string | null; delegation: string | null; category: Category | null }, limit: number): Op<AttendeeRecord[]>;
  /** Every attendee, by id. */
  listOffline(): Op<OfflineAttendeeRecord[]>;
  /** Inserts the attendee and its search entry. */
  insert(row: AttendeeRecord, doc: AttendeeSearchDoc, at: number): Op<void>;
  /** Writes the attendee; its search entry too when `doc` is given (its folded text changed). */
  update(row: AttendeeRecord, doc: AttendeeSearchDoc | null, at: number): Op<void>;
  /** Serialises the CSV import's "no match, so create" decisions across writers (PostgreSQL: an advisory transaction lock). */
  lockImport(): Op<void>;
  /** Attendees without a search entry (written before the index existed, or by a script that bypassed it). */
  unindexed(): Op<AttendeeRecord[]>;
  /** Writes an attendee's search entry. */
  index(doc: AttendeeSearchDoc): Op<void>;
  /** Search entries whose name starts with `start`, by name. */
  namesStarting(start: string, limit: number): Op<AttendeeSearchDoc[]>;
  /** Up to `limit` search entries holding every query word (as a prefix) in any field, in no particular order. */
  matching(words: QueryWord[], limit: number): Op<AttendeeSearchDoc[]>;
  searchRows(ids: readonly string[]): Op<AttendeeSearchRow[]>;
  /** One bounded step of index compaction after a large import (SQLite's FTS5 'merge'); false once there was nothing left to do. */
  compactIndex(pages: number): Op<boolean>;
  /** Compacts the whole index at once (after a large backfill). */
  optimizeIndex(): Op<void>;
}

export interface BadgeKeyRecord {
  kid: string;
  /** Only on a database from before the key dir: moved out at start. */
  privateKeyPem: string | null;
  publicKeyPem: string;
  createdAt: number;
  retiredAt: number | null;
}

export interface BadgeRecord {
  code: string;
  version: number;
  issuedAt: number;
}

export interface BadgePort {
  /** Oldest first (then by kid), retired ones included. */
  keys(): Op<BadgeKeyRecord[]>;
  /** Serialises key changes (first key, rotation, removal) across writers; PostgreSQL: an advisory transaction lock, as a new key row has nothing to lock yet. */
  lockKeys(): Op<void>;
  insertKey(kid: string, publicKeyPem: string, at: number): Op<void>;
  /** Retires every active key; the kids it retired. */
  retireActiveKeys(at: number): Op<string[]>;
  deleteKey(kid: string): Op<void>;
  /** Badges signed by this key and not revoked. */
  countValidSignedBy(kid: string): Op<number>;
  /** Nulls every private key left in the database and rewrites the file so that no copy of them remains; outside a unit of work. */
  scrubPrivateKeys(): Op<void>;
  insert(attendeeId: string, version: number, kid: string, code: string, at: number): Op<void>;
  /** The attendee's newest badge that is not revoked. */
  current(attendeeId: string): Op<BadgeRecord | undefined>;
  /** The attendee's badge version, undefined when there is no such attendee. */
  versionOf(attendeeId: string): Op<number | undefined>;
  /** Bumps the attendee's badge version; the new version, undefined when there is no such attendee. */
  nextVersion(attendeeId: string, at: number): Op<number | undefined>;
  /** Revokes every badge of the attendee not yet revoked. */
  revokeAll(attendeeId: string, at: number): Op<void>;
}

/** An attendee as a scan decides on them: no email, no external id. */
export interface ScanAttendeeRecord {
  id: string;
  name: string;
  organization: string;
  category: Category;
  delegation: string | null;
  flags: string[];
  status: AttendeeStatus;
  badgeVersion: number;
  checkedInAt: number | null;
}

/** What a door scan needs of its room. */
export interface ScanRoomRecord {
  id: string;
  status: RoomStatus;
  capacity: number;
  occupancy: number;
}

/** A session that may govern a door at some time; which one does is the domain's on-now rule. */
export interface DoorSessionRecord extends Slotted {
  /** The access policy as stored (JSON text): only the session that governs the door is parsed. */
  access: string;
}

/** A recorded scan, as undo needs it. */
export interface CheckinRef {
  id: string;
  scanId: string;
  attendeeId: string | null;
  kind: ScanKind;
  roomId: string | null;
  scannedAt: number;
  result: ScanResult;
  leftRoomId: string | null;
  undoneAt: number | null;
}

/** The room an attendee is counted in, since when, and by which scan. */
export interface PresenceRecord {
  roomId: string;
  since: number;
  checkinId: string;
}

/** A room scan or an exit that took effect (not rejected, not undone). */
export interface MovementRecord {
  id: string;
  kind: ScanKind;
  roomId: string | null;
  scannedAt: number;
}

/**
 * Scans and what they move: the check-in rows, presence, the attendee's arrival, and the reads a
 * decision takes. Positional parameters on the scan path: a scan builds no objects for the store.
 */
export interface CheckinPort {
  /** The attendee a code names; PostgreSQL locks the row (FOR UPDATE): two desks scanning one badge decide one after the other. */
  attendee(id: string): Op<ScanAttendeeRecord | undefined>;
  /**
   * A door scan's room. PostgreSQL locks it and `alsoLock` (the room the attendee is counted in,
   * which the scan may leave) in id order: the decision reads a count that cannot move under it,
   * and two scans moving people between the same rooms take their locks in one order.
   */
  room(id: string, alsoLock: string | null): Op<ScanRoomRecord | undefined>;
  /**
   * Takes, on PostgreSQL, every row lock a unit of work moving these attendees may need, in one
   * order: the attendees by id, then by id the rooms named and every room they are or were
   * counted in (a batch or an undo touches several). Nothing to do on SQLite: one Writer.
   */
  lockMoves(attendeeIds: readonly string[], roomIds: readonly string[]): Op<void>;
  presence(attendeeId: string): Op<PresenceRecord | undefined>;
  /** scannedAt of the attendee's latest scan that took them out of a room (not undone), null without one. */
  lastLeftAt(attendeeId: string): Op<number | null>;
  /** Sessions of the room, not cancelled, that have not ended at `t` and whose doors (`lead` before the start) are open. */
  doorSessions(roomId: string, t: number, lead: number): Op<DoorSessionRecord[]>;
  /** The programme's first scheduled start, null without sessions. */
  firstSessionStart(): Op<number | null>;
  /** Records a scan; false when its scanId is recorded already (the unique index decides, on every node). */
  insert(
    id: string,
    scanId: string,
    deviceId: string,
    attendeeId: string | null,
    badgeVersion: number | null,
    kind: ScanKind,
    roomId: string | null,
    scannedAt: number,
    receivedAt: number,
    result: ScanResult,
    reason: ScanReason | null,
    forced: boolean,
    leftRoomId: string | null,
    responseJson: string,
    method: CheckinMethod,
    manualReason: string | null,
  ): Op<boolean>;
  /** The answer first given to this scanId (JSON text), undefined when it was never recorded. */
  response(scanId: string): Op<string | undefined>;
  setCheckedInAt(attendeeId: string, at: number | null): Op<void>;
  putPresence(attendeeId: string, roomId: string, since: number, checkinId: string): Op<void>;
  removePresence(attendeeId: string): Op<void>;
  /** A recorded scan; PostgreSQL locks it (FOR UPDATE), so that it is undone once. */
  find(id: string): Op<CheckinRef | undefined>;
  markUndone(id: string, at: number, by: string): Op<void>;
  /** scannedAt of the attendee's earliest venue entry that counts (not rejected, not undone), null without one. */
  firstArrivalAt(attendeeId: string): Op<number | null>;
  /** The attendee's room scans and exits that count, in the order they happened (scannedAt, then as received). */
  movements(attendeeId: string): Op<MovementRecord[]>;
  /** Arrivals by category and quarter hour (checkedInAt / 900,000) of their arrival. */
  arrivalsByCategoryQuarter(): Op<{ category: string; quarter: number; n: number }[]>;
  /** Arrivals by the device that recorded the arrival (the earliest received, if two entries share its scannedAt). */
  arrivalsByDevice(): Op<{ deviceId: string; n: number }[]>;
}

/** A room's count: the one place it changes. */
export interface OccupancyPort {
  /** The room whose count changes; PostgreSQL locks the row (FOR UPDATE) so that concurrent changes apply one after another. */
  room(id: string): Op<RoomRecord | undefined>;
  /** The count and capacity as committed, for the coalesced staff update. */
  counts(id: string): Op<{ occupancy: number; capacity: number } | undefined>;
  write(id: string, occupancy: number, alertLevel: OccupancyLevel, updatedAt: number): Op<void>;
}

/** Every aggregate's port, bound to one connection: the unit of work's inside a use case, the reader's outside. */
export interface StorePorts {
  log: LogPort;
  attendees: AttendeePort;
  badges: BadgePort;
  devices: DevicePort;
  announcements: AnnouncementPort;
  rooms: RoomPort;
  sessions: SessionPort;
  programme: ProgrammePort;
  settings: SettingsPort;
  plans: PlanPort;
  exports: ExportPort;
  checkins: CheckinPort;
  occupancy: OccupancyPort;
}

/** Reads outside a unit of work: what a use case's read-only method uses. */
export interface StoreReader {
  read<T>(body: (store: StorePorts) => Op<T>): Promise<T>;
}
