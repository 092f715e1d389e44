// Badge scans at the desk and the doors: decided by domain/scan, idempotent by scanId, counted into arrivals, presence and occupancy.
import type { Statement } from 'better-sqlite3';
import type { Store } from '../db/open.js';
import type { AttendeeStatus, CheckinMethod, RoomStatus, ScanKind, ScanReason, ScanResult } from '../core/vocabulary.js';
import type { CheckinAnswer, CheckinAttendee, CheckinStats } from '../contract/checkins.js';
import type { BadgeVerification } from '../domain/badge-code.js';
import { decideScan, rejectedScan, scanTimeWindow, type AttendeePresence, type SessionAccess } from '../domain/scan.js';
import { sessionAtDoor, type Slotted } from '../domain/schedule.js';
import { AppError, notFound } from '../core/errors.js';
import { formatDate, toIso, toWallClock } from '../core/time.js';
import type { BadgeService } from './badges.js';
import type { OccupancyService } from './occupancy.js';
import type { Actor, Tx } from '../store/unit-of-work.js';
import type { Writer } from '../store/sqlite/writer.js';

/** Failed scans (invalid_code, unknown_attendee) a device may make per window before it gets 429. */
export const FAILED_SCANS_PER_WINDOW = 10;
export const FAILURE_WINDOW_MS = 60_000;
/** checkins.stats goes out at most this often, whatever the scan rate. */
export const STATS_INTERVAL_MS = 1_000;
/**
 * Stats are recomputed from the database (exact, nothing to drift), which costs about 30 ms of
 * CPU at 10,000 arrivals: after a computation that took d, the next waits at least 20·d, so
 * they never take more than 5 % of the process, however large the event.
 */
const STATS_DUTY_FACTOR = 20;
/**
 * A session decides who may enter its room from this long before its (delayed) start: people
 * take their seats early, and a closed-door session must not fill with whoever came first.
 */
export const DOORS_OPEN_BEFORE_MS = 15 * 60_000;

export interface ScanRequest {
  scanId: string;
  code: string;
  kind: ScanKind;
  roomId: string | null;
  /** The scanner's clock, epoch ms; null means "now". */
  scannedAt: number | null;
  force: boolean;
}

/** A batch item that did not read as a scan: answered rejected / invalid_scan, never recorded. */
export interface MalformedScan {
  malformed: true;
  /** What could be read of it, for the answer's record. */
  kind: ScanKind;
  roomId: string | null;
}

/** A check-in by name at the desk, for someone without a badge: a venue entry. */
export interface ManualCheckinRequest {
  scanId: string;
  attendeeId: string;
  reason: string;
  scannedAt: number | null;
}

interface PreparedScan {
  scanId: string;
  kind: ScanKind;
  roomId: string | null;
  force: boolean;
  /** The time the scan is decided as of: the scanner's, but never later than its arrival. */
  at: number;
  /** The time the scanner claims, checked against the plausible window. */
  claimedAt: number;
  receivedAt: number;
  code: BadgeVerification;
  method: CheckinMethod;
  manualReason: string | null;
}

interface ScanAttendeeRow extends Omit<CheckinAttendee, 'flags'> {
  flags: string;
  status: AttendeeStatus;
  badgeVersion: number;
  checkedInAt: number | null;
}

interface RoomRow {
  id: string;
  status: RoomStatus;
  capacity: number;
  occupancy: number;
}

interface CheckinRow {
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

interface DoorSessionRow extends Slotted {
  access: string;
}

interface PresenceRow {
  roomId: string;
  since: number;
  checkinId: string;
}

/**
 * Failed scans per device over a sliding window: only the times of the last few failures are
 * kept, so memory is bounded by devices × limit. @fastify/rate-limit counts requests, and a
 * scan is known to have failed only after its code is checked, so this lives here.
 */
class FailureWindow {
  private readonly byDevice = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  full(deviceId: string, now: number): boolean {
    return this.recent(deviceId, now).length >= this.limit;
  }

  record(deviceId: string, now: number): void {
    const list = this.recent(deviceId, now);
    list.push(now);
    this.byDevice.set(deviceId, list);
  }

  retryAfterSeconds(deviceId: string, now: number): number {
    const oldest = this.recent(deviceId, now)[0] ?? now;
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }

  private recent(deviceId: string, now: number): number[] {
    const list = (this.byDevice.get(deviceId) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.byDevice.delete(deviceId);
    else this.byDevice.set(deviceId, list);
    return list;
  }
}

const isGuess = (reason: ScanReason | null): boolean => reason === 'invalid_code' || reason === 'unknown_attendee';

/**
 * First arrival: an attendee's arrival is their earliest venue entry (by the scanner's
 * scannedAt) that was not rejected and not undone; `checkedInAt` is its scannedAt. A scan
 * uploaded late with an earlier scannedAt than the recorded arrival becomes the arrival (ok)
 * and moves checkedInAt earlier; the scan that had been the arrival keeps the answer it was
 * given (answers are history and replays must repeat them) but no longer counts in the stats,
 * which are always computed from the arrivals. Undo recomputes the arrival from what remains.
 */
export class CheckinService {
  private readonly failures = new FailureWindow(FAILED_SCANS_PER_WINDOW, FAILURE_WINDOW_MS);
  /** Bumped whenever arrivals may have changed; stats are recomputed, and pushed, only when it moved. */
  private generation = 0;
  private publishedGeneration = 0;
  private cached: { generation: number; doneAt: number; tookMs: number; stats: CheckinStats } | null = null;

  private readonly attendeeById: Statement<[string], ScanAttendeeRow>;
  private readonly roomById: Statement<[string], RoomRow>;
  private readonly presenceOf: Statement<[string], PresenceRow>;
  private readonly lastMove: Statement<[string], { at: number | null }>;
  private readonly sessionsAt: Statement<[{ roomId: string; t: number; lead: number }], DoorSessionRow>;
  private readonly firstSessionStart: Statement<[], { at: number | null }>;
  private readonly insert: Statement<
    [string, string, string, string | null, number | null, ScanKind, string | null, number, number, ScanResult, string | null, number, string | null, string, CheckinMethod, string | null]
  >;
  private readonly responseOf: Statement<[string], { response: string }>;
  private readonly setCheckedInAt: Statement<[number | null, string]>;
  private readonly upsertPresence: Statement<[string, string, number, string]>;
  private readonly deletePresence: Statement<[string]>;
  private readonly checkinById: Statement<[string], CheckinRow>;
  private readonly markUndone: Statement<[number, string, string]>;
  private readonly firstArrival: Statement<[string], { at: number | null }>;
  private readonly movements: Statement<[string], { id: string; kind: ScanKind; roomId: string | null; scannedAt: number }>;
  private readonly statsByCategoryQuarter: Statement<[], { category: string; quarter: number; n: number }>;
  private readonly statsByDevice: Statement<[], { deviceId: string; n: number }>;
  private readonly deviceNames: Statement<[], { id: string; name: string }>;

  constructor(
    store: Store,
    private readonly writer: Writer,
    private readonly badges: BadgeService,
    private readonly occupancy: OccupancyService,
    private readonly newId: () => string,
    private readonly timeZone: string,
    private readonly onError: (err: unknown) => void,
  ) {
    const sqlite = store.sqlite;
    this.attendeeById = sqlite.prepare(
      `SELECT id, name, organization, category, delegation, flags, status, badge_version AS badgeVersion,
       checked_in_at AS checkedInAt FROM attendees WHERE id = ?`,
    );
    this.roomById = sqlite.prepare('SELECT id, status, capacity, occupancy FROM rooms WHERE id = ?');
    this.presenceOf = sqlite.prepare('SELECT room_id AS roomId, since, checkin_id AS checkinId FROM presence WHERE attendee_id = ?');
    this.lastMove = sqlite.prepare(
      'SELECT MAX(scanned_at) AS at FROM checkins WHERE attendee_id = ? AND left_room_id IS NOT NULL AND undone_at IS NULL',
    );
    // The sessions that may govern the door at t; which one does is the domain's one on-now rule.
    this.firstSessionStart = sqlite.prepare('SELECT MIN(starts_at) AS at FROM sessions');
    this.sessionsAt = sqlite.prepare(
      `SELECT id, room_id AS roomId, starts_at AS startsAt, ends_at AS endsAt, delay_minutes AS delayMinutes, status, access
       FROM sessions
       WHERE room_id = @roomId AND status != 'cancelled' AND effective_ends_at > @t AND effective_starts_at - @lead <= @t`,
    );
    this.insert = sqlite.prepare(
      `INSERT INTO checkins (id, scan_id, device_id, attendee_id, badge_version, kind, room_id, scanned_at, received_at,
         result, reason, forced, left_room_id, response, method, manual_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (scan_id) DO NOTHING`,
    );
    this.responseOf = sqlite.prepare('SELECT response FROM checkins WHERE scan_id = ?');
    this.setCheckedInAt = sqlite.prepare('UPDATE attendees SET checked_in_at = ? WHERE id = ?');
    this.upsertPresence = sqlite.prepare(
      `INSERT INTO presence (attendee_id, room_id, since, checkin_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (attendee_id) DO UPDATE SET room_id = excluded.room_id, since = excluded.since, checkin_id = excluded.checkin_id`,
    );
    this.deletePresence = sqlite.prepare('DELETE FROM presence WHERE attendee_id = ?');
    this.checkinById = sqlite.prepare(
      `SELECT id, scan_id AS scanId, attendee_id AS attendeeId, kind, room_id AS roomId, scanned_at AS scannedAt, result,
       left_room_id AS leftRoomId, undone_at AS undoneAt FROM checkins WHERE id = ?`,
    );
    this.markUndone = sqlite.prepare('UPDATE checkins SET undone_at = ?, undone_by = ? WHERE id = ?');
    this.firstArrival = sqlite.prepare(
      `SELECT MIN(scanned_at) AS at FROM checkins
       WHERE attendee_id = ? AND room_id IS NULL AND kind = 'entry' AND result <> 'rejected' AND undone_at IS NULL`,
    );
    this.movements = sqlite.prepare(
      `SELECT id, kind, room_id AS roomId, scanned_at AS scannedAt FROM checkins
       WHERE attendee_id = ? AND result <> 'rejected' AND undone_at IS NULL AND (room_id IS NOT NULL OR kind = 'exit')
       ORDER BY scanned_at, received_at, rowid`,
    );
    // Quarter hours, so that zones offset by 30 or 45 minutes still land in the right local hour.
    this.statsByCategoryQuarter = sqlite.prepare(
      `SELECT category, checked_in_at / 900000 AS quarter, COUNT(*) AS n FROM attendees
       WHERE checked_in_at IS NOT NULL GROUP BY category, quarter`,
    );
    // The arrival is the venue entry whose scannedAt is checkedInAt (the earliest received, if two share it).
    this.statsByDevice = sqlite.prepare(
      `SELECT c.device_id AS deviceId, COUNT(*) AS n
       FROM attendees a
       JOIN checkins c ON c.rowid = (
         SELECT MIN(c2.rowid) FROM checkins c2
         WHERE c2.attendee_id = a.id AND c2.scanned_at = a.checked_in_at AND c2.room_id IS NULL AND c2.kind = 'entry'
           AND c2.result <> 'rejected' AND c2.undone_at IS NULL)
       WHERE a.checked_in_at IS NOT NULL
       GROUP BY c.device_id`,
    );
    this.deviceNames = sqlite.prepare('SELECT id, name FROM devices');
  }

  /** One scan; answered after its commit. Failed scans past the device's allowance are refused with 429. */
  scan(actor: Actor, request: ScanRequest, receivedAt: number): Promise<CheckinAnswer> {
    const prepared = this.prepare(request, receivedAt);
    return this.writer.submit(actor, (tx) => this.scanIn(tx, actor, prepared, 'single'));
  }

  /**
   * A check-in by name: decided like a scan of the attendee's current badge (so a cancelled
   * registration is rejected and a second arrival warned), recorded as manual with its reason.
   * An unknown attendee is 404 and records nothing; a resent scanId gets the first answer.
   */
  manual(actor: Actor, request: ManualCheckinRequest, receivedAt: number): Promise<CheckinAnswer> {
    return this.writer.submit(actor, (tx) => {
      const replayed = this.replay(request.scanId);
      if (replayed) return replayed;
      const attendee = this.attendeeById.get(request.attendeeId);
      if (!attendee) throw notFound('attendee');
      const scan: PreparedScan = {
        ...this.prepare({ ...request, code: '', kind: 'entry', roomId: null, force: false }, receivedAt),
        code: { ok: true, attendeeId: attendee.id, version: attendee.badgeVersion, kid: 'manual' },
        method: 'manual',
        manualReason: request.reason,
      };
      return this.scanIn(tx, actor, scan, 'single');
    });
  }

  /**
   * An offline upload, in one transaction. Scans are applied in scannedAt order (results come
   * back in the order sent), so each is decided as of its own time against the ones before
   * it. Every item gets its own answer: an unknown room, or a failed scan past the device's
   * budget (shared with single scans), is answered `rejected` without being recorded, so it can
   * be sent again; an item that is not a scan at all is `invalid_scan`, also not recorded; the
   * other items are decided as usual.
   */
  batch(actor: Actor, requests: (ScanRequest | MalformedScan)[], receivedAt: number): Promise<CheckinAnswer[]> {
    const answers: CheckinAnswer[] = new Array<CheckinAnswer>(requests.length);
    const prepared: { index: number; scan: PreparedScan }[] = [];
    requests.forEach((r, index) => {
      if ('malformed' in r) answers[index] = malformedAnswer(r, receivedAt);
      else prepared.push({ index, scan: this.prepare(r, receivedAt) });
    });
    prepared.sort((a, b) => a.scan.at - b.scan.at || a.index - b.index);
    return this.writer.submit(actor, (tx) => {
      for (const { index, scan } of prepared) answers[index] = this.scanIn(tx, actor, scan, 'batch');
      return answers;
    });
  }

  /** Undo a mistaken scan: arrivals, presence and occupancy become what they would be without it. Undoing twice is harmless. */
  undo(actor: Actor, id: string): Promise<void> {
    return this.writer.submit(actor, (tx) => {
      const row = this.checkinById.get(id);
      if (!row) throw notFound('check-in');
      if (row.undoneAt !== null) return;
      this.markUndone.run(tx.now, actor.deviceId, id);
      if (row.attendeeId !== null && row.result !== 'rejected') {
        if (row.roomId === null && row.kind === 'entry') {
          this.setCheckedInAt.run(this.firstArrival.get(row.attendeeId)?.at ?? null, row.attendeeId);
          this.generation += 1;
        } else {
          this.recomputePresence(tx, row.attendeeId);
        }
      }
      tx.emit('checkin.undone', { id, scanId: row.scanId, attendeeId: row.attendeeId, kind: row.kind, roomId: row.roomId, undoneAt: toIso(tx.now), undoneBy: actor.deviceId }, [row.roomId, row.leftRoomId]);
    });
  }

  /**
   * Venue arrivals: total, by category, by local hour of the event's zone, by the desk that
   * checked them in. `current` (the GET route) skips the duty-cycle throttle that the live
   * push and snapshots observe, so that an answer reflects every committed change.
   */
  stats(opts: { current?: boolean } = {}): CheckinStats {
    const cached = this.cached;
    if (cached && cached.generation === this.generation) return cached.stats;
    if (cached && !opts.current && performance.now() < cached.doneAt + STATS_DUTY_FACTOR * cached.tookMs) return cached.stats;
    const started = performance.now();
    const generation = this.generation;
    const byCategory: Record<string, number> = {};
    const byHour: Record<string, number> = {};
    let total = 0;
    for (const { category, quarter, n } of this.statsByCategoryQuarter.all()) {
      byCategory[category] = (byCategory[category] ?? 0) + n;
      const w = toWallClock(quarter * 900_000, { kind: 'iana', name: this.timeZone });
      const hour = `${formatDate(w)}T${String(w.hour).padStart(2, '0')}:00`;
      byHour[hour] = (byHour[hour] ?? 0) + n;
      total += n;
    }
    const names = new Map(this.deviceNames.all().map((d) => [d.id, d.name]));
    const byDesk: Record<string, number> = {};
    for (const { deviceId, n } of this.statsByDevice.all()) {
      const name = names.get(deviceId) ?? deviceId;
      byDesk[name] = (byDesk[name] ?? 0) + n;
    }
    const stats = { total, byCategory, byHour: sortedKeys(byHour), byDesk };
    const doneAt = performance.now();
    this.cached = { generation, doneAt, tookMs: doneAt - started, stats };
    return stats;
  }

  /** Something the stats count changed outside a scan (an arrival's category was edited). */
  arrivalsChanged(): void {
    this.generation += 1;
  }

  private prepare(request: ScanRequest, receivedAt: number): PreparedScan {
    return {
      scanId: request.scanId,
      kind: request.kind,
      roomId: request.roomId,
      force: request.force,
      // A scanner whose clock runs ahead must not date a scan in the future (it would outrank every real one).
      at: Math.min(request.scannedAt ?? receivedAt, receivedAt),
      claimedAt: request.scannedAt ?? receivedAt,
      receivedAt,
      code: this.badges.verify(request.code),
      method: 'scan',
      manualReason: null,
    };
  }

  /** A batch item refused before it is recorded: the scanner keeps it and may send it again. */
  private unrecorded(scan: PreparedScan, reason: 'unknown_room' | 'rate_limited'): CheckinAnswer {
    return (
      this.replay(scan.scanId) ?? {
        result: 'rejected',
        reason,
        replayed: false,
        checkin: { id: null, kind: scan.kind, roomId: scan.roomId, at: toIso(scan.at), forced: false, leftRoomId: null },
        attendee: null,
        firstCheckinAt: null,
      }
    );
  }

  private scanIn(tx: Tx, actor: Actor, scan: PreparedScan, mode: 'single' | 'batch'): CheckinAnswer {
    const room = scan.roomId === null ? null : (this.roomById.get(scan.roomId) ?? null);
    if (scan.roomId !== null && room === null) {
      return mode === 'batch' ? this.unrecorded(scan, 'unknown_room') : this.replayOr(scan.scanId, () => notFound('room'));
    }
    const raw = scan.code.ok ? this.attendeeById.get(scan.code.attendeeId) : undefined;
    const attendee = raw ? { ...raw, flags: JSON.parse(raw.flags) as string[] } : null;
    const sessionRow =
      room === null ? null : sessionAtDoor(this.sessionsAt.all({ roomId: room.id, t: scan.at, lead: DOORS_OPEN_BEFORE_MS }), scan.at, DOORS_OPEN_BEFORE_MS);
    const window = scanTimeWindow(this.firstSessionStart.get()?.at ?? null, scan.receivedAt);
    const plausible = scan.claimedAt >= window.from && scan.claimedAt <= window.to;
    const decision = !plausible ? rejectedScan('invalid_time') : decideScan({
      kind: scan.kind,
      force: scan.force,
      scannedAt: scan.at,
      code: scan.code,
      attendee,
      room,
      sessionInRoom: sessionRow ? { access: JSON.parse(sessionRow.access) as SessionAccess } : null,
      presence: attendee ? this.presence(attendee, scan) : { firstVenueCheckinAt: null, currentRoomId: null, lastMovedAt: null },
    });
    const guess = isGuess(decision.reason);
    if (guess && this.failures.full(actor.deviceId, scan.receivedAt)) {
      if (mode === 'batch') return this.unrecorded(scan, 'rate_limited');
      const wait = this.failures.retryAfterSeconds(actor.deviceId, scan.receivedAt);
      return this.replayOr(scan.scanId, () => new AppError('rate_limited', 429, `too many failed scans from this device; try again in ${wait} s`));
    }

    const { effects } = decision;
    const checkinId = this.newId();
    const answer: CheckinAnswer = {
      result: decision.result,
      reason: decision.reason,
      replayed: false,
      checkin: { id: checkinId, kind: scan.kind, roomId: scan.roomId, at: toIso(scan.at), forced: decision.forced, leftRoomId: effects.leaveRoomId },
      attendee: attendee && {
        id: attendee.id,
        name: attendee.name,
        organization: attendee.organization,
        category: attendee.category,
        delegation: attendee.delegation,
        flags: attendee.flags,
      },
      firstCheckinAt: decision.reason === 'already_checked_in' && attendee?.checkedInAt != null ? toIso(attendee.checkedInAt) : null,
    };
    const inserted = this.insert.run(
      checkinId,
      scan.scanId,
      actor.deviceId,
      attendee?.id ?? null,
      scan.code.ok ? scan.code.version : null,
      scan.kind,
      scan.roomId,
      scan.at,
      scan.receivedAt,
      decision.result,
      decision.reason,
      decision.forced ? 1 : 0,
      effects.leaveRoomId,
      JSON.stringify(answer),
      scan.method,
      scan.manualReason,
    );
    // The unique index decides: a scanId seen before (another desk, a retry, a batch) gets the first answer.
    if (inserted.changes === 0) return this.replay(scan.scanId)!;
    if (guess) this.failures.record(actor.deviceId, scan.receivedAt);

    if (attendee !== null) {
      if (effects.venueArrival) {
        this.setCheckedInAt.run(scan.at, attendee.id);
        this.generation += 1;
      }
      if (effects.leaveRoomId !== null) {
        this.occupancy.adjust(tx, effects.leaveRoomId, -1);
        if (effects.enterRoomId === null) this.deletePresence.run(attendee.id);
      }
      if (effects.enterRoomId !== null) {
        this.occupancy.adjust(tx, effects.enterRoomId, 1);
        this.upsertPresence.run(attendee.id, effects.enterRoomId, scan.at, checkinId);
      }
    }
    const { replayed: _replayed, ...recorded } = answer;
    tx.emit('checkin.recorded', {
        ...recorded,
        scanId: scan.scanId,
        deviceId: actor.deviceId,
        receivedAt: toIso(scan.receivedAt),
        // Audit: whom a validly signed code named, even when that attendee is unknown here.
        codeAttendeeId: scan.method === 'scan' && scan.code.ok ? scan.code.attendeeId : null,
        method: scan.method,
        manualReason: scan.manualReason,
      }, [scan.roomId, effects.leaveRoomId]);
    return answer;
  }

  /**
   * A venue entry is decided by the first arrival alone (it leaves room presence alone), so the
   * desk's scans, the bulk of the traffic, skip the two room lookups.
   */
  private presence(attendee: { id: string; checkedInAt: number | null }, scan: PreparedScan): AttendeePresence {
    if (scan.roomId === null && scan.kind === 'entry') {
      return { firstVenueCheckinAt: attendee.checkedInAt, currentRoomId: null, lastMovedAt: null };
    }
    const row = this.presenceOf.get(attendee.id);
    const moved = this.lastMove.get(attendee.id)?.at ?? null;
    const since = row?.since ?? null;
    return {
      firstVenueCheckinAt: attendee.checkedInAt,
      currentRoomId: row?.roomId ?? null,
      lastMovedAt: since === null ? moved : moved === null ? since : Math.max(since, moved),
    };
  }

  private replay(scanId: string): CheckinAnswer | null {
    const row = this.responseOf.get(scanId);
    return row ? { ...(JSON.parse(row.response) as CheckinAnswer), replayed: true } : null;
  }

  /** A resent scan is answered as it was the first time, even when it would now be refused. */
  private replayOr(scanId: string, refusal: () => AppError): CheckinAnswer {
    const replayed = this.replay(scanId);
    if (replayed) return replayed;
    throw refusal();
  }

  /**
   * Where the attendee is counted, replayed from their remaining room scans in scannedAt
   * order: an entry counts them in its room, an exit from that room (or any venue exit) out.
   */
  private recomputePresence(tx: Tx, attendeeId: string): void {
    let current = null as PresenceRow | null;
    for (const m of this.movements.all(attendeeId)) {
      if (m.kind === 'entry' && m.roomId !== null) {
        if (current?.roomId !== m.roomId) current = { roomId: m.roomId, since: m.scannedAt, checkinId: m.id };
      } else if (m.kind === 'exit' && (m.roomId === null || current?.roomId === m.roomId)) {
        current = null;
      }
    }
    const before = this.presenceOf.get(attendeeId);
    if (before?.roomId !== current?.roomId) {
      if (before) this.occupancy.adjust(tx, before.roomId, -1);
      if (current) this.occupancy.adjust(tx, current.roomId, 1);
    }
    if (current) this.upsertPresence.run(attendeeId, current.roomId, current.since, current.checkinId);
    else this.deletePresence.run(attendeeId);
  }

  /** Pushes checkins.stats if arrivals changed; the scheduler (src/jobs) calls it every STATS_INTERVAL_MS. */
  publishStats(): void {
    if (this.publishedGeneration === this.generation) return;
    try {
      const stats = this.stats();
      // Throttled: what came back may be older than the last push; the next tick tries again.
      const generation = this.cached?.generation ?? 0;
      if (generation === this.publishedGeneration) return;
      this.publishedGeneration = generation;
      this.writer.run(null, (tx) => {
        tx.emit('checkins.stats', stats);
      });
    } catch (err) {
      this.onError(err);
    }
  }
}

function sortedKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Nothing in it can be trusted, not even its scanId: no replay, no record, the server's time. */
function malformedAnswer(item: MalformedScan, receivedAt: number): CheckinAnswer {
  return {
    result: 'rejected',
    reason: 'invalid_scan',
    replayed: false,
    checkin: { id: null, kind: item.kind, roomId: item.roomId, at: toIso(receivedAt), forced: false, leftRoomId: null },
    attendee: null,
    firstCheckinAt: null,
  };
}
