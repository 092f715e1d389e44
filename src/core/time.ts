// Wall-clock and UTC conversions for IANA zones and fixed offsets (Intl only), plus the ISO and duration parsing schedule files need.

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export interface WallClock extends CivilDate {
  hour: number;
  minute: number;
  second: number;
}

export type Zone = { kind: 'iana'; name: string } | { kind: 'offset'; minutes: number };

export const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

// Building a DateTimeFormat costs far more than formatting with it, and an import converts every event.
function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * The zone's name if Intl knows it, with its canonical casing; null otherwise.
 * ICU renames some zones (Asia/Kolkata becomes Asia/Calcutta), so only the casing is taken from it.
 */
export function normalizeTimeZone(name: string): string | null {
  const trimmed = name.trim();
  // Node 24's ICU also takes offsets such as +01:00; an offset is not a zone (it has no DST rules).
  if (trimmed === '' || /^[+-]/.test(trimmed)) return null;
  try {
    const resolved = formatterFor(trimmed).resolvedOptions().timeZone;
    return resolved.toLowerCase() === trimmed.toLowerCase() ? resolved : trimmed;
  } catch {
    return null;
  }
}

function wallClockAt(epochMs: number, zone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts['year'] ?? 0,
    month: parts['month'] ?? 0,
    day: parts['day'] ?? 0,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

function wallClockAsUtc(w: WallClock): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 onto the 1900s.
  date.setUTCFullYear(w.year, w.month - 1, w.day);
  date.setUTCHours(w.hour, w.minute, w.second, 0);
  return date.getTime();
}

/** Offset of the zone from UTC at that instant, in minutes (east positive). */
export function offsetMinutesAt(zone: Zone, epochMs: number): number {
  if (zone.kind === 'offset') return zone.minutes;
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  return Math.round((wallClockAsUtc(wallClockAt(wholeSecond, zone.name)) - wholeSecond) / MINUTE_MS);
}

/**
 * The instant a wall-clock time names in a zone. Ambiguous times (clocks going back) take the
 * earlier instant and skipped times (clocks going forward) move forward by the gap, as
 * Temporal's "compatible" disambiguation and most calendar software do.
 */
export function wallClockToUtc(zone: Zone, w: WallClock): number {
  const asUtc = wallClockAsUtc(w);
  if (zone.kind === 'offset') return asUtc - zone.minutes * MINUTE_MS;
  const before = offsetMinutesAt(zone, asUtc - DAY_MS);
  const after = offsetMinutesAt(zone, asUtc + DAY_MS);
  const candidates = [asUtc - before * MINUTE_MS, asUtc - after * MINUTE_MS].filter(
    (t) => wallClockAsUtc(wallClockAt(t, zone.name)) === asUtc,
  );
  if (candidates.length > 0) return Math.min(...candidates);
  return asUtc - before * MINUTE_MS;
}

export function toWallClock(epochMs: number, zone: Zone): WallClock {
  if (zone.kind === 'iana') return wallClockAt(epochMs, zone.name);
  const shifted = new Date(epochMs + zone.minutes * MINUTE_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatDate(d: CivilDate): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** ISO 8601 local time with the zone's offset at that instant, seconds precision: 2019-08-21T11:00:00+02:00. */
export function formatLocalIso(epochMs: number, zone: Zone): string {
  const w = toWallClock(epochMs, zone);
  return `${formatDate(w)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${formatOffset(offsetMinutesAt(zone, epochMs))}`;
}

export function localDateOf(epochMs: number, zone: Zone): string {
  return formatDate(toWallClock(epochMs, zone));
}

export function addDays(d: CivilDate, days: number): CivilDate {
  const shifted = new Date(wallClockAsUtc({ ...d, hour: 12, minute: 0, second: 0 }) + days * DAY_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

function validCivil(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const probe = addDays({ year, month, day: 1 }, day - 1);
  return probe.month === month && probe.day === day;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export function parseDate(s: string): CivilDate | null {
  const m = DATE_RE.exec(s.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validCivil(year, month, day) ? { year, month, day } : null;
}

export interface ParsedDateTime {
  wall: WallClock;
  /** Minutes east of UTC as written, or null for a local time without an offset. */
  offsetMinutes: number | null;
}

/** An ISO 8601 date-time with or without an offset; fractions of a second are dropped. */
export function parseDateTime(s: string): ParsedDateTime | null {
  const m = DATE_TIME_RE.exec(s.trim());
  if (!m) return null;
  const wall: WallClock = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: m[6] === undefined ? 0 : Number(m[6]),
  };
  if (!validCivil(wall.year, wall.month, wall.day) || wall.hour > 23 || wall.minute > 59 || wall.second > 59) {
    return null;
  }
  const offset = m[7];
  if (offset === undefined) return { wall, offsetMinutes: null };
  if (offset.toUpperCase() === 'Z') return { wall, offsetMinutes: 0 };
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 18 || minutes > 59) return null;
  return { wall, offsetMinutes: (offset.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) };
}

/** Epoch ms of an ISO 8601 date-time that carries an offset; null for anything else. */
export function parseInstant(s: string): number | null {
  const parsed = parseDateTime(s);
  if (!parsed || parsed.offsetMinutes === null) return null;
  return wallClockToUtc({ kind: 'offset', minutes: parsed.offsetMinutes }, parsed.wall);
}

/** Seconds since midnight of "HH:MM" or "HH:MM:SS". */
export function parseTimeOfDay(s: string): number | null {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s.trim());
  if (!m) return null;
  const [hour, minute, second] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  return hour * 3600 + minute * 60 + second;
}

/**
 * Milliseconds of a schedule duration: "00:45", "1:30", "01:00:00", ISO 8601 "PT1H30M", or a
 * bare number of minutes (pretalx's API style).
 */
export function parseDurationMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * MINUTE_MS) : null;
  if (typeof value !== 'string') return null;
  const s = value.trim();
  const clock = /^(\d{1,3}):(\d{1,2})(?::(\d{1,2}))?$/.exec(s);
  if (clock) {
    const [hours, minutes, seconds] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (minutes > 59 || seconds > 59) return null;
    return ((hours * 60 + minutes) * 60 + seconds) * 1000;
  }
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(s);
  if (iso && s.length > 1 && !/T$/i.test(s)) {
    const [days, hours, minutes, seconds] = [iso[1], iso[2], iso[3], iso[4]].map((x) => Number(x ?? 0));
    return Math.round(((((days ?? 0) * 24 + (hours ?? 0)) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0)) * 1000);
  }
  if (/^\d+$/.test(s)) return Number(s) * MINUTE_MS;
  return null;
}

/** "HH:MM" of a duration, hours unbounded, rounded to the minute. */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / MINUTE_MS);
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

export function formatTimeOfDay(w: WallClock): string {
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

/** A time on the wire: ISO 8601 in UTC with `Z`, whole seconds without a fraction. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** When a session really starts: its scheduled start pushed by its delay. The one place this is computed (SQL: sessions.effective_starts_at). */
export function effectiveStart(s: { startsAt: number; delayMinutes: number }): number {
  return s.startsAt + s.delayMinutes * MINUTE_MS;
}

/** When a session really ends: a delay pushes the end as much as the start. */
export function effectiveEnd(s: { endsAt: number; delayMinutes: number }): number {
  return s.endsAt + s.delayMinutes * MINUTE_MS;
}
