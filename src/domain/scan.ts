// The rule for one badge scan: given what the service looked up, decide the answer and its effects.
import type { RoomStatus, ScanKind, ScanReason, ScanResult } from '../core/vocabulary.js';
import type { BadgeVerification } from './badge-code.js';


export interface ScanAttendee {
  id: string;
  status: 'registered' | 'cancelled';
  category: string;
  /** The version of the attendee's current badge; every lower version is revoked. */
  badgeVersion: number;
}

export interface ScanRoom {
  id: string;
  status: RoomStatus;
  capacity: number;
  occupancy: number;
}

export type SessionAccess = { policy: 'open' } | { policy: 'categories'; categories: readonly string[] };

/** Where the attendee stands before this scan, as recorded by earlier scans. */
export interface AttendeePresence {
  /** scannedAt of the attendee's recorded first venue arrival, or null before any. */
  firstVenueCheckinAt: number | null;
  /** The room the attendee is counted in, or null. */
  currentRoomId: string | null;
  /** scannedAt of the latest scan that changed currentRoomId (an entry or exit that took effect), or null. */
  lastMovedAt: number | null;
}

export interface ScanInput {
  kind: ScanKind;
  force: boolean;
  /** The scanner's time of the scan, epoch milliseconds: offline uploads are decided as of it. */
  scannedAt: number;
  code: BadgeVerification;
  /** The attendee named by the code, or null when there is none (or the code was invalid). */
  attendee: ScanAttendee | null;
  /** The room of a door scan; null for a venue scan at the registration desk. */
  room: ScanRoom | null;
  /** The session in that room at scannedAt, if any; ignored for venue scans. */
  sessionInRoom: { access: SessionAccess } | null;
  presence: AttendeePresence;
}

export interface ScanEffects {
  /** This scan is the attendee's first venue arrival (replacing a later recorded one, if any). */
  venueArrival: boolean;
  /** Count the attendee into this room. */
  enterRoomId: string | null;
  /** Stop counting the attendee in this room. */
  leaveRoomId: string | null;
}

export interface ScanDecision {
  result: ScanResult;
  reason: ScanReason | null;
  /** True only when force was what admitted the attendee past a full room. */
  forced: boolean;
  effects: ScanEffects;
}

const NO_EFFECTS: Readonly<ScanEffects> = { venueArrival: false, enterRoomId: null, leaveRoomId: null };

/**
 * Checks run in this order, the first failure deciding: invalid_code, unknown_attendee,
 * revoked_badge, registration_cancelled; then for room entries room_closed, not_allowed,
 * room_full. A rejected decision has no effects.
 *
 * Choices the API leaves open:
 * - A code whose version is above the attendee's current badge version was never issued by
 *   this database (a restored backup, another event's key): it is invalid_code.
 * - Exits are never refused for the room's state or access rules: they record a person
 *   leaving, and refusing one would keep them counted in the very room staff are clearing.
 * - An exit from a room the attendee is not counted in is ok with no effect (they came in
 *   unscanned, or an entry elsewhere already moved them out). A venue exit stops counting them
 *   in whatever room they were in.
 * - Only venue entries count as arrivals; a room entry without one admits but does not count.
 *   A venue entry leaves room presence alone: the desk sees arrivals, not who left which room.
 * - Room movements are ordered by scannedAt: a scan older than presence.lastMovedAt (an
 *   offline upload arriving late) is answered but moves no one, since a later scan already
 *   said where the attendee went.
 * - Entering the room one is already counted in is ok and changes nothing, and is therefore
 *   never refused as room_full.
 */
export function decideScan(input: ScanInput): ScanDecision {
  const { code, attendee, room } = input;
  if (!code.ok) return rejectedScan('invalid_code');
  if (attendee === null || attendee.id !== code.attendeeId) return rejectedScan('unknown_attendee');
  if (code.version > attendee.badgeVersion) return rejectedScan('invalid_code');
  if (code.version < attendee.badgeVersion) return rejectedScan('revoked_badge');
  if (attendee.status === 'cancelled') return rejectedScan('registration_cancelled');

  const { presence } = input;
  const mayMove = presence.lastMovedAt === null || input.scannedAt >= presence.lastMovedAt;

  if (room === null) {
    if (input.kind === 'exit') {
      return ok({ ...NO_EFFECTS, leaveRoomId: mayMove ? presence.currentRoomId : null });
    }
    const first = presence.firstVenueCheckinAt;
    if (first !== null && first <= input.scannedAt) {
      return { result: 'warning', reason: 'already_checked_in', forced: false, effects: { ...NO_EFFECTS } };
    }
    return ok({ ...NO_EFFECTS, venueArrival: true });
  }

  const inThisRoom = presence.currentRoomId === room.id;
  if (input.kind === 'exit') {
    return ok({ ...NO_EFFECTS, leaveRoomId: inThisRoom && mayMove ? room.id : null });
  }

  if (room.status !== 'open') return rejectedScan('room_closed');
  const access = input.sessionInRoom?.access;
  if (access?.policy === 'categories' && !access.categories.includes(attendee.category)) {
    return rejectedScan('not_allowed');
  }
  const addsOne = mayMove && !inThisRoom;
  // Capacity 0 is a room whose size is not set yet (imported rooms): nobody is turned away for it.
  const full = addsOne && room.capacity > 0 && room.occupancy >= room.capacity;
  if (full && !input.force) return rejectedScan('room_full');
  return {
    result: 'ok',
    reason: null,
    forced: full,
    effects: {
      venueArrival: false,
      enterRoomId: addsOne ? room.id : null,
      leaveRoomId: addsOne ? presence.currentRoomId : null,
    },
  };
}

function ok(effects: ScanEffects): ScanDecision {
  return { result: 'ok', reason: null, forced: false, effects };
}

const HOUR_MS = 3_600_000;

/**
 * The times a scan may claim: from a day before the programme's first session (a day before
 * the scan's arrival while there is no programme) to five minutes after the server received it.
 * Outside it the scanner's clock is wrong, and believing it would rewrite who arrived first.
 */
export function scanTimeWindow(firstSessionStartsAt: number | null, receivedAt: number): { from: number; to: number } {
  return { from: (firstSessionStartsAt ?? receivedAt) - 24 * HOUR_MS, to: receivedAt + 5 * 60_000 };
}

/** A refused scan: it changes nothing. */
export function rejectedScan(reason: ScanReason): ScanDecision {
  return { result: 'rejected', reason, forced: false, effects: { ...NO_EFFECTS } };
}
