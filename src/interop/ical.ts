// Writes the live programme as an iCalendar feed (one VEVENT per session, times in UTC) for calendar subscriptions.
import ical, { ICalEventStatus } from 'ical-generator';
import { exportProgramme } from './schedule-export.js';
import type { ExportInput, ProgrammeEvent } from './schedule-export.js';

export interface ICalendarOptions {
  /** DTSTAMP of every event; pinned in tests so that the output is byte-stable. */
  now?: Date;
}

// Subscribed calendars poll at their own pace (often daily); the schedule moves during the day, so ask for every quarter hour.
const REFRESH_SECONDS = 15 * 60;

function descriptionOf(s: ProgrammeEvent): string | null {
  const parts: string[] = [];
  if (s.status !== 'cancelled' && s.delayMinutes > 0) parts.push(`Delayed by ${s.delayMinutes} min.`);
  if (s.changeNote !== null && s.changeNote.trim() !== '') parts.push(s.changeNote.trim());
  if (s.speakers.length > 0) parts.push(`Speakers: ${s.speakers.join(', ')}`);
  if (s.sessionDescription) parts.push(s.sessionDescription);
  return parts.length > 0 ? parts.join('\n\n') : null;
}

/**
 * One VEVENT per session, cancelled ones included (STATUS:CANCELLED and a "CANCELLED: " summary,
 * since many clients ignore STATUS). UID is the session's guid (the imported one, else derived
 * from the session id), so two instances built from one file agree and a rebuild does not
 * duplicate subscribers' events; SEQUENCE is the session's version.
 */
export function toICalendar(input: ExportInput, opts: ICalendarOptions = {}): string {
  const stamp = opts.now ?? new Date();
  const programme = exportProgramme(input, { now: stamp });
  const calendar = ical({
    name: input.event.name,
    prodId: { company: 'eventday', product: 'eventday', language: 'EN' },
    ttl: REFRESH_SECONDS,
    ...(input.event.baseUrl === undefined ? {} : { url: input.event.baseUrl }),
  });
  const sessions = [...programme.events].sort((a, b) => a.start - b.start || (a.sessionId < b.sessionId ? -1 : 1));
  for (const s of sessions) {
    calendar.createEvent({
      id: s.guid,
      sequence: s.version,
      stamp,
      start: new Date(s.start),
      end: new Date(s.end),
      summary: s.title,
      location: s.room,
      description: descriptionOf(s),
      status: s.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      categories: s.type.trim() === '' ? [] : [{ name: s.type }],
    });
  }
  return calendar.toString();
}
