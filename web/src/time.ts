// Time display in the event's zone (not the screen's): times, dates and local days; effective session times from src/core/time.ts.
import type { SessionWire } from '../../src/contract/index.js';
import { effectiveEnd, effectiveStart } from '../../src/core/time.js';

/** Until the first snapshot says otherwise: the service's own default zone. */
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

const known = new Map<string, boolean>();

/** The zone if the browser knows it, else null: a bad value from the server must not break the clock. */
export function validZone(zone: string | undefined): string | null {
  if (zone === undefined || zone === '') return null;
  // Asked on every time shown: building a DateTimeFormat each time would cost more than the render.
  let ok = known.get(zone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: zone });
      ok = true;
    } catch {
      ok = false;
    }
    known.set(zone, ok);
  }
  return ok ? zone : null;
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

/** When a session really starts (delay applied), by the server's one rule. */
export function sessionStart(s: Pick<SessionWire, 'startsAt' | 'delayMinutes'>): number {
  return effectiveStart({ startsAt: Date.parse(s.startsAt), delayMinutes: s.delayMinutes });
}

/** When a session really ends (delay applied), by the server's one rule. */
export function sessionEnd(s: Pick<SessionWire, 'endsAt' | 'delayMinutes'>): number {
  return effectiveEnd({ endsAt: Date.parse(s.endsAt), delayMinutes: s.delayMinutes });
}
