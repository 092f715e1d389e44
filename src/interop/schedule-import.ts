// Reads frab/pretalx schedule.json (v1 and v2) and frab/pentabarf/wafer schedule XML into one neutral programme with absolute UTC times.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  addDays,
  formatDate,
  localDateOf,
  normalizeTimeZone,
  offsetMinutesAt,
  parseDate,
  parseDateTime,
  parseDurationMs,
  parseInstant,
  parseTimeOfDay,
  toWallClock,
  wallClockToUtc,
} from '../core/time.js';
import type { Zone } from '../core/time.js';

/** Something the importer noticed and worked around: a stable `code` and a sentence for the person who uploaded the file. */
export interface ScheduleWarning {
  code: string;
  detail: string;
}

export interface ParsedProgramme {
  conference: {
    title: string;
    acronym?: string;
    timeZone: string | null;
    start?: string;
    end?: string;
    /** Local time (HH:MM) at which one conference day turns into the next: the file's day_change, else read from its day windows. */
    dayChange?: string;
    url?: string;
    baseUrl?: string;
  };
  /** Identified by name: real files reuse one guid for several rooms. */
  rooms: { name: string; guid?: string }[];
  sessions: ParsedSession[];
  warnings: ScheduleWarning[];
  /** Keys the file gives to two different events (only the first listing is in `sessions`); the importer refuses such a file. */
  conflictingKeys: string[];
  /** Dates (YYYY-MM-DD, as the file writes them) of days that list no rooms: the file says nothing about them. */
  emptyDays: string[];
  /** True when a day without rooms has no readable date: nothing can be scoped to it. */
  emptyDayUndated: boolean;
}

export interface ParsedSession {
  /** "guid:<lowercase guid>", else "code:<pretalx code>", else "id:<id>". */
  key: string;
  title: string;
  roomName: string;
  startsAt: number;
  endsAt: number;
  type: string | null;
  track: string | null;
  language: string | null;
  speakers: string[];
  description: string | null;
  url: string | null;
  slug: string | null;
  /** Marked cancelled by the file (a "CANCELLED:" title prefix or a v2 state); the prefix is removed from `title`. */
  cancelled: boolean;
  /** What the file says about the session's identity and metadata, kept to be exported as it came in. */
  source: SessionSource;
}

export interface SourcePerson {
  publicName: string;
  name?: string;
  id?: number;
  guid?: string;
}

export interface SourceLink {
  url: string;
  title: string;
  type?: string;
}

/** A session's identity and metadata as its file gave them; absent fields were absent (or empty) in the file. */
export interface SessionSource {
  guid?: string;
  id?: string;
  code?: string;
  slug?: string;
  url?: string;
  track?: string;
  subtitle?: string;
  abstract?: string;
  description?: string;
  language?: string;
  doNotRecord?: boolean;
  recordingLicense?: string;
  persons: SourcePerson[];
  links: SourceLink[];
}

export interface ParseScheduleOptions {
  contentType?: string;
  /** The zone to assume when the file names none, or names one its own times contradict. */
  fallbackTimeZone?: string;
}

/** A schedule that cannot be read; `message` is written for the person who uploaded it. */
export class ScheduleImportError extends Error {
  override readonly name = 'ScheduleImportError';
  readonly code = 'invalid_schedule';
}

interface RawEvent {
  label: string;
  guid?: string;
  code?: string;
  id?: string;
  date?: string;
  start?: string;
  end?: string;
  duration?: unknown;
  room?: string;
  roomGuid?: string;
  title?: string;
  type?: string;
  track?: string;
  language?: string;
  abstract?: string;
  description?: string;
  speakers: string[];
  url?: string;
  slug?: string;
  zone?: string;
  state?: string;
  subtitle?: string;
  recordingLicense?: string;
  doNotRecord?: boolean;
  persons: SourcePerson[];
  links: SourceLink[];
}

interface RawRoomGroup {
  name?: string;
  guid?: string;
  events: RawEvent[];
}

interface RawDay {
  date?: string;
  start?: string;
  end?: string;
  rooms: RawRoomGroup[];
}

interface RawProgramme {
  conference: {
    title?: string;
    acronym?: string;
    timeZone?: string;
    start?: string;
    end?: string;
    dayChange?: string;
    url?: string;
    baseUrl?: string;
  };
  rooms: { name: string; guid?: string }[];
  days: RawDay[];
}

type Json = Record<string, unknown>;

function record(x: unknown): Json | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Json) : undefined;
}

function list(x: unknown): unknown[] {
  if (x === undefined || x === null || x === '') return [];
  return Array.isArray(x) ? x : [x];
}

/** A trimmed, non-empty string from a string or number; XML text nodes with attributes arrive as { '#text' }. */
function text(x: unknown): string | undefined {
  if (typeof x === 'number' && Number.isFinite(x)) return String(x);
  if (typeof x === 'string') return x.trim() === '' ? undefined : x.trim();
  if (Array.isArray(x)) return text(x[0]);
  const r = record(x);
  return r ? text(r['#text']) : undefined;
}

/** schedule.json v2 allows { en: "...", de: "..." } wherever text is expected. */
function localized(x: unknown): string | undefined {
  const direct = text(x);
  if (direct !== undefined || typeof x === 'string') return direct;
  const r = record(x);
  if (!r) return undefined;
  return text(r['en']) ?? Object.values(r).map(text).find((v) => v !== undefined);
}

function describe(title: string | undefined, id: string | undefined, guid: string | undefined): string {
  const name = title ? `"${title.length > 60 ? `${title.slice(0, 57)}...` : title}"` : 'untitled event';
  const ref = id ?? guid;
  return ref ? `event ${name} (${ref})` : `event ${name}`;
}

function personNames(x: unknown): string[] {
  const names: string[] = [];
  for (const p of list(x)) {
    const r = record(p);
    const name = r
      ? text(r['public_name']) ?? text(r['name']) ?? text(r['full_public_name']) ?? text(r['full_name']) ?? text(r['#text'])
      : text(p);
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

function sourcePersons(x: unknown): SourcePerson[] {
  const persons: SourcePerson[] = [];
  for (const p of list(x)) {
    const r = record(p);
    const publicName = r
      ? text(r['public_name']) ?? text(r['name']) ?? text(r['full_public_name']) ?? text(r['full_name']) ?? text(r['#text'])
      : text(p);
    if (publicName === undefined) continue;
    const id = r ? Number(text(r['id']) ?? text(r['@_id'])) : Number.NaN;
    const name = r ? text(r['name']) : undefined;
    const guid = r ? text(r['guid']) ?? text(r['@_guid']) : undefined;
    persons.push({
      publicName,
      ...(name === undefined || name === publicName ? {} : { name }),
      ...(Number.isSafeInteger(id) ? { id } : {}),
      ...(guid === undefined ? {} : { guid }),
    });
  }
  return persons;
}

function sourceLinks(x: unknown): SourceLink[] {
  const links: SourceLink[] = [];
  for (const l of list(x)) {
    const r = record(l);
    const url = r ? text(r['url']) ?? text(r['@_href']) : text(l);
    if (url === undefined) continue;
    const title = (r ? text(r['title']) ?? text(r['#text']) : undefined) ?? url;
    const type = r ? text(r['type']) ?? text(r['@_type']) : undefined;
    links.push({ url, title, ...(type === undefined ? {} : { type }) });
  }
  return links;
}

function flag(x: unknown): boolean | undefined {
  if (typeof x === 'boolean') return x;
  const t = text(x)?.toLowerCase();
  return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : undefined;
}

function jsonEvent(e: Json): RawEvent {
  const title = localized(e['title']);
  const id = text(e['id']);
  const guid = text(e['guid']);
  const room = e['room'];
  const roomRecord = record(room);
  const track = record(e['track']);
  const start = text(e['start']);
  return {
    label: describe(title, id, guid),
    ...optional({
      guid,
      code: text(e['code']),
      id,
      // v2 writes the absolute start under "start"; v1 writes it under "date" and a local "HH:MM" under "start".
      date: text(e['date']) ?? (start?.includes('T') ? start : undefined),
      start: start?.includes('T') ? undefined : start,
      end: text(e['end']),
      room: roomRecord ? text(roomRecord['name']) : text(room),
      roomGuid: roomRecord ? text(roomRecord['guid']) : undefined,
      title,
      type: text(e['type']),
      track: track ? text(track['name']) ?? text(track['slug']) : text(e['track']),
      language: text(e['language']),
      abstract: localized(e['abstract']),
      description: localized(e['description']),
      url: text(e['url']),
      slug: text(e['slug']),
      zone: text(e['time_zone_name']) ?? text(e['timezone']),
      state: text(e['state']),
      subtitle: localized(e['subtitle']),
      recordingLicense: text(e['recording_license']),
    }),
    duration: e['duration'],
    speakers: personNames(e['persons'] ?? e['participants']),
    persons: sourcePersons(e['persons'] ?? e['participants']),
    links: sourceLinks(e['links']),
    ...definedFlag(flag(e['do_not_record'])),
  };
}

function definedFlag(doNotRecord: boolean | undefined): { doNotRecord?: boolean } {
  return doNotRecord === undefined ? {} : { doNotRecord };
}

/** Keeps only the fields that have a value, so optional properties are absent rather than undefined. */
function optional<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k as keyof T] = v;
  return out;
}

function jsonRooms(x: unknown): { name: string; guid?: string }[] {
  const rooms: { name: string; guid?: string }[] = [];
  for (const r of list(x)) {
    const room = record(r);
    const name = room ? text(room['name']) : text(r);
    if (name === undefined) continue;
    const guid = room ? text(room['guid']) : undefined;
    rooms.push(guid === undefined ? { name } : { name, guid });
  }
  return rooms;
}

function fromJson(doc: unknown): RawProgramme {
  const root = record(doc);
  const schedule = record(root?.['schedule']) ?? (root && 'conference' in root ? root : undefined);
  if (!schedule) throw new ScheduleImportError('This JSON is not a schedule: it has no "schedule" object.');
  const conference = record(schedule['conference']);
  if (!conference) throw new ScheduleImportError('The schedule has no "conference" object.');
  const confRooms = jsonRooms(conference['rooms'] ?? schedule['rooms']);
  const days: RawDay[] = [];

  for (const d of list(conference['days'])) {
    const day = record(d);
    if (!day) continue;
    const rooms: RawRoomGroup[] = [];
    const dayRooms = day['rooms'];
    if (record(dayRooms)) {
      for (const [name, events] of Object.entries(dayRooms as Json)) {
        rooms.push({ name, events: list(events).map(record).filter((e) => e !== undefined).map(jsonEvent) });
      }
    }
    days.push({ ...optional({ date: text(day['date']), start: text(day['day_start']) ?? text(day['start']), end: text(day['day_end']) ?? text(day['end']) }), rooms });
  }

  // v2 keeps days as bare metadata and lists every event once, flat, with absolute start and end.
  const flat = list(schedule['events']).map(record).filter((e) => e !== undefined);
  if (flat.length > 0) days.push({ rooms: [{ events: flat.map(jsonEvent) }] });

  return {
    conference: optional({
      title: localized(conference['title']),
      acronym: text(conference['acronym']),
      timeZone: text(conference['time_zone_name']),
      start: text(conference['start']),
      end: text(conference['end']),
      dayChange: text(conference['day_change']),
      url: text(conference['url']),
      baseUrl: text(schedule['base_url']) ?? text(conference['base_url']),
    }),
    rooms: confRooms,
    days,
  };
}

function xmlEvent(e: Json): RawEvent {
  const title = text(e['title']);
  const id = text(e['@_id']);
  const guid = text(e['@_guid']);
  const persons = record(e['persons']);
  const recording = record(e['recording']);
  return {
    label: describe(title, id, guid),
    ...optional({
      guid,
      code: text(e['@_code']),
      id,
      date: text(e['date']),
      start: text(e['start']),
      end: text(e['end']),
      room: text(e['room']),
      title,
      type: text(e['type']),
      track: text(e['track']),
      language: text(e['language']),
      abstract: text(e['abstract']),
      description: text(e['description']),
      url: text(e['url']),
      slug: text(e['slug']),
      subtitle: text(e['subtitle']),
      recordingLicense: text(recording?.['license']),
    }),
    duration: text(e['duration']),
    speakers: personNames(persons?.['person']),
    persons: sourcePersons(persons?.['person']),
    links: sourceLinks(record(e['links'])?.['link']),
    ...definedFlag(flag(recording?.['optout'])),
  };
}

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Values like "00:45", "0100" or "2023" must stay text; numbers would lose their leading zeros.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

function fromXml(source: string): RawProgramme {
  const valid = XMLValidator.validate(source);
  if (valid !== true) {
    throw new ScheduleImportError(`The XML is not well-formed: ${valid.err.msg.replace(/\.$/, '')} (line ${valid.err.line}, column ${valid.err.col}).`);
  }
  let doc: unknown;
  try {
    doc = xmlParser.parse(source);
  } catch (err) {
    throw new ScheduleImportError(`The XML could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const schedule = record(record(doc)?.['schedule']);
  if (!schedule) throw new ScheduleImportError('This XML is not a schedule: it has no <schedule> root element.');
  const conference = record(schedule['conference']) ?? {};
  const confRooms = jsonRooms(
    list(record(conference['rooms'])?.['room']).map((r) => {
      const room = record(r);
      return room ? { name: text(room['@_name']) ?? text(room), guid: text(room['@_guid']) } : r;
    }),
  );
  const days: RawDay[] = list(schedule['day']).map((d) => {
    const day = record(d) ?? {};
    const rooms: RawRoomGroup[] = list(day['room']).map((r) => {
      const room = record(r) ?? {};
      return {
        ...optional({ name: text(room['@_name']), guid: text(room['@_guid']) }),
        events: list(room['event']).map(record).filter((e) => e !== undefined).map(xmlEvent),
      };
    });
    return { ...optional({ date: text(day['@_date']), start: text(day['@_start']), end: text(day['@_end']) }), rooms };
  });
  return {
    conference: optional({
      title: text(conference['title']),
      acronym: text(conference['acronym']),
      timeZone: text(conference['time_zone_name']),
      start: text(conference['start']),
      end: text(conference['end']),
      dayChange: text(conference['day_change']),
      url: text(conference['url']),
      baseUrl: text(conference['base_url']),
    }),
    rooms: confRooms,
    days,
  };
}

function decode(input: string | Buffer): string {
  const source = typeof input === 'string' ? input : input.toString('utf8');
  return source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
}

function readRaw(source: string, contentType: string | undefined, warnings: ScheduleWarning[]): RawProgramme {
  const first = source.trimStart()[0];
  const hint = contentType?.toLowerCase() ?? '';
  const isJson = first === '{' || first === '[' || (first !== '<' && hint.includes('json'));
  const isXml = first === '<' || (!isJson && hint.includes('xml'));
  // The content decides: an exporter's wrong label is common, and reading by the label fails on every byte.
  const labelled = hint.includes('json') ? 'JSON' : hint.includes('xml') ? 'XML' : null;
  const read = isJson ? 'JSON' : isXml ? 'XML' : null;
  if (labelled !== null && read !== null && labelled !== read) {
    warnings.push({
      code: 'content_type_mismatch',
      detail: `The file was sent as ${labelled} (${contentType ?? ''}) but holds ${read}; it was read as ${read}.`,
    });
  }
  if (isJson) {
    let doc: unknown;
    try {
      doc = JSON.parse(source);
    } catch (err) {
      throw new ScheduleImportError(`The file is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    return fromJson(doc);
  }
  if (isXml) return fromXml(source);
  throw new ScheduleImportError(
    'The file is neither a schedule.json (JSON) nor a schedule XML document.',
  );
}

/** Longer than this, a "session" is more likely a wrong duration or end (a day's span, a unit mix-up). */
const MAX_PLAUSIBLE_MS = 24 * 3_600_000;

const CANCELLED_TITLE = /^\s*(?:\[\s*(?:cancell?ed|abgesagt)\s*\]\s*:?|\(\s*(?:cancell?ed|abgesagt)\s*\)\s*:?|(?:cancell?ed|abgesagt)\s*:)\s*/i;

interface Placed {
  event: RawEvent;
  day: RawDay;
  group: RawRoomGroup;
  roomName: string;
  instant: number | null;
}

interface ZoneVerdict {
  checked: number;
  contradicted: number;
  example?: string;
}

/**
 * How far a declared zone agrees with the events: an event's local `start` must be the wall-clock
 * time of its absolute `date` in that zone. Without a `start`, only a non-UTC offset written in
 * the date can speak against the zone, because many exporters write every date in UTC.
 */
function judgeZone(zone: Zone, placed: Placed[]): ZoneVerdict {
  const verdict: ZoneVerdict = { checked: 0, contradicted: 0 };
  for (const p of placed) {
    if (p.instant === null || p.event.date === undefined) continue;
    const startSeconds = p.event.start === undefined ? null : parseTimeOfDay(p.event.start);
    const local = toWallClock(p.instant, zone);
    let agrees: boolean;
    if (startSeconds !== null) {
      agrees = Math.floor(startSeconds / 60) === local.hour * 60 + local.minute;
    } else {
      const written = parseDateTime(p.event.date)?.offsetMinutes;
      if (written === undefined || written === null || written === 0) continue;
      agrees = written === offsetMinutesAt(zone, p.instant);
    }
    verdict.checked += 1;
    if (!agrees) {
      verdict.contradicted += 1;
      verdict.example ??= `${p.event.label} is dated ${p.event.date}${p.event.start ? ` and starts at ${p.event.start} local time` : ''}`;
    }
  }
  return verdict;
}

function mostCommonOffset(placed: Placed[]): number | null {
  const counts = new Map<number, number>();
  for (const p of placed) {
    const offset = p.event.date === undefined ? null : parseDateTime(p.event.date)?.offsetMinutes;
    if (offset !== null && offset !== undefined) counts.set(offset, (counts.get(offset) ?? 0) + 1);
  }
  let best: number | null = null;
  for (const [offset, count] of counts) if (best === null || count > (counts.get(best) ?? 0)) best = offset;
  return best;
}

function sameSession(a: ParsedSession, b: ParsedSession): boolean {
  return (
    a.startsAt === b.startsAt &&
    a.endsAt === b.endsAt &&
    a.roomName === b.roomName &&
    a.title === b.title &&
    a.cancelled === b.cancelled
  );
}

function dateOnly(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(s);
  return m?.[1];
}

interface LocalClock {
  zone: Zone | null;
  /** The offset most event dates carry: the best guess for local times when the file has no believable zone. */
  evidenceOffset: number | null;
  dayChange: number | null;
  /** Per room of a day: the local start of the previous event, to notice a listing that runs past midnight. */
  lastStart: Map<RawRoomGroup, { seconds: number; rolled: boolean }>;
  note: (kind: string, detail: string) => void;
}

/** The instant of an event that has no absolute date: a local date-time, or a local "HH:MM" on its day. */
function localStart(p: Placed, clock: LocalClock): number {
  const { event, day } = p;
  const eventZone = event.zone === undefined ? null : normalizeTimeZone(event.zone);
  const dayStart = day.start === undefined ? null : parseDateTime(day.start);
  let wallZone: Zone | null = clock.zone;
  if (eventZone !== null) wallZone = { kind: 'iana', name: eventZone };
  else if (wallZone === null && dayStart !== null && dayStart.offsetMinutes !== null) wallZone = { kind: 'offset', minutes: dayStart.offsetMinutes };
  else if (wallZone === null && clock.evidenceOffset !== null) wallZone = { kind: 'offset', minutes: clock.evidenceOffset };

  const localDateTime = event.date === undefined ? null : parseDateTime(event.date);
  if (localDateTime !== null) {
    if (wallZone === null) throw noZone(event);
    return wallClockToUtc(wallZone, localDateTime.wall);
  }
  const seconds = event.start === undefined ? null : parseTimeOfDay(event.start);
  if (seconds === null) {
    throw new ScheduleImportError(
      event.date !== undefined || event.start !== undefined
        ? `The start of ${event.label} cannot be read (date "${event.date ?? ''}", start "${event.start ?? ''}").`
        : `${capitalize(event.label)} has no start time (neither "date" nor "start").`,
    );
  }
  if (wallZone === null) throw noZone(event);

  let date = event.date === undefined ? null : parseDate(event.date);
  if (date === null) {
    // A day's absolute start, seen in the event's zone, gives its local date and the hour it begins:
    // wafer writes the day date in UTC, which for zones east of UTC is the evening before.
    let dayStartSeconds: number | null = null;
    if (dayStart !== null) {
      const local =
        dayStart.offsetMinutes === null
          ? dayStart.wall
          : toWallClock(wallClockToUtc({ kind: 'offset', minutes: dayStart.offsetMinutes }, dayStart.wall), wallZone);
      date = local;
      dayStartSeconds = local.hour * 3600 + local.minute * 60 + local.second;
    } else if (day.date !== undefined) {
      date = parseDate(day.date);
    }
    if (date === null) {
      throw new ScheduleImportError(`${capitalize(event.label)} starts at ${event.start ?? ''} but its day has no readable date.`);
    }
    const threshold = dayStartSeconds ?? clock.dayChange;
    let nextDay: boolean;
    if (threshold !== null) {
      nextDay = seconds < threshold;
    } else {
      // Without a day start, exporters still list a room's events in order: a time earlier than the one before is after midnight.
      const previous = clock.lastStart.get(p.group);
      nextDay = previous !== undefined && (previous.rolled || seconds < previous.seconds);
      if (nextDay && previous?.rolled === false) {
        clock.note('rollover', `${event.label} at ${event.start ?? ''} on ${day.date ?? formatDate(date)}`);
      }
      clock.lastStart.set(p.group, { seconds, rolled: nextDay });
    }
    if (nextDay) date = addDays(date, 1);
  }
  return wallClockToUtc(wallZone, {
    ...date,
    hour: Math.floor(seconds / 3600),
    minute: Math.floor(seconds / 60) % 60,
    second: seconds % 60,
  });
}

/** An absolute `end` (schedule.json v2, and our own v1 export) wins over `duration`, which is rounded to the minute. */
function endOf(event: RawEvent, startsAt: number): number {
  const end = event.end === undefined ? null : parseInstant(event.end);
  if (end !== null && end >= startsAt) return end;
  const duration = parseDurationMs(event.duration);
  if (duration === null) {
    throw new ScheduleImportError(
      event.duration === undefined || event.duration === ''
        ? `${capitalize(event.label)} has no duration or end.`
        : `The duration of ${event.label} cannot be read: ${JSON.stringify(event.duration)}.`,
    );
  }
  return startsAt + duration;
}

function resolve(raw: RawProgramme, opts: ParseScheduleOptions, warnings: ScheduleWarning[]): ParsedProgramme {
  const warn = (code: string, detail: string): void => {
    warnings.push({ code, detail });
  };
  const notes = new Map<string, string[]>();
  const note = (kind: string, detail: string): void => {
    const seen = notes.get(kind) ?? [];
    seen.push(detail);
    notes.set(kind, seen);
  };

  const roomByGuid = new Map<string, string>();
  for (const r of raw.rooms) {
    const guid = r.guid?.toLowerCase();
    if (guid !== undefined && !roomByGuid.has(guid)) roomByGuid.set(guid, r.name);
  }

  const placed: Placed[] = [];
  for (const day of raw.days) {
    for (const group of day.rooms) {
      for (const event of group.events) {
        const fromEvent = event.room ?? (event.roomGuid === undefined ? undefined : roomByGuid.get(event.roomGuid.toLowerCase()));
        let roomName = group.name?.trim() || fromEvent;
        if (group.name !== undefined && fromEvent !== undefined && fromEvent !== group.name.trim()) {
          note('room-mismatch', `${event.label} is listed under "${group.name}" but names room "${fromEvent}"`);
        }
        if (roomName === undefined) {
          note('no-room', event.label);
          roomName = '(no room)';
        }
        placed.push({ event, day, group, roomName, instant: event.date === undefined ? null : parseInstant(event.date) });
      }
    }
  }

  let timeZone: string | null = null;
  const declaredName = raw.conference.timeZone;
  const declared = declaredName === undefined ? null : normalizeTimeZone(declaredName);
  const fallback = opts.fallbackTimeZone === undefined ? null : normalizeTimeZone(opts.fallbackTimeZone);
  if (opts.fallbackTimeZone !== undefined && fallback === null) {
    warn('fallback_zone_unknown', `The fallback time zone "${opts.fallbackTimeZone}" is not a known IANA zone and was ignored.`);
  }
  if (declaredName !== undefined && declared === null) {
    warn('time_zone_unknown', `time_zone_name "${declaredName}" is not a known IANA time zone; it was ignored.`);
  }
  if (declared !== null) {
    const verdict = judgeZone({ kind: 'iana', name: declared }, placed);
    if (verdict.contradicted * 2 > verdict.checked) {
      warn(
        'time_zone_contradicted',
        `time_zone_name "${declared}" contradicts ${verdict.contradicted} of ${verdict.checked} event times ` +
          `(${verdict.example ?? 'e.g.'}); the events' absolute dates were used and the zone was ` +
          (fallback === null ? 'left unknown.' : `taken as "${fallback}".`),
      );
    } else {
      timeZone = declared;
    }
  } else if (declaredName === undefined) {
    warn(
      'no_time_zone',
      'The file names no time zone (time_zone_name); the zone was ' +
        (fallback === null ? 'left unknown.' : `taken as "${fallback}".`),
    );
  }
  if (timeZone === null && fallback !== null) {
    timeZone = fallback;
    const verdict = judgeZone({ kind: 'iana', name: fallback }, placed);
    if (verdict.contradicted * 2 > verdict.checked) {
      warn('fallback_zone_contradicted', `The fallback time zone "${fallback}" does not match the file's event times either (${verdict.example ?? ''}).`);
    }
  }
  const zone: Zone | null = timeZone === null ? null : { kind: 'iana', name: timeZone };
  const clock: LocalClock = {
    zone,
    evidenceOffset: mostCommonOffset(placed),
    dayChange: raw.conference.dayChange === undefined ? null : parseTimeOfDay(raw.conference.dayChange),
    lastStart: new Map(),
    note,
  };

  const sessions = new Map<string, ParsedSession>();
  const conflictingKeys = new Set<string>();
  let unkeyed = 0;
  for (const p of placed) {
    const { event } = p;
    const startsAt = p.instant ?? localStart(p, clock);
    const endsAt = endOf(event, startsAt);
    if (endsAt === startsAt) note('zero-duration', event.label);
    else if (endsAt - startsAt > MAX_PLAUSIBLE_MS) note('over-24h', `${event.label} (${Math.round((endsAt - startsAt) / 3_600_000)} h)`);

    let title = event.title ?? '';
    let cancelled = event.state?.toUpperCase() === 'CANCELED' || event.state?.toUpperCase() === 'CANCELLED';
    const prefix = CANCELLED_TITLE.exec(title);
    if (prefix) {
      cancelled = true;
      title = title.slice(prefix[0].length).trim();
    }
    if (title === '') {
      note('untitled', event.label);
      title = '(untitled)';
    }

    let key: string;
    if (event.guid !== undefined) key = `guid:${event.guid.toLowerCase()}`;
    else if (event.code !== undefined) key = `code:${event.code}`;
    else if (event.id !== undefined) key = `id:${event.id}`;
    else {
      unkeyed += 1;
      key = `slot:${new Date(startsAt).toISOString()}|${p.roomName}|${title}`;
    }

    const description =
      [event.abstract, event.description]
        .filter((s): s is string => s !== undefined)
        .filter((s, i, all) => all.indexOf(s) === i)
        .join('\n\n') || null;
    const session: ParsedSession = {
      key,
      title,
      roomName: p.roomName,
      startsAt,
      endsAt,
      type: event.type ?? null,
      track: event.track ?? null,
      language: event.language ?? null,
      speakers: event.speakers,
      description,
      url: event.url ?? null,
      slug: event.slug ?? null,
      cancelled,
      source: {
        ...optional({
          guid: event.guid?.toLowerCase(),
          id: event.id,
          code: event.code,
          slug: event.slug,
          url: event.url,
          track: event.track,
          subtitle: event.subtitle,
          abstract: event.abstract,
          description: event.description,
          language: event.language,
          recordingLicense: event.recordingLicense,
        }),
        ...definedFlag(event.doNotRecord),
        persons: event.persons,
        links: event.links,
      },
    };
    const existing = sessions.get(key);
    if (existing === undefined) sessions.set(key, session);
    else if (!sameSession(existing, session)) {
      conflictingKeys.add(key);
      note(
        'conflict',
        `${event.label} (${new Date(startsAt).toISOString()} in "${session.roomName}") duplicates ${key}, ` +
          `kept as ${new Date(existing.startsAt).toISOString()} in "${existing.roomName}"`,
      );
    }
  }

  const codes: Record<string, string> = {
    'room-mismatch': 'room_mismatch',
    'no-room': 'no_room',
    rollover: 'past_midnight',
    untitled: 'untitled',
    conflict: 'duplicate_guid',
    'zero-duration': 'zero_duration',
    'over-24h': 'duration_over_24h',
  };
  const summaries: Record<string, (details: string[]) => string> = {
    'room-mismatch': (d) => `${d.length} event(s) name a room other than the one they are listed under; the listing was used: ${d.slice(0, 3).join('; ')}.`,
    'no-room': (d) => `${d.length} event(s) have no room and were put in "(no room)": ${d.slice(0, 3).join('; ')}.`,
    rollover: (d) => `Events listed after later ones in the same room were taken to run past midnight into the next day: ${d.slice(0, 3).join('; ')}.`,
    untitled: (d) => `${d.length} event(s) have no title: ${d.slice(0, 3).join('; ')}.`,
    conflict: (d) => `${d.length} event(s) appear more than once with different details; the first listing was kept: ${d.slice(0, 3).join('; ')}.`,
    'zero-duration': (d) => `${d.length} event(s) last no time at all (duration 0): ${d.slice(0, 3).join('; ')}.`,
    'over-24h': (d) => `${d.length} event(s) last more than 24 hours, which is more likely a wrong duration or end than a session: ${d.slice(0, 3).join('; ')}.`,
  };
  for (const [kind, details] of notes) warn(codes[kind] ?? kind.replace(/-/g, '_'), summaries[kind]?.(details) ?? `${kind}: ${details.join('; ')}`);
  if (unkeyed > 0) warn('no_guid', `${unkeyed} event(s) have neither guid nor id; they are identified by time, room and title.`);

  // A day that lists no rooms says nothing about that day; it must not read as "everything on it is gone".
  const emptyDays: string[] = [];
  let emptyDayUndated = false;
  for (const day of raw.days) {
    if (day.rooms.some((group) => group.events.length > 0)) continue;
    const date = dateOnly(day.date) ?? dateOnly(day.start);
    if (date === undefined) emptyDayUndated = true;
    else if (!emptyDays.includes(date)) emptyDays.push(date);
  }
  if (emptyDays.length > 0 || emptyDayUndated) {
    const named = emptyDays.length > 0 ? ` (${emptyDays.slice(0, 5).join(', ')})` : '';
    warn(
      'empty_day',
      `${emptyDays.length + (emptyDayUndated ? 1 : 0)} day(s) of the file list no rooms or events${named}; ` +
        (emptyDayUndated ? 'one has no date, so no session was cancelled by this import.' : 'sessions on those days were left as they are.'),
    );
  }

  const sorted = [...sessions.values()].sort(
    (a, b) => a.startsAt - b.startsAt || a.roomName.localeCompare(b.roomName) || a.key.localeCompare(b.key),
  );

  return {
    conference: conferenceOf(raw, timeZone, zone, sorted),
    rooms: collectRooms(raw, placed, warn),
    sessions: sorted,
    warnings,
    conflictingKeys: [...conflictingKeys],
    emptyDays,
    emptyDayUndated,
  };
}

function conferenceOf(
  raw: RawProgramme,
  timeZone: string | null,
  zone: Zone | null,
  sessions: ParsedSession[],
): ParsedProgramme['conference'] {
  const first = sessions[0];
  const last = sessions[sessions.length - 1];
  const start = dateOnly(raw.conference.start) ?? (zone && first ? localDateOf(first.startsAt, zone) : undefined);
  const end = dateOnly(raw.conference.end) ?? (zone && last ? localDateOf(last.startsAt, zone) : undefined);
  return {
    title: raw.conference.title ?? raw.conference.acronym ?? 'Untitled schedule',
    timeZone,
    ...optional({ acronym: raw.conference.acronym, start, end, dayChange: dayChangeOf(raw, zone), url: raw.conference.url, baseUrl: raw.conference.baseUrl }),
  };
}

const DAY_SECONDS = 86_400;

/**
 * The local time at which a conference day ends and the next begins: the file's `day_change`,
 * else the end of its first day window (rounded up to the minute: frab writes 03:59 or 03:59:59
 * for a 04:00 change), else the start of its first day. Undefined when the file says nothing.
 */
function dayChangeOf(raw: RawProgramme, zone: Zone | null): string | undefined {
  let seconds: number | null = raw.conference.dayChange === undefined ? null : parseTimeOfDay(raw.conference.dayChange);
  if (seconds === null && zone !== null) {
    const day =
      raw.days.find((d) => d.end !== undefined && parseInstant(d.end) !== null) ?? raw.days.find((d) => d.start !== undefined && parseInstant(d.start) !== null);
    const edge = day?.end ?? day?.start;
    const at = edge === undefined ? null : parseInstant(edge);
    if (at !== null) {
      const local = toWallClock(at, zone);
      const s = local.hour * 3600 + local.minute * 60 + local.second;
      seconds = day?.end === undefined ? s : (Math.ceil(s / 60) * 60) % DAY_SECONDS;
    }
  }
  if (seconds === null) return undefined;
  const minutes = Math.floor(seconds / 60);
  return `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * Every room the file mentions, by name, in the order it first mentions them. A guid shared by
 * rooms with different names identifies none of them, so it is dropped rather than passed on.
 */
function collectRooms(raw: RawProgramme, placed: Placed[], warn: (code: string, detail: string) => void): ParsedProgramme['rooms'] {
  const guidOf = new Map<string, string | undefined>();
  const add = (name: string | undefined, guid: string | undefined): void => {
    if (name === undefined) return;
    const known = guidOf.get(name);
    if (!guidOf.has(name) || (known === undefined && guid !== undefined)) guidOf.set(name, guid?.toLowerCase());
  };
  for (const r of raw.rooms) add(r.name, r.guid);
  for (const day of raw.days) for (const group of day.rooms) add(group.name?.trim() || undefined, group.guid);
  for (const p of placed) add(p.roomName, undefined);

  const namesByGuid = new Map<string, string[]>();
  for (const [name, guid] of guidOf) {
    if (guid !== undefined) namesByGuid.set(guid, [...(namesByGuid.get(guid) ?? []), name]);
  }
  const shared = [...namesByGuid].filter(([, names]) => names.length > 1);
  for (const [guid, names] of shared) {
    warn('shared_room_guid', `Rooms ${names.map((n) => `"${n}"`).join(', ')} share the guid ${guid}; rooms are matched by name and that guid was dropped.`);
  }
  const sharedGuids = new Set(shared.map(([guid]) => guid));
  return [...guidOf].map(([name, guid]) => (guid === undefined || sharedGuids.has(guid) ? { name } : { name, guid }));
}

function noZone(event: RawEvent): ScheduleImportError {
  return new ScheduleImportError(
    `${capitalize(event.label)} gives only a local time, and the file names no usable time zone; set time_zone_name or give the event an absolute date.`,
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Parses a schedule file. An event's absolute `date` is the truth; local `start` times are only
 * used when there is none. Throws ScheduleImportError for anything that is not a readable schedule.
 */
export function parseSchedule(input: string | Buffer, opts: ParseScheduleOptions = {}): ParsedProgramme {
  const source = decode(input);
  if (source.trim() === '') throw new ScheduleImportError('The file is empty.');
  const warnings: ScheduleWarning[] = [];
  try {
    return resolve(readRaw(source, opts.contentType, warnings), opts, warnings);
  } catch (err) {
    if (err instanceof ScheduleImportError) throw err;
    throw new ScheduleImportError(`The schedule could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}
