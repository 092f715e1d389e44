// Writes the live programme as an iCalendar feed (one VEVENT per session, times in UTC) for calendar subscriptions.
import ical, { ICalEventStatus } from 'ical-generator';
import { CANCELLED_PREFIX } from './schedule-export.js';
import type { ExportInput, ExportSession } from './schedule-export.js';

export interface ICalendarOptions {
  /** DTSTAMP of every event; pinned in tests so that the output is byte-stable. */
  now?: Date;
}

// Subscribed calendars poll at their own pace (often daily); the schedule moves during the day, so ask for every quarter hour.
const REFRESH_SECONDS = 15 * 60;

function descriptionOf(s: ExportSession): string | null {
  const parts: string[] = [];
  if (s.status !== 'cancelled' && s.delayMinutes > 0) parts.push(`Delayed by ${s.delayMinutes} min.`);
  if (s.changeNote !== null && s.changeNote.trim() !== '') parts.push(s.changeNote.trim());
  if (s.speakers.length > 0) parts.push(`Speakers: ${s.speakers.join(', ')}`);
  if (s.description) parts.push(s.description);
  return parts.length > 0 ? parts.join('\n\n') : null;
}

/**
 * One VEVENT per session, cancelled ones included (STATUS:CANCELLED and a "CANCELLED: " summary,
 * since many clients ignore STATUS). UID is "<session id>@eventday" and SEQUENCE the session's
 * version, so clients replace an event they already hold instead of duplicating it.
 */
export function toICalendar(input: ExportInput, opts: ICalendarOptions = {}): string {
  const stamp = opts.now ?? new Date();
  const rooms = new Map(input.rooms.map((r) => [r.id, r.name]));
  const calendar = ical({
    name: input.event.name,
    prodId: { company: 'eventday', product: 'eventday', language: 'EN' },
    ttl: REFRESH_SECONDS,
    ...(input.event.baseUrl === undefined ? {} : { url: input.event.baseUrl }),
  });
  const sessions = [...input.sessions].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || (a.id < b.id ? -1 : 1));
  for (const s of sessions) {
    const cancelled = s.status === 'cancelled';
    calendar.createEvent({
      id: `${s.id}@eventday`,
      sequence: s.version,
      stamp,
      start: new Date(s.startsAt),
      end: new Date(s.endsAt),
      summary: cancelled ? `${CANCELLED_PREFIX}${s.title}` : s.title,
      location: rooms.get(s.roomId) ?? null,
      description: descriptionOf(s),
      status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      categories: s.type.trim() === '' ? [] : [{ name: s.type }],
    });
  }
  return calendar.toString();
}
