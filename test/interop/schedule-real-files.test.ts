// The importer and exporter against real schedule exports (camp2019, democon, rc3, debconf23) from ../shared/fixtures/schedules.
import t from 'tap';
import type { Test } from 'tap';
import { parseSchedule } from '../../src/interop/schedule-import.js';
import type { ParsedProgramme, ParsedSession } from '../../src/interop/schedule-import.js';
import { sessionGuid, toScheduleJson } from '../../src/interop/schedule-export.js';
import type { ExportInput } from '../../src/interop/schedule-export.js';
import { c3vocValidator, haveSharedSchedules, readShared, schemaErrors } from './c3voc.js';

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

interface Expected {
  guid: string;
  start: string;
  end: string;
  room: string;
  title: string;
  speakers: string[];
}

function check(t: Test, p: ParsedProgramme, e: Expected): void {
  const s = p.sessions.find((x) => x.key === `guid:${e.guid}`);
  t.ok(s, `${e.title} is there`);
  if (!s) return;
  t.same(
    { start: iso(s.startsAt), end: iso(s.endsAt), room: s.roomName, title: s.title, speakers: s.speakers },
    { start: e.start, end: e.end, room: e.room, title: e.title, speakers: e.speakers },
    e.title,
  );
}

/** Each event of a schedule.json as the file states it, read without the importer: the truth to compare with. */
function jsonTruth(source: Buffer): { key: string; start: number; end: number; room: string }[] {
  const doc = JSON.parse(source.toString('utf8')) as {
    schedule: { conference: { days: { rooms: Record<string, { guid: string; date: string; duration: string }[]> }[] } };
  };
  return doc.schedule.conference.days.flatMap((day) =>
    Object.entries(day.rooms).flatMap(([room, events]) =>
      events.map((e) => {
        const [h, m] = e.duration.split(':').map(Number);
        const start = Date.parse(e.date);
        return { key: `guid:${e.guid}`, start, end: start + ((h ?? 0) * 60 + (m ?? 0)) * 60_000, room };
      }),
    ),
  );
}

/**
 * The same for wafer XML, by regular expression, so that it does not share the XML parser with the
 * importer. An event belongs to the last <room name="..."> opened before it (events carry a <room>
 * of their own, so matching a room element up to its closing tag would stop inside its first event).
 */
function xmlTruth(source: Buffer): { key: string; start: number; end: number; room: string }[] {
  const events: { key: string; start: number; end: number; room: string }[] = [];
  let room = '';
  for (const m of source.toString('utf8').matchAll(/<room name="([^"]+)">|<event id="\d+" guid="([^"]+)">([\s\S]*?)<\/event>/g)) {
    if (m[1] !== undefined) {
      room = m[1];
      continue;
    }
    const body = m[3] ?? '';
    const start = Date.parse(/<date>([^<]+)<\/date>/.exec(body)?.[1] ?? '');
    const [h, min] = (/<duration>([^<]+)<\/duration>/.exec(body)?.[1] ?? '').split(':').map(Number);
    events.push({ key: `guid:${m[2] ?? ''}`, start, end: start + ((h ?? 0) * 60 + (min ?? 0)) * 60_000, room });
  }
  return events;
}

function everyEventOnce(t: Test, p: ParsedProgramme, truth: { key: string; start: number; end: number; room: string }[], count: number): void {
  t.equal(truth.length, count, `the file holds ${count} events`);
  t.equal(new Set(truth.map((e) => e.key)).size, count, 'with distinct guids');
  t.equal(p.sessions.length, count, `${count} sessions parsed`);
  t.equal(new Set(p.sessions.map((s) => s.key)).size, count, 'each once');
  const parsed = new Map(p.sessions.map((s) => [s.key, s]));
  const wrong = truth.filter((e) => {
    const s = parsed.get(e.key);
    return !s || s.startsAt !== e.start || s.endsAt !== e.end || s.roomName !== e.room;
  });
  t.same(wrong, [], 'every event at its absolute time and in its room');
}

function asExportInput(p: ParsedProgramme, timeZone: string): ExportInput {
  return {
    event: { name: p.conference.title, timeZone, ...(p.conference.acronym ? { slug: p.conference.acronym } : {}) },
    rooms: p.rooms.map((r) => ({ id: `room-${r.name}`, name: r.name })),
    sessions: p.sessions.map((s) => ({
      id: s.key,
      title: s.title,
      theme: null,
      type: s.type ?? '',
      startsAt: new Date(s.startsAt).toISOString(),
      endsAt: new Date(s.endsAt).toISOString(),
      roomId: `room-${s.roomName}`,
      speakers: s.speakers,
      status: s.cancelled ? 'cancelled' : 'scheduled',
      delayMinutes: 0,
      changeNote: null,
      description: s.description,
      language: s.language,
      version: 1,
    })),
  };
}

type Comparable = Pick<ParsedSession, 'title' | 'roomName' | 'startsAt' | 'endsAt' | 'speakers' | 'type' | 'language' | 'description' | 'cancelled'>;
const comparable = (s: ParsedSession): Comparable => ({
  title: s.title,
  roomName: s.roomName,
  startsAt: s.startsAt,
  endsAt: s.endsAt,
  speakers: s.speakers,
  type: s.type,
  language: s.language,
  description: s.description,
  cancelled: s.cancelled,
});

function roundTrip(t: Test, p: ParsedProgramme, timeZone: string): void {
  const input = asExportInput(p, timeZone);
  const exported = toScheduleJson(input);
  const validate = c3vocValidator();
  t.ok(validate(exported), 'the export validates against the c3voc schema');
  t.same(schemaErrors(validate), []);
  t.equal(JSON.stringify(toScheduleJson(input)), JSON.stringify(exported), 'exporting twice gives the same bytes');

  const again = parseSchedule(JSON.stringify(exported));
  t.same(again.warnings, [], 'our own export raises no warnings');
  t.equal(again.conference.timeZone, timeZone);
  t.same(again.rooms.map((r) => r.name), p.rooms.map((r) => r.name), 'same rooms');
  t.equal(again.sessions.length, p.sessions.length, 'same number of sessions');
  const byKey = new Map(again.sessions.map((s) => [s.key, s]));
  const mismatched = p.sessions.filter((s) => {
    const back = byKey.get(`guid:${sessionGuid(s.key)}`);
    return !back || JSON.stringify(comparable(back)) !== JSON.stringify(comparable(s));
  });
  t.same(mismatched.map((s) => s.key), [], 'every session comes back with the same times, room, title and details');
}

t.test('camp2019 (frab JSON, Europe/Berlin, no conference.rooms)', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const source = readShared('c3voc-frab-camp2019.schedule.json');
  const p = parseSchedule(source);
  everyEventOnce(t, p, jsonTruth(source), 79);
  t.same(p.warnings, []);
  t.same(p.conference, {
    title: 'Chaos Communication Camp 2019',
    acronym: 'Camp2019',
    timeZone: 'Europe/Berlin',
    start: '2019-08-21',
    end: '2019-08-26',
    dayChange: '04:00',
    baseUrl: 'https://fahrplan.events.ccc.de/camp/2019/Fahrplan/',
  });
  t.same(p.rooms, [{ name: 'Curie' }, { name: 'Meitner' }]);
  check(t, p, {
    guid: 'a0a0fcfe-b7fb-46e3-84b6-97a5406016b4',
    start: '2019-08-21T09:00:00Z',
    end: '2019-08-21T09:30:00Z',
    room: 'Curie',
    title: 'Opening Ceremony',
    speakers: ['jinxx', 'smtw'],
  });
  check(t, p, {
    guid: 'f9196061-da41-448d-8e7a-da0a6f8ad63a',
    start: '2019-08-23T16:00:00Z',
    end: '2019-08-23T16:45:00Z',
    room: 'Curie',
    title: 'MegaPixels: Face Recognition Training Datasets',
    speakers: ['Adam Harvey'],
  });
  check(t, p, {
    guid: '9f38e10d-39e2-4380-83bf-26626396e476',
    start: '2019-08-25T14:00:00Z',
    end: '2019-08-25T14:45:00Z',
    room: 'Meitner',
    title: 'Visualization of networks using physics',
    speakers: ['aphotic'],
  });
  check(t, p, {
    guid: 'f5ef88a8-0fb3-4310-bb04-358db302a13b',
    start: '2019-08-25T16:00:00Z',
    end: '2019-08-25T16:30:00Z',
    room: 'Curie',
    title: 'Closing ceremony',
    speakers: ['jinxx', 'smtw'],
  });
  roundTrip(t, p, 'Europe/Berlin');
});

t.test('democon (pretalx JSON, time_zone_name UTC against +01:00 dates, one guid for two rooms)', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const source = readShared('c3voc-pretalx-democon.schedule.json');
  const p = parseSchedule(source);
  everyEventOnce(t, p, jsonTruth(source), 36);
  t.equal(p.conference.timeZone, null);
  t.equal(p.warnings.length, 2);
  t.match(p.warnings.map((w: { detail: string }) => w.detail), [/time_zone_name "UTC" contradicts 36 of 36/, /"Gray Room", "Tan Room" share the guid/]);
  t.same(p.rooms, [{ name: 'Gray Room' }, { name: 'Tan Room' }]);
  check(t, p, {
    guid: '8079583e-8321-506c-95af-fd2903a5f075',
    start: '2020-12-14T08:00:00Z',
    end: '2020-12-14T08:30:00Z',
    room: 'Gray Room',
    title: 'Focused 5thgeneration hardware',
    speakers: ['Brian Robinson'],
  });
  check(t, p, {
    guid: 'b4be4b3d-4baa-5035-8e51-af3b42601abe',
    start: '2020-12-15T13:00:00Z',
    end: '2020-12-15T13:30:00Z',
    room: 'Gray Room',
    title: 'Ameliorated 4thgeneration firmware',
    speakers: ['Catherine Harris', 'Thomas Morgan'],
  });
  check(t, p, {
    guid: '2b2f1972-ee1f-536d-a364-f36561b3ecce',
    start: '2020-12-16T13:00:00Z',
    end: '2020-12-16T14:30:00Z',
    room: 'Tan Room',
    title: 'Proactive leadingedge Graphical User Interface',
    speakers: ['Randy Crawford'],
  });
  t.equal(parseSchedule(source, { fallbackTimeZone: 'Europe/Berlin' }).conference.timeZone, 'Europe/Berlin');
  roundTrip(t, p, 'Europe/Berlin');
});

t.test('rc3 (pretalx JSON, no time_zone_name, rooms per day, answers)', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const source = readShared('c3voc-pretalx-rc3.schedule.json');
  const p = parseSchedule(source);
  everyEventOnce(t, p, jsonTruth(source), 48);
  t.equal(p.conference.timeZone, null);
  t.match(p.warnings.map((w: { detail: string }) => w.detail), [/names no time zone/]);
  t.equal(p.warnings.length, 1);
  t.same(
    p.rooms.map((r) => r.name),
    [
      'r3s - Monheim/Rhein',
      'backspace / franconian.net - Bamberg',
      'Chaos-West TV - Ennepetal',
      'ChaosTrawler Stubnitz/Gängeviertel Hamburg',
      'hacc München / about:future - München',
    ],
  );
  check(t, p, {
    guid: 'c3642671-4c1f-5109-81ba-0535c1cc8428',
    start: '2020-12-27T10:30:00Z',
    end: '2020-12-27T11:10:00Z',
    room: 'r3s - Monheim/Rhein',
    title: 'Der faule Admin automatisiert: Gluon auf echter Hardware testen',
    speakers: ['Chris Fiege', 'Kasa'],
  });
  check(t, p, {
    guid: '5afa791a-760a-5e91-887c-f6cb1ba1e0e1',
    start: '2020-12-28T17:55:00Z',
    end: '2020-12-28T18:35:00Z',
    room: 'backspace / franconian.net - Bamberg',
    title: 'Your Name Is Invalid!',
    speakers: ['miro'],
  });
  check(t, p, {
    guid: '1e8baa54-4bc0-5b55-9fa9-c3a1c28b370c',
    start: '2020-12-30T15:00:00Z',
    end: '2020-12-30T15:40:00Z',
    room: 'hacc München / about:future - München',
    title: 'Climate Change and the Corona Pandemic',
    speakers: ['Dr. Kira Vinke'],
  });
  t.equal(p.sessions.find((s) => s.key === 'guid:c3642671-4c1f-5109-81ba-0535c1cc8428')?.slug, 'MJA8QY');
  roundTrip(t, p, 'Europe/Berlin');
});

t.test('debconf23 (wafer XML, Asia/Kolkata, UTC day dates, local starts)', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const source = readShared('debconf23-wafer.schedule.xml');
  const p = parseSchedule(source, { contentType: 'application/xml' });
  everyEventOnce(t, p, xmlTruth(source), 117);
  t.same(p.warnings, []);
  t.same(p.conference, {
    title: 'DebConf 23',
    acronym: 'debconf23',
    timeZone: 'Asia/Kolkata',
    start: '2023-09-10',
    end: '2023-09-18',
    dayChange: '03:00',
    baseUrl: 'https://debconf23.debconf.org',
  });
  t.same(
    p.rooms.map((r) => r.name),
    ['Anamudi', 'Kuthiran', 'Ponmudi', 'Elsewhere', 'Outside'],
  );
  check(t, p, {
    guid: '455d075f-48c0-2ec2-24b3-f5add30c383a',
    start: '2023-09-10T05:00:00Z',
    end: '2023-09-10T05:20:00Z',
    room: 'Anamudi',
    title: 'Opening Ceremony',
    speakers: ['Sruthi Chandran'],
  });
  check(t, p, {
    guid: '4bd0f4b3-ed98-8834-365c-28752657797d',
    start: '2023-09-10T01:30:00Z',
    end: '2023-09-10T05:00:00Z',
    room: 'Elsewhere',
    title: 'Breakfast',
    speakers: [],
  });
  check(t, p, {
    guid: '5764409b-2f48-b97c-cb2a-84ce5f1711e0',
    start: '2023-09-13T05:00:00Z',
    end: '2023-09-13T13:30:00Z',
    room: 'Outside',
    title: 'Day trip',
    speakers: [],
  });
  check(t, p, {
    guid: '54c893f3-68da-0c4d-2b37-f89b770c6caf',
    start: '2023-09-17T12:30:00Z',
    end: '2023-09-17T13:15:00Z',
    room: 'Anamudi',
    title: 'Closing Ceremony',
    speakers: ['Sruthi Chandran'],
  });

  // Without <date> elements, a reader that joined the UTC day date to the local <start> would be a day early.
  const withoutDates = parseSchedule(source.toString('utf8').replace(/<date>[^<]*<\/date>/g, ''));
  t.same(
    withoutDates.sessions.map((s) => [s.key, s.startsAt, s.endsAt, s.roomName]),
    p.sessions.map((s) => [s.key, s.startsAt, s.endsAt, s.roomName]),
    'day start + local start in Asia/Kolkata gives the same instants as <date>',
  );
  roundTrip(t, p, 'Asia/Kolkata');
});
