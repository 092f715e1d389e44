// Badge scans at the desk and the doors: decided by domain/scan, idempotent by scanId, counted into arrivals, presence and occupancy.
import type { EventRecord } from '../live/event-log.js';
import type { CheckinMethod, ScanKind, ScanReason } from '../core/vocabulary.js';
import type { CheckinAnswer, CheckinStats } from '../contract/checkins.js';
import type { BadgeVerification } from '../domain/badge-code.js';
import { decideScan, rejectedScan, scanTimeWindow, type AttendeePresence, type SessionAccess } from '../domain/scan.js';
import { sessionAtDoor } from '../domain/schedule.js';
import { AppError, notFound } from '../core/errors.js';
import { formatDate, toIso, toWallClock } from '../core/time.js';
import { known, type Op } from '../store/op.js';
import type { PresenceRecord, StorePorts, StoreReader } from '../store/ports.js';
import type { BadgeService } from './badges.js';
import type { OccupancyService } from './occupancy.js';
import type { Actor, Tx, UnitOfWork } from '../store/unit-of-work.js';

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

/**
 * A device's allowance of failed scans (guessed or unknown codes). @fastify/rate-limit counts
 * requests, and a scan is known to have failed only after its code is checked, so this is asked
 * inside the scan's unit of work. One node keeps it in memory (`FailureWindow`); several nodes
 * count in the shared database, so a device cannot multiply it by the number of nodes.
 */
export interface FailureBudget {
  /** Seconds until the device may fail again, or null while it has allowance left. */
  exhausted(deviceId: string, now: number): Op<number | null>;
  record(deviceId: string, now: number): Op<void>;
}

/**
 * Failed scans per device over a sliding window: only the times of the last few failures are
 * kept, so memory is bounded by devices × limit. Answers at once: nothing waits on SQLite's scan path.
 */
export class FailureWindow implements FailureBudget {
  private readonly byDevice = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  exhausted(deviceId: string, now: number): Op<number | null> {
    const recent = this.recent(deviceId, now);
    return known(recent.length < this.limit ? null : Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000)));
  }

  record(deviceId: string, now: number): Op<void> {
    const list = this.recent(deviceId, now);
    list.push(now);
    this.byDevice.set(deviceId, list);
    return known(undefined);
  }

  private recent(deviceId: string, now: number): number[] {
    const list = (this.byDevice.get(deviceId) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.byDevice.delete(deviceId);
    else this.byDevice.set(deviceId, list);
    return list;
  }
}

/** Events after which the arrival stats may count differently. */
const ARRIVAL_EVENTS: ReadonlySet<string> = new Set(['checkin.recorded', 'checkin.undone', 'attendee.updated', 'attendee.cancelled', 'attendee.restored', 'attendees.imported']);
/** The topics of those events: the newest seq among them is how far the log has moved the arrivals. */
const ARRIVAL_TOPICS = ['checkins', 'attendees'] as const;

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
  /**
   * Bumped by every committed event that may change arrivals, whichever node wrote it (`follow`);
   * stats are recomputed, and pushed, only when it moved. Never inside a unit of work: a stats
   * read between a scan's bump and its commit would cache the old figures as new.
   */
  private generation = 0;
  private publishedGeneration = 0;
  private cached: { generation: number; seq: number; doneAt: number; tookMs: number; stats: CheckinStats } | null = null;

  constructor(
    private readonly reader: StoreReader,
    private readonly writer: UnitOfWork,
    private readonly badges: Pick<BadgeService, 'verifyIn'>,
    private readonly occupancy: OccupancyService,
    private readonly newId: () => string,
    private readonly timeZone: string,
    private readonly onError: (err: unknown) => void,
    private readonly failures: FailureBudget = new FailureWindow(FAILED_SCANS_PER_WINDOW, FAILURE_WINDOW_MS),
  ) {}

  /** One scan; answered after its commit. Failed scans past the device's allowance are refused with 429. */
  scan(actor: Actor, request: ScanRequest, receivedAt: number): Promise<CheckinAnswer> {
    return this.writer.submit(actor, (tx) => this.scanCodeIn(tx, actor, request, receivedAt));
  }

  /** The code is verified inside the unit of work: the keys come from memory once cached, so this adds no await. */
  private *scanCodeIn(tx: Tx, actor: Actor, request: ScanRequest, receivedAt: number): Op<CheckinAnswer> {
    const code = yield* this.badges.verifyIn(tx.store, request.code);
    return yield* this.scanIn(tx, actor, this.prepareScan(request, receivedAt, code), 'single');
  }

  /**
   * A check-in by name: decided like a scan of the attendee's current badge (so a cancelled
   * registration is rejected and a second arrival warned), recorded as manual with its reason.
   * An unknown attendee is 404 and records nothing; a resent scanId gets the first answer.
   */
  manual(actor: Actor, request: ManualCheckinRequest, receivedAt: number): Promise<CheckinAnswer> {
    return this.writer.submit(actor, (tx) => this.manualIn(tx, actor, request, receivedAt));
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
    return this.writer.submit(actor, (tx) => this.batchIn(tx, actor, requests, receivedAt));
  }

  /** Undo a mistaken scan: arrivals, presence and occupancy become what they would be without it. Undoing twice is harmless. */
  undo(actor: Actor, id: string): Promise<void> {
    return this.writer.submit(actor, (tx) => this.undoIn(tx, actor, id));
  }

  /**
   * Venue arrivals: total, by category, by local hour of the event's zone, by the desk that
   * checked them in. `current` (the GET route) skips the duty-cycle throttle that the live
   * push and snapshots observe, so that an answer reflects every committed change.
   */
  stats(opts: { current?: boolean } = {}): Promise<CheckinStats> {
    return this.reader.read((store) => this.statsIn(store, opts));
  }

  /** As `stats`, as a store step: the live snapshot reads it with the rest of its state. */
  *statsIn(store: StorePorts, opts: { current?: boolean } = {}): Op<CheckinStats> {
    const cached = this.cached;
    // Read before the figures, so the figures are at least as new as the seq they are cached with.
    let seq = 0;
    for (const topic of ARRIVAL_TOPICS) seq = Math.max(seq, yield* store.log.latestSeqOf(topic));
    if (opts.current) {
      // `generation` moves when this node follows the log, which on PostgreSQL is after the writer
      // has answered: a current answer goes by the log's own position instead.
      if (cached && cached.seq >= seq) return cached.stats;
    } else {
      if (cached && cached.generation === this.generation) return cached.stats;
      if (cached && performance.now() < cached.doneAt + STATS_DUTY_FACTOR * cached.tookMs) return cached.stats;
    }
    const started = performance.now();
    const generation = this.generation;
    const byCategory: Record<string, number> = {};
    const byHour: Record<string, number> = {};
    let total = 0;
    for (const { category, quarter, n } of yield* store.checkins.arrivalsByCategoryQuarter()) {
      byCategory[category] = (byCategory[category] ?? 0) + n;
      const w = toWallClock(quarter * 900_000, { kind: 'iana', name: this.timeZone });
      const hour = `${formatDate(w)}T${String(w.hour).padStart(2, '0')}:00`;
      byHour[hour] = (byHour[hour] ?? 0) + n;
      total += n;
    }
    const names = new Map((yield* store.devices.list()).map((d) => [d.id, d.name]));
    const byDesk: Record<string, number> = {};
    for (const { deviceId, n } of yield* store.checkins.arrivalsByDevice()) {
      const name = names.get(deviceId) ?? deviceId;
      byDesk[name] = (byDesk[name] ?? 0) + n;
    }
    const stats = { total, byCategory, byHour: sortedKeys(byHour), byDesk };
    const doneAt = performance.now();
    this.cached = { generation, seq, doneAt, tookMs: doneAt - started, stats };
    return stats;
  }

  /** Follows the committed log: arrivals, undos and attendee edits (a checked-in attendee's category) from any node make the stats stale. */
  follow(records: readonly EventRecord[]): void {
    if (records.some((r) => ARRIVAL_EVENTS.has(r.name))) this.generation += 1;
  }

  /** Pushes checkins.stats if arrivals changed; the scheduler (src/jobs) calls it every STATS_INTERVAL_MS. */
  async publishStats(): Promise<void> {
    if (this.publishedGeneration === this.generation) return;
    try {
      const stats = await this.stats();
      // Throttled: what came back may be older than the last push; the next tick tries again.
      const generation = this.cached?.generation ?? 0;
      if (generation === this.publishedGeneration) return;
      this.publishedGeneration = generation;
      await this.writer.submit(null, (tx) => {
        tx.emit('checkins.stats', stats);
      });
    } catch (err) {
      this.onError(err);
    }
  }

  private prepareScan(request: Omit<ScanRequest, 'code'>, receivedAt: number, code: BadgeVerification): PreparedScan {
    return {
      scanId: request.scanId,
      kind: request.kind,
      roomId: request.roomId,
      force: request.force,
      // A scanner whose clock runs ahead must not date a scan in the future (it would outrank every real one).
      at: Math.min(request.scannedAt ?? receivedAt, receivedAt),
      claimedAt: request.scannedAt ?? receivedAt,
      receivedAt,
      code,
      method: 'scan',
      manualReason: null,
    };
  }

  private *manualIn(tx: Tx, actor: Actor, request: ManualCheckinRequest, receivedAt: number): Op<CheckinAnswer> {
    const replayed = yield* this.replay(tx, request.scanId);
    if (replayed) return replayed;
    const attendee = yield* tx.store.checkins.attendee(request.attendeeId);
    if (!attendee) throw notFound('attendee');
    const scan: PreparedScan = {
      ...this.prepareScan({ ...request, kind: 'entry', roomId: null, force: false }, receivedAt, {
        ok: true,
        attendeeId: attendee.id,
        version: attendee.badgeVersion,
        kid: 'manual',
      }),
      method: 'manual',
      manualReason: request.reason,
    };
    return yield* this.scanIn(tx, actor, scan, 'single');
  }

  private *batchIn(tx: Tx, actor: Actor, requests: (ScanRequest | MalformedScan)[], receivedAt: number): Op<CheckinAnswer[]> {
    const answers: CheckinAnswer[] = new Array<CheckinAnswer>(requests.length);
    const prepared: { index: number; scan: PreparedScan }[] = [];
    for (const [index, r] of requests.entries()) {
      if ('malformed' in r) answers[index] = malformedAnswer(r, receivedAt);
      else prepared.push({ index, scan: this.prepareScan(r, receivedAt, yield* this.badges.verifyIn(tx.store, r.code)) });
    }
    prepared.sort((a, b) => a.scan.at - b.scan.at || a.index - b.index);
    const attendeeIds = new Set<string>();
    const roomIds = new Set<string>();
    for (const { scan } of prepared) {
      if (scan.code.ok) attendeeIds.add(scan.code.attendeeId);
      if (scan.roomId !== null) roomIds.add(scan.roomId);
    }
    // Every lock the batch may need, up front and in one order (PostgreSQL; nothing on SQLite).
    yield* tx.store.checkins.lockMoves([...attendeeIds], [...roomIds]);
    for (const { index, scan } of prepared) answers[index] = yield* this.scanIn(tx, actor, scan, 'batch');
    return answers;
  }

  private *undoIn(tx: Tx, actor: Actor, id: string): Op<void> {
    const checkins = tx.store.checkins;
    const row = yield* checkins.find(id);
    if (!row) throw notFound('check-in');
    if (row.undoneAt !== null) return;
    const moves = row.attendeeId !== null && row.result !== 'rejected' ? row.attendeeId : null;
    if (moves !== null) yield* checkins.lockMoves([moves], []);
    yield* checkins.markUndone(id, tx.now, actor.deviceId);
    if (moves !== null) {
      if (row.roomId === null && row.kind === 'entry') {
        const arrival = yield* checkins.firstArrivalAt(moves);
        yield* checkins.setCheckedInAt(moves, arrival);
      } else {
        yield* this.recomputePresence(tx, moves);
      }
    }
    tx.emit('checkin.undone', { id, scanId: row.scanId, attendeeId: row.attendeeId, kind: row.kind, roomId: row.roomId, undoneAt: toIso(tx.now), undoneBy: actor.deviceId }, [row.roomId, row.leftRoomId]);
  }

  /** A batch item refused before it is recorded: the scanner keeps it and may send it again. */
  private *unrecorded(tx: Tx, scan: PreparedScan, reason: 'unknown_room' | 'rate_limited'): Op<CheckinAnswer> {
    return (
      (yield* this.replay(tx, scan.scanId)) ?? {
        result: 'rejected',
        reason,
        replayed: false,
        checkin: { id: null, kind: scan.kind, roomId: scan.roomId, at: toIso(scan.at), forced: false, leftRoomId: null },
        attendee: null,
        firstCheckinAt: null,
      }
    );
  }

  private *scanIn(tx: Tx, actor: Actor, scan: PreparedScan, mode: 'single' | 'batch'): Op<CheckinAnswer> {
    const checkins = tx.store.checkins;
    // The attendee before any room: on PostgreSQL this locks their row (see the port), so a scan
    // of the same badge on another node waits here and then sees this one's arrival.
    const attendee = scan.code.ok ? ((yield* checkins.attendee(scan.code.attendeeId)) ?? null) : null;
    // A venue entry is decided by the first arrival alone (it leaves room presence alone), so the
    // desk's scans, the bulk of the traffic, skip the two presence lookups.
    const presence: AttendeePresence =
      attendee === null
        ? { firstVenueCheckinAt: null, currentRoomId: null, lastMovedAt: null }
        : scan.roomId === null && scan.kind === 'entry'
          ? { firstVenueCheckinAt: attendee.checkedInAt, currentRoomId: null, lastMovedAt: null }
          : yield* this.roomPresence(tx, attendee.id, attendee.checkedInAt);
    const room = scan.roomId === null ? null : ((yield* checkins.room(scan.roomId, presence.currentRoomId)) ?? null);
    if (scan.roomId !== null && room === null) {
      return mode === 'batch' ? yield* this.unrecorded(tx, scan, 'unknown_room') : yield* this.replayOr(tx, scan.scanId, () => notFound('room'));
    }
    const sessionRow =
      room === null ? null : sessionAtDoor(yield* checkins.doorSessions(room.id, scan.at, DOORS_OPEN_BEFORE_MS), scan.at, DOORS_OPEN_BEFORE_MS);
    const window = scanTimeWindow(yield* checkins.firstSessionStart(), scan.receivedAt);
    const plausible = scan.claimedAt >= window.from && scan.claimedAt <= window.to;
    const decision = !plausible ? rejectedScan('invalid_time') : decideScan({
      kind: scan.kind,
      force: scan.force,
      scannedAt: scan.at,
      code: scan.code,
      attendee,
      room,
      sessionInRoom: sessionRow ? { access: JSON.parse(sessionRow.access) as SessionAccess } : null,
      presence,
    });
    const guess = isGuess(decision.reason);
    const wait = guess ? yield* this.failures.exhausted(actor.deviceId, scan.receivedAt) : null;
    if (wait !== null) {
      if (mode === 'batch') return yield* this.unrecorded(tx, scan, 'rate_limited');
      return yield* this.replayOr(tx, scan.scanId, () => new AppError('rate_limited', 429, `too many failed scans from this device; try again in ${wait} s`));
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
    const inserted = yield* checkins.insert(
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
      decision.forced,
      effects.leaveRoomId,
      JSON.stringify(answer),
      scan.method,
      scan.manualReason,
    );
    // The unique index decides: a scanId seen before (another desk, a retry, a batch) gets the first answer.
    if (!inserted) return (yield* this.replay(tx, scan.scanId))!;
    if (guess) yield* this.failures.record(actor.deviceId, scan.receivedAt);

    if (attendee !== null) {
      if (effects.venueArrival) {
        yield* checkins.setCheckedInAt(attendee.id, scan.at);
      }
      if (effects.leaveRoomId !== null) {
        yield* this.occupancy.adjust(tx, effects.leaveRoomId, -1);
        if (effects.enterRoomId === null) yield* checkins.removePresence(attendee.id);
      }
      if (effects.enterRoomId !== null) {
        yield* this.occupancy.adjust(tx, effects.enterRoomId, 1);
        yield* checkins.putPresence(attendee.id, effects.enterRoomId, scan.at, checkinId);
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

  /** Where the attendee stands for a room scan or an exit: the room they are counted in, and when they last moved. */
  private *roomPresence(tx: Tx, attendeeId: string, checkedInAt: number | null): Op<AttendeePresence> {
    const row = yield* tx.store.checkins.presence(attendeeId);
    const moved = yield* tx.store.checkins.lastLeftAt(attendeeId);
    const since = row?.since ?? null;
    return {
      firstVenueCheckinAt: checkedInAt,
      currentRoomId: row?.roomId ?? null,
      lastMovedAt: since === null ? moved : moved === null ? since : Math.max(since, moved),
    };
  }

  private *replay(tx: Tx, scanId: string): Op<CheckinAnswer | null> {
    const response = yield* tx.store.checkins.response(scanId);
    return response === undefined ? null : { ...(JSON.parse(response) as CheckinAnswer), replayed: true };
  }

  /** A resent scan is answered as it was the first time, even when it would now be refused. */
  private *replayOr(tx: Tx, scanId: string, refusal: () => AppError): Op<CheckinAnswer> {
    const replayed = yield* this.replay(tx, scanId);
    if (replayed) return replayed;
    throw refusal();
  }

  /**
   * Where the attendee is counted, replayed from their remaining room scans in scannedAt
   * order: an entry counts them in its room, an exit from that room (or any venue exit) out.
   */
  private *recomputePresence(tx: Tx, attendeeId: string): Op<void> {
    const checkins = tx.store.checkins;
    let current = null as PresenceRecord | null;
    for (const m of yield* checkins.movements(attendeeId)) {
      if (m.kind === 'entry' && m.roomId !== null) {
        if (current?.roomId !== m.roomId) current = { roomId: m.roomId, since: m.scannedAt, checkinId: m.id };
      } else if (m.kind === 'exit' && (m.roomId === null || current?.roomId === m.roomId)) {
        current = null;
      }
    }
    const before = yield* checkins.presence(attendeeId);
    if (before?.roomId !== current?.roomId) {
      if (before) yield* this.occupancy.adjust(tx, before.roomId, -1);
      if (current) yield* this.occupancy.adjust(tx, current.roomId, 1);
    }
    if (current) yield* checkins.putPresence(attendeeId, current.roomId, current.since, current.checkinId);
    else yield* checkins.removePresence(attendeeId);
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
