// The demo conference put into an app: the programme through the importer, rooms, attendees, a few changes already made, rooms filling; and the demo's clock (`--at`).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { localDateOf, parseDate, parseTimeOfDay, wallClockToUtc, type Zone } from '../src/core/time.js';
import { demoAttendeesCsv, demoProgramme, demoRooms } from './demo-data.js';

/** The demo day's fullest hour: seven workshops and the closed session at once. */
export const FULLEST_HOUR = '13:45';
/** When the real time of day has nothing on in the demo programme. */
export const DEFAULT_AT = '11:00';

interface SessionRow {
  id: string;
  title: string;
  roomId: string;
  startsAt: string;
  endsAt: string;
  delayMinutes: number;
  status: string;
  version: number;
  expectedAttendance: number | null;
}

interface RoomRow {
  id: string;
  name: string;
  capacity: number;
}

const onAt = (s: SessionRow, t: number): boolean =>
  Date.parse(s.startsAt) + s.delayMinutes * 60_000 <= t && Date.parse(s.endsAt) + s.delayMinutes * 60_000 > t;

export class Demo {
  constructor(
    private readonly app: FastifyInstance,
    private readonly admin: string,
    readonly timeZone: string,
  ) {}

  get zone(): Zone {
    return { kind: 'iana', name: this.timeZone };
  }

  async call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, contentType?: string): Promise<unknown> {
    const res = await this.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${this.admin}`, ...(contentType ? { 'content-type': contentType } : {}) },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.body.length > 0 ? res.json() : null;
  }

  sessions(): Promise<SessionRow[]> {
    return this.call('GET', '/api/sessions') as Promise<SessionRow[]>;
  }

  rooms(): Promise<RoomRow[]> {
    return this.call('GET', '/api/rooms') as Promise<RoomRow[]>;
  }

  /** The conference's first day: of the programme when there is one, else today. */
  async firstDay(realNow: number): Promise<string> {
    const starts = (await this.sessions()).map((s) => Date.parse(s.startsAt));
    return localDateOf(starts.length > 0 ? Math.min(...starts) : realNow, this.zone);
  }

  /** The instant of `hhmm` on the given local day. */
  instant(day: string, hhmm: string): number {
    const date = parseDate(day);
    const seconds = parseTimeOfDay(hhmm);
    if (!date || seconds === null) throw new Error(`not a day and time: ${day} ${hhmm}`);
    return wallClockToUtc(this.zone, { ...date, hour: Math.floor(seconds / 3600), minute: Math.floor(seconds / 60) % 60, second: seconds % 60 });
  }

  /** Imports the programme, sizes the rooms and sets what schedule.json cannot carry; answers false when it was there already. */
  async seedProgramme(dbFile: string, firstDay: string): Promise<boolean> {
    if ((await this.sessions()).length > 0) return false;
    const { schedule, extras } = demoProgramme(firstDay, this.timeZone);
    // The programme goes in the way an organiser's would: as a schedule.json file through the importer.
    const file = path.join(path.dirname(path.resolve(dbFile)), 'demo-schedule.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(schedule, null, 2));
    await this.call('POST', '/api/schedule/import', JSON.stringify(schedule), 'application/json');
    for (const room of await this.rooms()) {
      const spec = demoRooms.find((r) => r.name === room.name);
      if (spec) await this.call('PATCH', `/api/rooms/${room.id}`, { capacity: spec.capacity, features: spec.features });
    }
    const byStart = new Map<string, ReturnType<typeof extras.get>>();
    const days = (schedule.schedule as { conference: { days: { rooms: Record<string, { title: string; date: string; guid: string }[]> }[] } }).conference.days;
    for (const day of days) {
      for (const events of Object.values(day.rooms)) {
        for (const e of events) byStart.set(`${e.title}|${Date.parse(e.date)}`, extras.get(`guid:${e.guid}`));
      }
    }
    for (const s of await this.sessions()) {
      const extra = byStart.get(`${s.title}|${Date.parse(s.startsAt)}`);
      if (extra) await this.call('PATCH', `/api/sessions/${s.id}`, { version: s.version, ...extra });
    }
    return true;
  }

  async seedAttendees(): Promise<void> {
    const found = (await this.call('GET', '/api/attendees?q=ministry&limit=1')) as unknown[];
    if (found.length > 0) return;
    const report = (await this.call('POST', '/api/attendees/import', demoAttendeesCsv(), 'text/csv')) as { errors: unknown[] };
    if (report.errors.length > 0) throw new Error(`demo attendees did not import cleanly: ${JSON.stringify(report.errors.slice(0, 3))}`);
  }

  /** A few changes of the morning and the afternoon of the first day, as ops would make them. */
  async seedChanges(firstDay: string): Promise<void> {
    const rooms = new Map((await this.rooms()).map((r) => [r.name, r.id]));
    const sessions = await this.sessions();
    const find = (room: string, hhmm: string): SessionRow | undefined =>
      sessions.find((s) => s.roomId === rooms.get(room) && Date.parse(s.startsAt) === this.instant(firstDay, hhmm));
    const edit = async (room: string, hhmm: string, patch: Record<string, unknown>): Promise<void> => {
      const s = find(room, hhmm);
      if (s) await this.call('PATCH', `/api/sessions/${s.id}`, { version: s.version, ...patch });
    };
    await edit('Yangtze Room', '10:45', { delayMinutes: 10, changeNote: 'Speaker’s train delayed' });
    await edit('Mekong Room', '10:45', { roomId: rooms.get('Volga Room'), changeNote: 'Projector fault in the Mekong Room' });
    await edit('Amazon Hall', '13:30', { delayMinutes: 15, changeNote: 'Room reset after lunch' });
    await edit('Rhine Room', '13:30', { roomId: rooms.get('Zambezi Room'), changeNote: 'Interpretation booth needed elsewhere' });
    await edit('Nile Room', '15:30', { status: 'cancelled', changeNote: 'Merged into the 17:00 plenary' });
  }

  /** Headcounts for the rooms with a session on at `now`: most filling, the closed session's room full. */
  async fillRooms(now: number): Promise<void> {
    const rooms = new Map((await this.rooms()).map((r) => [r.id, r]));
    const live = (await this.sessions()).filter((s) => s.status !== 'cancelled' && onAt(s, now));
    for (const [i, s] of live.entries()) {
      const room = rooms.get(s.roomId);
      if (!room || room.capacity === 0) continue;
      const share = room.name.startsWith('Delegation') ? 1 : 0.55 + ((i * 37) % 40) / 100;
      const count = Math.min(room.capacity, Math.round(Math.max(room.capacity * share, (s.expectedAttendance ?? 0) * 0.8)));
      await this.call('POST', `/api/rooms/${room.id}/headcount`, { count });
    }
  }

  /** Whether something is on at `at` (a time of day) on the first day. */
  async somethingOnAt(firstDay: string, hhmm: string): Promise<boolean> {
    const t = this.instant(firstDay, hhmm);
    return (await this.sessions()).some((s) => s.status !== 'cancelled' && onAt(s, t));
  }
}
