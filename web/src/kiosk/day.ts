// Local days in the event's zone for the kiosk: where today starts, and words for when the programme resumes.
import type { SessionWire } from '../../../src/contract/index.js';
import { addDays, formatDate, parseDate, wallClockToUtc } from '../../../src/core/time.js';
import { dayOf, sessionEnd, sessionStart, timeOf, weekdayOf } from '../time.js';

export function startOfDay(ms: number, zone: string): number {
  const date = parseDate(dayOf(ms, zone));
  return date ? wallClockToUtc({ kind: 'iana', name: zone }, { ...date, hour: 0, minute: 0, second: 0 }) : ms;
}

export function tomorrowOf(ms: number, zone: string): string {
  const date = parseDate(dayOf(ms, zone));
  if (!date) return '';
  return formatDate(addDays(date, 1));
}

/** Sessions not cancelled and not over at `now`. */
export function notOver(sessions: Iterable<SessionWire>, now: number): SessionWire[] {
  return [...sessions].filter((s) => s.status !== 'cancelled' && sessionEnd(s) > now);
}

/** "The programme resumes tomorrow at 09:00" (or on a weekday, or later today); null when nothing is left. */
export function resumesText(sessions: Iterable<SessionWire>, now: number, zone: string): string | null {
  const first = notOver(sessions, now)
    .filter((s) => sessionStart(s) > now)
    .sort((a, b) => sessionStart(a) - sessionStart(b))[0];
  if (!first) return null;
  const at = sessionStart(first);
  const day = dayOf(at, zone);
  const when = day === dayOf(now, zone) ? 'today' : day === tomorrowOf(now, zone) ? 'tomorrow' : `on ${weekdayOf(at, zone)}`;
  return `The programme resumes ${when} at ${timeOf(at, zone)}`;
}
