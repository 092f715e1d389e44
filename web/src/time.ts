// Time display in the event's zone (not the screen's): times, dates and local days for the pages.
import type { Session } from './model.js';

export const DEFAULT_ZONE = 'Europe/Amsterdam';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string, kind: 'time' | 'day' | 'date' | 'weekday'): Intl.DateTimeFormat {
  const key = `${zone}|${kind}`;
  let f = formatters.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'time'
        ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : kind === 'day'
          ? { year: 'numeric', month: '2-digit', day: '2-digit' }
          : kind === 'date'
            ? { weekday: 'long', day: 'numeric', month: 'long' }
            : { weekday: 'short' };
    f = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: zone });
    formatters.set(key, f);
  }
  return f;
}

/** The zone if the browser knows it, else null: a bad value from the server must not break the clock. */
export function validZone(zone: unknown): string | null {
  if (typeof zone !== 'string' || zone === '') return null;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return zone;
  } catch {
    return null;
  }
}

/** The `time_zone_name` of a frab/pretalx schedule.json (`{ schedule: { conference: { … } } }`). */
export function zoneOfScheduleJson(doc: unknown): { zone: string | null; title: string | null } {
  const schedule = typeof doc === 'object' && doc !== null ? (doc as { schedule?: unknown }).schedule : undefined;
  const conference =
    typeof schedule === 'object' && schedule !== null ? (schedule as { conference?: unknown }).conference : undefined;
  if (typeof conference !== 'object' || conference === null) return { zone: null, title: null };
  const c = conference as { time_zone_name?: unknown; title?: unknown };
  return { zone: validZone(c.time_zone_name), title: typeof c.title === 'string' ? c.title : null };
}

export function timeOf(ms: number, zone: string): string {
  return Number.isFinite(ms) ? formatter(zone, 'time').format(ms) : '–';
}

export function longDateOf(ms: number, zone: string): string {
  return formatter(zone, 'date').format(ms);
}

export function weekdayOf(ms: number, zone: string): string {
  return formatter(zone, 'weekday').format(ms);
}

/** The local date (YYYY-MM-DD) in the zone, as `GET /api/sessions?day=` expects. */
export function dayOf(ms: number, zone: string): string {
  const parts = formatter(zone, 'day').formatToParts(ms);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** A time with the weekday in front when it is not on the given day. */
export function timeOnDay(ms: number, zone: string, today: string): string {
  const t = timeOf(ms, zone);
  return dayOf(ms, zone) === today ? t : `${weekdayOf(ms, zone)} ${t}`;
}

const MINUTE = 60_000;

export function effectiveStart(s: Session): number {
  return Date.parse(s.startsAt) + s.delayMinutes * MINUTE;
}

export function effectiveEnd(s: Session): number {
  return Date.parse(s.endsAt) + s.delayMinutes * MINUTE;
}
