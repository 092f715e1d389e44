// Schedule rules, pure: change kinds of an edit, the status a session's clock gives it, now/next per room, local days, and the import diff.
import { addDays, effectiveEnd, effectiveStart, formatDate, localDateOf, parseDate, wallClockToUtc } from '../core/time.js';
import type { Zone } from '../core/time.js';
import type { ChangeKind, SessionStatus, UpdateKind } from '../core/vocabulary.js';

/** What decides where and when a session is, and whether it is on. */
export interface ScheduleFacts {
  title: string;
  roomId: string;
  startsAt: number;
  endsAt: number;
  delayMinutes: number;
  status: SessionStatus;
}

export function classifyChange(before: ScheduleFacts, after: ScheduleFacts): ChangeKind[] {
  const kinds: ChangeKind[] = [];
  const wasCancelled = before.status === 'cancelled';
  const isCancelled = after.status === 'cancelled';
  if (!wasCancelled && isCancelled) kinds.push('cancelled');
  if (wasCancelled && !isCancelled) kinds.push('restored');
  if (before.roomId !== after.roomId) kinds.push('moved');
  if (before.startsAt !== after.startsAt || before.endsAt !== after.endsAt) kinds.push('retimed');
  if (before.delayMinutes !== after.delayMinutes) kinds.push('delayed');
  if (before.title !== after.title) kinds.push('renamed');
  return kinds;
}

/** The event kind of an update: its most important change kind, else `edited`. */
export function primaryKind(kinds: readonly ChangeKind[]): UpdateKind {
  return kinds[0] ?? 'edited';
}

/** The status the clock gives a session: live from start + delay, ended from end + delay; cancelled stays cancelled. */
export function clockStatus(
  s: { startsAt: number; endsAt: number; delayMinutes: number; cancelled: boolean },
  now: number,
): SessionStatus {
  if (s.cancelled) return 'cancelled';
  if (now >= effectiveEnd(s)) return 'ended';
  if (now >= effectiveStart(s)) return 'live';
  return 'scheduled';
}

/** Fields of a public session that differ, as `{ before, after }` holding only those fields. */
export function changedFields<T extends Record<string, unknown>>(
  before: T,
  after: T,
  fields: readonly (keyof T & string)[],
): { before: Partial<T>; after: Partial<T> } {
  const b: Partial<T> = {};
  const a: Partial<T> = {};
  for (const f of fields) {
    if (!sameValue(before[f], after[f])) {
      b[f] = before[f];
      a[f] = after[f];
    }
  }
  return { before: b, after: a };
}

/** Equality of JSON values (arrays and plain objects compared by content, keys in any order). */
export function sameValue(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => sameValue(v, y[i]));
  const xo = x as Record<string, unknown>;
  const yo = y as Record<string, unknown>;
  const keys = Object.keys(xo);
  return keys.length === Object.keys(yo).length && keys.every((k) => k in yo && sameValue(xo[k], yo[k]));
}

export interface Slotted {
  id: string;
  roomId: string;
  startsAt: number;
  endsAt: number;
  delayMinutes: number;
  status: SessionStatus;
}

export interface NowNext<T> {
  current: T | null;
  next: T | null;
}

/**
 * The one rule for "on now" in a room, used by /api/schedule/now, snapshots, kiosks and door
 * decisions alike: among the sessions not cancelled whose effective time span holds `at`, the
 * one that started last (a session that starts inside another takes over); equal starts: the
 * greater id, so every caller picks the same one.
 */
export function sessionOnNow<T extends Slotted>(sessions: readonly T[], at: number): T | null {
  let current: T | null = null;
  for (const s of sessions) {
    if (s.status === 'cancelled' || effectiveStart(s) > at || effectiveEnd(s) <= at) continue;
    if (current === null || laterStart(s, current)) current = s;
  }
  return current;
}

/** The session that starts next after `at` (not cancelled; equal starts: the smaller id). */
export function sessionNext<T extends Slotted>(sessions: readonly T[], at: number): T | null {
  let next: T | null = null;
  for (const s of sessions) {
    if (s.status === 'cancelled' || effectiveStart(s) <= at) continue;
    if (next === null || laterStart(next, s)) next = s;
  }
  return next;
}

/**
 * The session whose access rule applies at a room's door at `at`: the one on now, else the next
 * one once its doors open (`lead` before its effective start).
 */
export function sessionAtDoor<T extends Slotted>(sessions: readonly T[], at: number, lead: number): T | null {
  const current = sessionOnNow(sessions, at);
  if (current !== null) return current;
  const next = sessionNext(sessions, at);
  return next !== null && effectiveStart(next) - lead <= at ? next : null;
}

/** Per room, the session on now and the one after it, by the rules above; a room with neither is left out. */
export function nowAndNext<T extends Slotted>(sessions: readonly T[], now: number): Map<string, NowNext<T>> {
  const byRoom = new Map<string, T[]>();
  for (const s of sessions) {
    const list = byRoom.get(s.roomId);
    if (list) list.push(s);
    else byRoom.set(s.roomId, [s]);
  }
  const result = new Map<string, NowNext<T>>();
  for (const [roomId, list] of byRoom) {
    const slot = { current: sessionOnNow(list, now), next: sessionNext(list, now) };
    if (slot.current !== null || slot.next !== null) result.set(roomId, slot);
  }
  return result;
}

function laterStart(a: Slotted, b: Slotted): boolean {
  const d = effectiveStart(a) - effectiveStart(b);
  return d !== 0 ? d > 0 : a.id > b.id;
}

function ianaZone(timeZone: string): Zone {
  return { kind: 'iana', name: timeZone };
}

/** [start, end) in UTC milliseconds of a local date (YYYY-MM-DD) in the zone; null for a date that does not exist. */
export function localDayBounds(day: string, timeZone: string): { start: number; end: number } | null {
  const date = parseDate(day);
  if (date === null) return null;
  const zone = ianaZone(timeZone);
  const midnight = { hour: 0, minute: 0, second: 0 };
  return {
    start: wallClockToUtc(zone, { ...date, ...midnight }),
    end: wallClockToUtc(zone, { ...addDays(date, 1), ...midnight }),
  };
}

export function localDate(epochMs: number, timeZone: string): string {
  return localDateOf(epochMs, ianaZone(timeZone));
}

/** Every local date from the first session's start to the last one's end, in order. */
export function daysSpanned(spans: readonly { startsAt: number; endsAt: number }[], timeZone: string): string[] {
  if (spans.length === 0) return [];
  let first = Infinity;
  let last = -Infinity;
  for (const s of spans) {
    first = Math.min(first, s.startsAt);
    // A session ending exactly at midnight does not touch the next day.
    last = Math.max(last, Math.max(s.startsAt, s.endsAt - 1));
  }
  const end = localDate(last, timeZone);
  const days: string[] = [];
  for (let d = parseDate(localDate(first, timeZone)); d !== null && formatDate(d) <= end; d = addDays(d, 1)) {
    days.push(formatDate(d));
  }
  return days;
}

/** What a programme file says about one session, with its room already resolved to an id. */
export interface IncomingSession {
  key: string;
  title: string;
  roomId: string;
  startsAt: number;
  endsAt: number;
  type: string;
  speakers: string[];
  description: string | null;
  language: string | null;
  /** Undefined when the file says nothing the theme could be read from: the current theme stays. */
  theme: number | undefined;
  cancelled: boolean;
}

/** An imported session as it stands in the database. */
export type ExistingSession = Omit<IncomingSession, 'key' | 'theme'> & { id: string; externalKey: string; theme: number | null };

/** The fields an import sets; everything else (delay, access, capacity needs, notes) is the floor staff's. */
export type ImportedFields = Pick<
  ExistingSession,
  'title' | 'roomId' | 'startsAt' | 'endsAt' | 'type' | 'speakers' | 'description' | 'language' | 'theme' | 'cancelled'
>;

export interface ImportPlan {
  create: IncomingSession[];
  update: { existing: ExistingSession; next: ImportedFields }[];
  /** In the database, not in the file: cancelled, never deleted. */
  cancel: ExistingSession[];
}

/**
 * What importing a release changes: the file is the truth for the fields it carries. A session
 * that left the file is cancelled; one that comes back is restored. Sessions already matching
 * the file are left out, so importing the same file twice plans nothing.
 */
export function diffProgramme(existing: readonly ExistingSession[], incoming: readonly IncomingSession[]): ImportPlan {
  const byKey = new Map(existing.map((e) => [e.externalKey, e]));
  const seen = new Set<string>();
  const plan: ImportPlan = { create: [], update: [], cancel: [] };
  for (const s of incoming) {
    seen.add(s.key);
    const current = byKey.get(s.key);
    if (!current) {
      plan.create.push(s);
      continue;
    }
    const next: ImportedFields = {
      title: s.title,
      roomId: s.roomId,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      type: s.type,
      speakers: s.speakers,
      description: s.description,
      language: s.language,
      theme: s.theme === undefined ? current.theme : s.theme,
      cancelled: s.cancelled,
    };
    const same = (Object.keys(next) as (keyof ImportedFields)[]).every((k) => sameValue(next[k], current[k]));
    if (!same) plan.update.push({ existing: current, next });
  }
  for (const e of existing) {
    if (!seen.has(e.externalKey) && !e.cancelled) plan.cancel.push(e);
  }
  return plan;
}

/** schedule.json tracks named "Theme 1".."Theme 3" (as eventday exports them) give the theme back. */
export function themeFromTrack(track: string | null): number | undefined {
  const m = track === null ? null : /^\s*theme\s*([123])\s*$/i.exec(track);
  return m ? Number(m[1]) : undefined;
}

/** A session's place in a room, as the edit checks see it. */
export interface RoomSlot extends Slotted {
  title: string;
}

/**
 * The first session (earliest effective start, then id) that holds `roomId` while `candidate`
 * would, the changeover gap included on either side; cancelled sessions and the candidate itself
 * hold nothing.
 */
export function roomConflict<T extends RoomSlot>(candidate: Slotted, others: readonly T[], changeoverMs: number): T | null {
  if (candidate.status === 'cancelled') return null;
  const start = effectiveStart(candidate);
  const end = effectiveEnd(candidate);
  let first: T | null = null;
  for (const s of others) {
    if (s.id === candidate.id || s.roomId !== candidate.roomId || s.status === 'cancelled') continue;
    if (!(start < effectiveEnd(s) + changeoverMs && effectiveStart(s) < end + changeoverMs)) continue;
    if (first === null || laterStart(first, s)) first = s;
  }
  return first;
}

export type EditWarningCode = 'over_capacity' | 'missing_feature' | 'room_closed' | 'room_conflict';
export interface EditWarning {
  code: EditWarningCode;
  detail: string;
}

/**
 * What an edit is allowed to do but staff should know before the doors open: more people
 * expected than the room seats, a required feature the room lacks, a room that is not open.
 */
export function placementWarnings(
  session: { expectedAttendance: number; requiredFeatures: readonly string[]; status: SessionStatus },
  room: { name: string; capacity: number; features: readonly string[]; status: string },
): EditWarning[] {
  if (session.status === 'cancelled') return [];
  const warnings: EditWarning[] = [];
  if (session.expectedAttendance > room.capacity) {
    warnings.push({
      code: 'over_capacity',
      detail: `${session.expectedAttendance} expected but ${room.name} seats ${room.capacity} (${session.expectedAttendance - room.capacity} short)`,
    });
  }
  const missing = session.requiredFeatures.filter((f) => !room.features.includes(f));
  if (missing.length > 0) warnings.push({ code: 'missing_feature', detail: `${room.name} has no ${missing.join(', ')}` });
  if (room.status !== 'open') warnings.push({ code: 'room_closed', detail: `${room.name} is ${room.status.replace('_', ' ')}` });
  return warnings;
}
