// Builds schedule.json v1 files for tests and benchmarks: a programme as a plain list of events, written as frab/pretalx do.
export interface ProgrammeEvent {
  guid: string;
  title: string;
  room: string;
  /** UTC milliseconds. */
  start: number;
  minutes: number;
  track?: string;
  speakers?: string[];
  cancelled?: boolean;
}

// February in Europe/Amsterdam: a fixed +01:00, so local times are written without a zone library.
const OFFSET_MS = 3_600_000;
const pad = (n: number): string => String(n).padStart(2, '0');

function local(ms: number): { date: string; time: string; iso: string } {
  const d = new Date(ms + OFFSET_MS);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return { date, time, iso: `${date}T${time}:00+01:00` };
}

export function scheduleJson(events: readonly ProgrammeEvent[], title = 'Generated Conference'): string {
  const rooms = [...new Set(events.map((e) => e.room))].sort();
  const byDay = new Map<string, ProgrammeEvent[]>();
  for (const e of [...events].sort((a, b) => a.start - b.start)) {
    const day = local(e.start).date;
    byDay.set(day, [...(byDay.get(day) ?? []), e]);
  }
  const dates = [...byDay.keys()].sort();
  let id = 1;
  const days = dates.map((date, i) => ({
    index: i + 1,
    date,
    day_start: `${date}T00:00:00+01:00`,
    day_end: `${date}T23:59:00+01:00`,
    rooms: Object.fromEntries(
      rooms.map((room) => [
        room,
        (byDay.get(date) ?? [])
          .filter((e) => e.room === room)
          .map((e) => {
            const l = local(e.start);
            return {
              guid: e.guid,
              id: id++,
              date: l.iso,
              start: l.time,
              duration: `${pad(Math.floor(e.minutes / 60))}:${pad(e.minutes % 60)}`,
              room,
              slug: `gen-${id}`,
              url: `https://example.org/talk/${e.guid}`,
              title: e.cancelled ? `CANCELLED: ${e.title}` : e.title,
              subtitle: '',
              track: e.track ?? null,
              type: 'talk',
              language: 'en',
              abstract: '',
              description: '',
              recording_license: '',
              do_not_record: false,
              persons: (e.speakers ?? []).map((name, k) => ({ id: k + 1, public_name: name })),
              links: [],
              attachments: [],
            };
          }),
      ]),
    ),
  }));
  return JSON.stringify({
    $schema: 'https://c3voc.de/schedule/schema.json',
    generator: { name: 'eventday-test' },
    schedule: {
      version: '1.0',
      conference: {
        acronym: 'generated',
        title,
        start: dates[0] ?? '2026-02-15',
        end: dates[dates.length - 1] ?? '2026-02-15',
        daysCount: days.length,
        timeslot_duration: '00:05',
        time_zone_name: 'Europe/Amsterdam',
        rooms: rooms.map((name) => ({ name })),
        days,
      },
    },
  });
}

/** A deterministic programme of `count` sessions over `days` days and `rooms` rooms, 30–90 minutes each. */
export function generateProgramme(count: number, opts: { rooms?: number; days?: number; firstDay?: string } = {}): ProgrammeEvent[] {
  const roomCount = opts.rooms ?? 20;
  const dayCount = opts.days ?? 2;
  const first = Date.parse(`${opts.firstDay ?? '2026-02-15'}T08:00:00Z`);
  const perRoomDay = Math.ceil(count / (roomCount * dayCount));
  const slot = Math.floor((12 * 60) / perRoomDay);
  const events: ProgrammeEvent[] = [];
  for (let i = 0; i < count; i++) {
    const room = i % roomCount;
    const day = Math.floor(i / roomCount) % dayCount;
    const k = Math.floor(i / (roomCount * dayCount));
    events.push({
      guid: `6f0c${String(i).padStart(4, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`,
      title: `Session ${i}: ${['Verification', 'Governance', 'Deployment', 'Assurance'][i % 4]}`,
      room: `Room ${String(room + 1).padStart(2, '0')}`,
      start: first + day * 86_400_000 + k * slot * 60_000,
      minutes: Math.max(15, Math.min(slot, 30 + (i % 4) * 20)),
      speakers: [`Speaker ${i}`],
    });
  }
  return events;
}
