// Writes the live programme as a frab/pretalx schedule.json v1 (the c3voc schema) for Fahrplan apps, signage and recording tools.
import { createHash } from 'node:crypto';
import {
  addDays,
  formatDate,
  formatDuration,
  formatLocalIso,
  formatTimeOfDay,
  localDateOf,
  normalizeTimeZone,
  parseDate,
  toWallClock,
  wallClockToUtc,
} from '../core/time.js';
import type { CivilDate, Zone } from '../core/time.js';

export type ExportSessionStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';

export interface ExportSession {
  id: string;
  title: string;
  theme: number | null;
  type: string;
  /** ISO 8601 UTC, with any delay already applied. */
  startsAt: string;
  endsAt: string;
  roomId: string;
  speakers: string[];
  status: ExportSessionStatus;
  delayMinutes: number;
  changeNote: string | null;
  description?: string | null;
  language?: string | null;
  version: number;
}

export interface ExportInput {
  event: { name: string; timeZone: string; slug?: string; baseUrl?: string };
  rooms: { id: string; name: string }[];
  sessions: ExportSession[];
}

export interface ExportOptions {
  /** Only used to date an empty programme, which has no session to take its days from. */
  now?: Date;
}

export interface ScheduleJsonEvent {
  guid: string;
  id: number;
  date: string;
  start: string;
  end: string;
  duration: string;
  room: string;
  slug: string;
  url: string;
  title: string;
  subtitle: string;
  track: string | null;
  type: string;
  language: string | null;
  abstract: string;
  description: string | null;
  recording_license: string;
  do_not_record: boolean;
  persons: { name: string; public_name: string }[];
  links: never[];
  attachments: never[];
}

export interface ScheduleJsonDay {
  index: number;
  date: string;
  day_start: string;
  day_end: string;
  rooms: Record<string, ScheduleJsonEvent[]>;
}

export interface ScheduleJson {
  $schema: string;
  generator: { name: string };
  schedule: {
    version: string;
    base_url?: string;
    conference: {
      acronym: string;
      title: string;
      start: string;
      end: string;
      daysCount: number;
      timeslot_duration: string;
      time_zone_name?: string;
      url?: string;
      rooms: { name: string; guid: string }[];
      days: ScheduleJsonDay[];
    };
  };
}

const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/** RFC 9562 UUID version 5 (SHA-1, name-based): the same name always gives the same UUID. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// These names are part of every exported guid: changing them changes the identity of every session.
const SESSION_NAMESPACE = uuidV5('https://eventday.invalid/schedule/sessions', URL_NAMESPACE);
const ROOM_NAMESPACE = uuidV5('https://eventday.invalid/schedule/rooms', URL_NAMESPACE);

/** The schedule.json guid of a session; importers re-key on it, so it never changes for a session id. */
export function sessionGuid(sessionId: string): string {
  return uuidV5(sessionId, SESSION_NAMESPACE);
}

export function roomGuid(roomId: string): string {
  return uuidV5(roomId, ROOM_NAMESPACE);
}

export const CANCELLED_PREFIX = 'CANCELLED: ';

const INT31 = 0x7fffffff;

/**
 * The deprecated integer `id` is still required by the schema and still read by older apps as
 * an int32. It is hashed from the session id so it survives exports; a rare collision is moved
 * to the next free number, visiting sessions in id order so the outcome does not depend on input order.
 */
function numericIds(sessionIds: string[]): Map<string, number> {
  const used = new Set<number>();
  const ids = new Map<string, number>();
  for (const id of [...new Set(sessionIds)].sort()) {
    let n = (createHash('sha1').update(id, 'utf8').digest().readUInt32BE(0) & INT31) || 1;
    while (used.has(n)) n = (n % INT31) + 1;
    used.add(n);
    ids.set(id, n);
  }
  return ids;
}

function slugify(s: string, max: number): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, max)
    .replace(/^_+|_+$/g, '');
}

/** The schema wants ^[a-z0-9_-][a-z0-9_]{3,}: no hyphens after the first character, at least four characters. */
function acronymOf(event: ExportInput['event']): string {
  const base = slugify(event.slug ?? event.name, 40);
  if (base === '') return 'eventday';
  return base.length >= 4 ? base : `${base}_eventday`;
}

// The c3voc schema only accepts zone names of this shape; a zone outside it is left out, the offsets in each date still say it all.
const SCHEMA_ZONE = /^([A-Z][a-z]+\/[A-Z][a-z]+)|UTC$/;

function civil(date: string): CivilDate {
  const parsed = parseDate(date);
  if (parsed === null) throw new RangeError(`Not a calendar date: "${date}"`);
  return parsed;
}

function instant(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not an ISO 8601 time: "${iso}"`);
  return ms;
}

function subtitleOf(s: ExportSession): string {
  const parts: string[] = [];
  if (s.status !== 'cancelled' && s.delayMinutes > 0) parts.push(`Delayed by ${s.delayMinutes} min`);
  if (s.changeNote !== null && s.changeNote.trim() !== '') parts.push(s.changeNote.trim());
  return parts.join(' – ');
}

/**
 * The programme as schedule.json v1, valid against the c3voc schema. Days are calendar days in
 * the event's zone; every day lists every room. Cancelled sessions stay in the file so that apps
 * can show them as cancelled: schedule.json v1 has no status field, so the title carries
 * "CANCELLED: " (what Fahrplan apps display) and `do_not_record` is set (what the c3voc recording
 * tracker reads to skip a talk).
 */
export function toScheduleJson(input: ExportInput, opts: ExportOptions = {}): ScheduleJson {
  const timeZone = normalizeTimeZone(input.event.timeZone);
  if (timeZone === null) throw new RangeError(`Unknown time zone "${input.event.timeZone}"`);
  const zone: Zone = { kind: 'iana', name: timeZone };
  const acronym = acronymOf(input.event);

  const roomNames = new Map<string, string>();
  const taken = new Set<string>();
  for (const room of input.rooms) {
    // Rooms are keyed by name in schedule.json, so two rooms with one name would merge.
    const name = taken.has(room.name) ? `${room.name} (${room.id})` : room.name;
    taken.add(name);
    roomNames.set(room.id, name);
  }

  const ids = numericIds(input.sessions.map((s) => s.id));
  const timed = input.sessions.map((s) => {
    const start = instant(s.startsAt, `startsAt of session ${s.id}`);
    // One inverted session must not take down the public feed; it shows as zero-length instead.
    const end = Math.max(start, instant(s.endsAt, `endsAt of session ${s.id}`));
    const room = roomNames.get(s.roomId);
    if (room === undefined) throw new RangeError(`Session ${s.id} is in unknown room ${s.roomId}`);
    return { s, start, end, room, date: localDateOf(start, zone) };
  });
  timed.sort((a, b) => a.start - b.start || a.s.title.localeCompare(b.s.title) || (a.s.id < b.s.id ? -1 : 1));

  const dates = timed.map((t) => t.date).sort();
  const today = localDateOf((opts.now ?? new Date()).getTime(), zone);
  const firstDate = civil(dates[0] ?? today);
  const lastDate = civil(dates[dates.length - 1] ?? today);

  const days: ScheduleJsonDay[] = [];
  for (let date: CivilDate = firstDate, index = 1; formatDate(date) <= formatDate(lastDate); date = addDays(date, 1), index++) {
    const key = formatDate(date);
    const dayStart = wallClockToUtc(zone, { ...date, hour: 0, minute: 0, second: 0 });
    const nextDayStart = wallClockToUtc(zone, { ...addDays(date, 1), hour: 0, minute: 0, second: 0 });
    const onDay = timed.filter((t) => t.date === key);
    const dayEnd = Math.max(nextDayStart - 1000, ...onDay.map((t) => t.end));
    const rooms = new Map<string, ScheduleJsonEvent[]>([...roomNames.values()].map((name) => [name, []]));
    for (const { s, start, end, room } of onDay) {
      const guid = sessionGuid(s.id);
      const id = ids.get(s.id) ?? 1;
      const cancelled = s.status === 'cancelled';
      const titleSlug = slugify(s.title, 50);
      rooms.get(room)?.push({
        guid,
        id,
        date: formatLocalIso(start, zone),
        start: formatTimeOfDay(toWallClock(start, zone)),
        end: formatLocalIso(end, zone),
        duration: formatDuration(end - start),
        room,
        slug: titleSlug === '' ? `${acronym}-${id}` : `${acronym}-${id}-${titleSlug}`,
        // eventday has no public page per session; a URN keeps the required url honest instead of pointing nowhere.
        url: `urn:uuid:${guid}`,
        title: cancelled ? `${CANCELLED_PREFIX}${s.title}` : s.title,
        subtitle: subtitleOf(s),
        track: s.theme === null ? null : `Theme ${s.theme}`,
        type: s.type,
        language: s.language ?? null,
        abstract: '',
        description: s.description ?? null,
        recording_license: '',
        do_not_record: cancelled,
        persons: s.speakers.map((name) => ({ name, public_name: name })),
        links: [],
        attachments: [],
      });
    }
    days.push({
      index,
      date: key,
      day_start: formatLocalIso(dayStart, zone),
      day_end: formatLocalIso(dayEnd, zone),
      // fromEntries defines own properties, so a room called "__proto__" stays a room.
      rooms: Object.fromEntries(rooms),
    });
  }

  const baseUrl = input.event.baseUrl;
  return {
    $schema: 'https://c3voc.de/schedule/schema.json',
    generator: { name: 'eventday' },
    schedule: {
      // Apps refetch when the version changes, so it is a digest of everything exported.
      version: createHash('sha1').update(JSON.stringify(input)).digest('hex').slice(0, 12),
      ...(baseUrl === undefined ? {} : { base_url: baseUrl }),
      conference: {
        acronym,
        title: input.event.name,
        start: formatDate(firstDate),
        end: formatDate(lastDate),
        daysCount: days.length,
        timeslot_duration: '00:05',
        ...(SCHEMA_ZONE.test(timeZone) ? { time_zone_name: timeZone } : {}),
        ...(baseUrl === undefined ? {} : { url: baseUrl }),
        rooms: input.rooms.map((r) => ({ name: roomNames.get(r.id) ?? r.name, guid: roomGuid(r.id) })),
        days,
      },
    },
  };
}
