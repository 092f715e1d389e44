// The one export model of the live programme (conference days, identity and metadata as imported), and schedule.json v1 (the c3voc schema) written from it.
import { createHash } from 'node:crypto';
import {
  addDays,
  formatDate,
  formatDuration,
  formatLocalIso,
  formatTimeOfDay,
  normalizeTimeZone,
  parseDate,
  parseTimeOfDay,
  toWallClock,
  wallClockToUtc,
} from '../core/time.js';
import type { CivilDate, Zone } from '../core/time.js';
import type { SessionSource, SourceLink, SourcePerson } from './schedule-import.js';
import { roomGuid, sessionGuid, UUID } from './uuid.js';

export { roomGuid, sessionGuid, uuidV5 } from './uuid.js';

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
  /** The stored guid (imported sessions); absent: derived from the session id. */
  guid?: string;
  /** What the imported file said about the session. */
  source?: SessionSource;
}

export interface ExportInput {
  event: {
    name: string;
    timeZone: string;
    slug?: string;
    baseUrl?: string;
    acronym?: string;
    url?: string;
    /** Local HH:MM at which a conference day turns into the next; absent: midnight. */
    dayChange?: string;
  };
  rooms: { id: string; name: string; guid?: string }[];
  sessions: ExportSession[];
}

export interface ExportOptions {
  /** Only used to date an empty programme, which has no session to take its days from. */
  now?: Date;
}

/** One session as every format writes it. */
export interface ProgrammeEvent {
  sessionId: string;
  guid: string;
  id: number;
  code?: string;
  start: number;
  end: number;
  room: string;
  /** Valid for schedule.json (`^[a-z0-9_-]+[a-z0-9]$`), unique. */
  slug: string;
  /** Also valid for the XSD (voc-slug-new), unique; absent when none fits. */
  xmlSlug?: string;
  url: string;
  title: string;
  subtitle: string;
  track: string | null;
  type: string;
  language: string | null;
  abstract: string;
  description: string | null;
  recordingLicense: string;
  doNotRecord: boolean;
  persons: SourcePerson[];
  links: SourceLink[];
  cancelled: boolean;
  version: number;
  /** For calendars: the session's own words (delay, change note, speakers, description). */
  status: ExportSessionStatus;
  delayMinutes: number;
  changeNote: string | null;
  speakers: string[];
  sessionDescription: string | null;
}

export interface ProgrammeDay {
  index: number;
  date: string;
  start: number;
  end: number;
  rooms: { name: string; guid: string; events: ProgrammeEvent[] }[];
}

export interface Programme {
  title: string;
  acronym: string;
  zone: Zone;
  timeZone: string;
  /** The zone name when the c3voc schema accepts it. */
  schemaZone?: string;
  baseUrl?: string;
  url?: string;
  start: string;
  end: string;
  dayChange: string;
  rooms: { name: string; guid: string }[];
  days: ProgrammeDay[];
  events: ProgrammeEvent[];
  version: string;
}

export interface ScheduleJsonPerson {
  id?: number;
  guid?: string;
  name?: string;
  public_name: string;
}

export interface ScheduleJsonEvent {
  guid: string;
  id: number;
  code?: string;
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
  persons: ScheduleJsonPerson[];
  links: { url: string; title: string; type?: string }[];
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

export const CANCELLED_PREFIX = 'CANCELLED: ';

const INT31 = 0x7fffffff;

function hashId(guid: string): number {
  return (createHash('sha1').update(guid, 'utf8').digest().readUInt32BE(0) & INT31) || 1;
}

/**
 * The deprecated integer `id` is still required by both schemas and read by older apps as an
 * int32: the file's own id when it had one, else hashed from the guid (so two instances agree);
 * a collision moves to the next free number, in guid order so input order does not matter.
 */
function numericIds(sessions: { guid: string; sourceId?: string }[]): Map<string, number> {
  const used = new Set<number>();
  const ids = new Map<string, number>();
  const sorted = [...sessions].sort((a, b) => (a.guid < b.guid ? -1 : a.guid > b.guid ? 1 : 0));
  for (const s of sorted) {
    const own = s.sourceId !== undefined && /^[1-9][0-9]{0,9}$/.test(s.sourceId) ? Number(s.sourceId) : null;
    if (own !== null && own <= INT31 && !used.has(own)) {
      used.add(own);
      ids.set(s.guid, own);
    }
  }
  for (const s of sorted) {
    if (ids.has(s.guid)) continue;
    let n = hashId(s.guid);
    while (used.has(n)) n = (n % INT31) + 1;
    used.add(n);
    ids.set(s.guid, n);
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

// Both schemas: the JSON one wants ^[a-z0-9_-][a-z0-9_]{3,}, the XSD [a-z0-9_-]{4,}.
const ACRONYM = /^[a-z0-9_-][a-z0-9_]{3,}$/;
const JSON_SLUG = /^[a-z0-9_-]+[a-z0-9]$/;
const XML_SLUG = /^[a-z0-9_]{4,}-[a-z0-9_-]{4,}$/;
const JSON_CODE = /^[A-Z0-9]+$/;
const LINK_TYPES = new Set(['slides', 'paper', 'web', 'blog', 'article', 'media', 'related', 'activitypub']);

/** The imported acronym when both schemas accept it, else one made from the event's slug or name. */
function acronymOf(event: ExportInput['event']): string {
  if (event.acronym !== undefined && ACRONYM.test(event.acronym)) return event.acronym;
  const base = slugify(event.acronym ?? event.slug ?? event.name, 40);
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

function isUri(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(s) && URL.canParse(s);
}

export function isHttpUrl(s: string | undefined): s is string {
  return s !== undefined && /^https?:\/\//i.test(s) && URL.canParse(s);
}

function subtitleOf(s: ExportSession): string {
  const parts: string[] = [];
  if (s.source?.subtitle !== undefined) parts.push(s.source.subtitle);
  if (s.status !== 'cancelled' && s.delayMinutes > 0) parts.push(`Delayed by ${s.delayMinutes} min`);
  if (s.changeNote !== null && s.changeNote.trim() !== '') parts.push(s.changeNote.trim());
  return parts.join(' – ');
}

/** The file's track while the session's theme still says what the track said; an edited theme wins. */
function trackOf(s: ExportSession): string | null {
  const track = s.source?.track;
  if (track !== undefined) {
    const theme = /^\s*theme\s*([123])\s*$/i.exec(track);
    if ((theme ? Number(theme[1]) : null) === s.theme) return track;
  }
  return s.theme === null ? null : `Theme ${s.theme}`;
}

/** The file's abstract and description while the session's description is still what the importer made of them. */
function textsOf(s: ExportSession): { abstract: string; description: string | null } {
  const src = s.source;
  if (src !== undefined) {
    const merged =
      [src.abstract, src.description]
        .filter((x): x is string => x !== undefined)
        .filter((x, i, all) => all.indexOf(x) === i)
        .join('\n\n') || null;
    if (merged === (s.description ?? null)) return { abstract: src.abstract ?? '', description: src.description ?? null };
  }
  return { abstract: '', description: s.description ?? null };
}

function personsOf(s: ExportSession): SourcePerson[] {
  const persons = s.source?.persons;
  if (persons !== undefined && persons.length === s.speakers.length && persons.every((p, i) => p.publicName === s.speakers[i])) return persons;
  return s.speakers.map((publicName) => ({ publicName }));
}

function dayChangeSeconds(dayChange: string | undefined): number {
  const seconds = dayChange === undefined ? null : parseTimeOfDay(dayChange);
  return seconds === null || seconds >= 86_400 ? 0 : seconds;
}

function formatDayChange(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function dayStartOf(zone: Zone, date: CivilDate, change: number): number {
  return wallClockToUtc(zone, { ...date, hour: Math.floor(change / 3600), minute: Math.floor(change / 60) % 60, second: change % 60 });
}

/** The conference day of an instant: the local date, or the one before when it falls before the day change. */
function conferenceDate(ms: number, zone: Zone, change: number): string {
  const local = toWallClock(ms, zone);
  const seconds = local.hour * 3600 + local.minute * 60 + local.second;
  return seconds < change ? formatDate(addDays(local, -1)) : formatDate(local);
}

/**
 * The programme as every export writes it. Days are conference days in the programme's zone: a
 * day runs from its day change (the imported `day_change`, else midnight) to the next, so a
 * session after midnight stays on the day it belongs to; every day lists every room. Cancelled
 * sessions stay so that apps can show them: the title carries "CANCELLED: " and
 * `do_not_record` is set. Identity and metadata are the imported ones where there are any.
 */
export function exportProgramme(input: ExportInput, opts: ExportOptions = {}): Programme {
  const timeZone = normalizeTimeZone(input.event.timeZone);
  if (timeZone === null) throw new RangeError(`Unknown time zone "${input.event.timeZone}"`);
  const zone: Zone = { kind: 'iana', name: timeZone };
  const acronym = acronymOf(input.event);
  const change = dayChangeSeconds(input.event.dayChange);

  const roomNames = new Map<string, string>();
  const roomGuids = new Map<string, string>();
  const taken = new Set<string>();
  for (const room of input.rooms) {
    // Rooms are keyed by name in schedule.json, so two rooms with one name would merge.
    const name = taken.has(room.name) ? `${room.name} (${room.id})` : room.name;
    taken.add(name);
    roomNames.set(room.id, name);
    roomGuids.set(name, room.guid !== undefined && UUID.test(room.guid) ? room.guid : roomGuid(room.id));
  }

  const guids = new Map(input.sessions.map((s) => [s.id, s.guid ?? sessionGuid(s.id)]));
  const ids = numericIds(input.sessions.map((s) => ({ guid: guids.get(s.id)!, ...(s.source?.id === undefined ? {} : { sourceId: s.source.id }) })));
  const timed = input.sessions.map((s) => {
    const start = instant(s.startsAt, `startsAt of session ${s.id}`);
    // One inverted session must not take down the public feed; it shows as zero-length instead.
    const end = Math.max(start, instant(s.endsAt, `endsAt of session ${s.id}`));
    const room = roomNames.get(s.roomId);
    if (room === undefined) throw new RangeError(`Session ${s.id} is in unknown room ${s.roomId}`);
    return { s, start, end, room, date: conferenceDate(start, zone, change) };
  });
  timed.sort((a, b) => a.start - b.start || a.s.title.localeCompare(b.s.title) || (a.s.id < b.s.id ? -1 : 1));

  const slugs = new Set<string>();
  const xmlSlugs = new Set<string>();
  const codes = new Set<string>();
  const events = new Map<string, ProgrammeEvent>();
  for (const { s, start, end, room } of timed) {
    const guid = guids.get(s.id)!;
    const id = ids.get(guid)!;
    const cancelled = s.status === 'cancelled';
    const src = s.source;
    const titleSlug = slugify(s.title, 50);
    const made = titleSlug === '' ? `${acronym}-${id}` : `${acronym}-${id}-${titleSlug}`;
    const slug = src?.slug !== undefined && JSON_SLUG.test(src.slug) && !slugs.has(src.slug) ? src.slug : made;
    slugs.add(slug);
    const xmlSlug = [src?.slug, made].find((x): x is string => x !== undefined && XML_SLUG.test(x) && !xmlSlugs.has(x));
    if (xmlSlug !== undefined) xmlSlugs.add(xmlSlug);
    const code = src?.code !== undefined && JSON_CODE.test(src.code) && !codes.has(src.code) ? src.code : undefined;
    if (code !== undefined) codes.add(code);
    events.set(s.id, {
      sessionId: s.id,
      guid,
      id,
      ...(code === undefined ? {} : { code }),
      start,
      end,
      room,
      slug,
      ...(xmlSlug === undefined ? {} : { xmlSlug }),
      // A session without a page of its own gets a URN: the required url stays honest instead of pointing nowhere.
      url: src?.url !== undefined && isUri(src.url) ? src.url : `urn:uuid:${guid}`,
      title: cancelled ? `${CANCELLED_PREFIX}${s.title}` : s.title,
      subtitle: subtitleOf(s),
      track: trackOf(s),
      type: s.type,
      language: s.language ?? null,
      ...textsOf(s),
      recordingLicense: src?.recordingLicense ?? '',
      doNotRecord: cancelled || src?.doNotRecord === true,
      persons: personsOf(s),
      links: (src?.links ?? []).filter((l) => isUri(l.url)),
      cancelled,
      version: s.version,
      status: s.status,
      delayMinutes: s.delayMinutes,
      changeNote: s.changeNote,
      speakers: s.speakers,
      sessionDescription: s.description ?? null,
    });
  }

  const dates = timed.map((t) => t.date).sort();
  const today = conferenceDate((opts.now ?? new Date()).getTime(), zone, change);
  const firstDate = civil(dates[0] ?? today);
  const lastDate = civil(dates[dates.length - 1] ?? today);

  const days: ProgrammeDay[] = [];
  for (let date: CivilDate = firstDate, index = 1; formatDate(date) <= formatDate(lastDate); date = addDays(date, 1), index++) {
    const key = formatDate(date);
    const dayStart = dayStartOf(zone, date, change);
    const nextDayStart = dayStartOf(zone, addDays(date, 1), change);
    const onDay = timed.filter((t) => t.date === key);
    const dayEnd = Math.max(nextDayStart - 1000, ...onDay.map((t) => t.end));
    const rooms = [...roomNames.values()].map((name) => ({
      name,
      guid: roomGuids.get(name)!,
      events: onDay.filter((t) => t.room === name).map((t) => events.get(t.s.id)!),
    }));
    days.push({ index, date: key, start: dayStart, end: dayEnd, rooms });
  }

  const { baseUrl, url } = input.event;
  return {
    title: input.event.name,
    acronym,
    zone,
    timeZone,
    ...(SCHEMA_ZONE.test(timeZone) ? { schemaZone: timeZone } : {}),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(url ?? baseUrl) === undefined ? {} : { url: url ?? baseUrl },
    start: formatDate(firstDate),
    end: formatDate(lastDate),
    dayChange: formatDayChange(change),
    rooms: [...roomGuids].map(([name, guid]) => ({ name, guid })),
    days,
    events: timed.map((t) => events.get(t.s.id)!),
    // Apps refetch when the version changes, so it is a digest of everything exported.
    version: createHash('sha1').update(JSON.stringify(input)).digest('hex').slice(0, 12),
  };
}

function jsonPerson(p: SourcePerson): ScheduleJsonPerson {
  // The schema's Person is oneOf frab (id + public_name) and pretalx (name): a person must match exactly one.
  const guid = p.guid !== undefined && UUID.test(p.guid) ? { guid: p.guid } : {};
  return p.id === undefined ? { name: p.name ?? p.publicName, public_name: p.publicName, ...guid } : { id: p.id, public_name: p.publicName, ...guid };
}

function jsonEvent(e: ProgrammeEvent, zone: Zone): ScheduleJsonEvent {
  return {
    guid: e.guid,
    id: e.id,
    ...(e.code === undefined ? {} : { code: e.code }),
    date: formatLocalIso(e.start, zone),
    start: formatTimeOfDay(toWallClock(e.start, zone)),
    end: formatLocalIso(e.end, zone),
    duration: formatDuration(e.end - e.start),
    room: e.room,
    slug: e.slug,
    url: e.url,
    title: e.title,
    subtitle: e.subtitle,
    track: e.track,
    type: e.type,
    language: e.language,
    abstract: e.abstract,
    description: e.description,
    recording_license: e.recordingLicense,
    do_not_record: e.doNotRecord,
    persons: e.persons.map(jsonPerson),
    links: e.links.map((l) => ({ url: l.url, title: l.title, ...(l.type !== undefined && LINK_TYPES.has(l.type) ? { type: l.type } : {}) })),
    attachments: [],
  };
}

/** The programme as schedule.json v1, valid against the c3voc schema. */
export function toScheduleJson(input: ExportInput, opts: ExportOptions = {}): ScheduleJson {
  const p = exportProgramme(input, opts);
  return {
    $schema: 'https://c3voc.de/schedule/schema.json',
    generator: { name: 'eventday' },
    schedule: {
      version: p.version,
      ...(p.baseUrl === undefined ? {} : { base_url: p.baseUrl }),
      conference: {
        acronym: p.acronym,
        title: p.title,
        start: p.start,
        end: p.end,
        daysCount: p.days.length,
        timeslot_duration: '00:05',
        ...(p.schemaZone === undefined ? {} : { time_zone_name: p.schemaZone }),
        ...(p.url === undefined ? {} : { url: p.url }),
        rooms: p.rooms,
        days: p.days.map((d) => ({
          index: d.index,
          date: d.date,
          day_start: formatLocalIso(d.start, p.zone),
          day_end: formatLocalIso(d.end, p.zone),
          // fromEntries defines own properties, so a room called "__proto__" stays a room.
          rooms: Object.fromEntries(d.rooms.map((r) => [r.name, r.events.map((e) => jsonEvent(e, p.zone))])),
        })),
      },
    },
  };
}
