// The schedule importer on small fixtures that each reproduce one trap of real exports, plus the inputs it must refuse.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { Test } from 'tap';
import { ScheduleImportError, parseSchedule } from '../../src/interop/schedule-import.js';
import type { ParsedProgramme, ParsedSession } from '../../src/interop/schedule-import.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'schedules');
const fixture = (name: string): Buffer => readFileSync(path.join(fixtures, name));
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

function byKey(p: ParsedProgramme, key: string): ParsedSession {
  const s = p.sessions.find((x) => x.key === key);
  if (!s) throw new Error(`no session ${key}`);
  return s;
}

function slot(s: ParsedSession): [string, string, string] {
  return [iso(s.startsAt), iso(s.endsAt), s.roomName];
}

function uniqueKeys(t: Test, p: ParsedProgramme): void {
  t.equal(new Set(p.sessions.map((s) => s.key)).size, p.sessions.length, 'every key once');
}

t.test('democon trap: time_zone_name UTC contradicted by +01:00 dates, rooms sharing a guid, duplicates', async (t) => {
  const p = parseSchedule(fixture('zone-contradiction.schedule.json'));
  t.equal(p.conference.timeZone, null, 'a contradicted zone is not passed on');
  t.match(p.warnings.map((w: { detail: string }) => w.detail), [/time_zone_name "UTC" contradicts/]);
  t.ok(p.warnings.some((w) => /share the guid b379c473/.test(w.detail)), 'shared room guid reported');
  t.ok(p.warnings.some((w) => /more than once with different details/.test(w.detail) && /5a1d0c8e/.test(w.detail)), 'conflicting duplicate reported');
  t.same(p.rooms, [{ name: 'Gray Room' }, { name: 'Tan Room' }], 'rooms by name, the shared guid dropped');
  t.equal(p.sessions.length, 4, 'the identical repeat and the conflicting repeat are dropped');
  uniqueKeys(t, p);

  const opening = byKey(p, 'guid:8079583e-8321-506c-95af-fd2903a5f075');
  t.same(slot(opening), ['2020-12-14T08:00:00Z', '2020-12-14T08:30:00Z', 'Gray Room'], 'the +01:00 date is the truth');
  t.same(opening.speakers, ['Brian Robinson']);
  t.equal(opening.description, 'Short.\n\nLong.', 'abstract and description both kept');
  t.equal(opening.type, 'Talk');
  t.equal(opening.track, 'Phased');
  t.equal(opening.language, 'en');
  t.equal(opening.slug, 'tinycon-25-opening');
  t.equal(opening.url, 'http://localhost/tinycon/talk/G9JGWY/');
  t.equal(opening.cancelled, false);

  t.same(slot(byKey(p, 'guid:2d64f8e2-26ee-529f-b5ab-3b3f326e31b9')), ['2020-12-14T08:30:00Z', '2020-12-14T10:00:00Z', 'Gray Room'], '"1:30"');
  const panel = byKey(p, 'guid:5a1d0c8e-3f7e-5b39-9d1e-0c6f1e0a7b21');
  t.same(slot(panel), ['2020-12-14T08:00:00Z', '2020-12-14T09:00:00Z', 'Tan Room'], '"01:00:00", first listing kept');
  t.equal(byKey(p, 'guid:2d64f8e2-26ee-529f-b5ab-3b3f326e31b9').description, null);
  t.equal(byKey(p, 'guid:2d64f8e2-26ee-529f-b5ab-3b3f326e31b9').track, null);

  const withFallback = parseSchedule(fixture('zone-contradiction.schedule.json'), { fallbackTimeZone: 'Europe/Berlin' });
  t.equal(withFallback.conference.timeZone, 'Europe/Berlin');
  t.same(withFallback.sessions.map(slot), p.sessions.map(slot), 'the fallback zone does not move anything');
});

t.test('rc3 trap: no time_zone_name, rooms per day, extra keys', async (t) => {
  const p = parseSchedule(fixture('no-zone-rooms-per-day.schedule.json'));
  t.equal(p.conference.timeZone, null);
  t.match(p.warnings.map((w: { detail: string }) => w.detail), [/names no time zone/]);
  t.equal(p.warnings.length, 1);
  t.same(p.conference, {
    title: 'Tiny Channels',
    acronym: 'tiny-channels-2020',
    timeZone: null,
    start: '2020-12-27',
    end: '2020-12-29',
    baseUrl: 'https://pretalx.example.org/tiny-channels-2020/schedule/',
  });
  t.same(
    p.rooms.map((r) => r.name),
    [
      'r3s - Monheim/Rhein',
      'backspace / franconian.net - Bamberg',
      'ChaosTrawler Stubnitz/Gängeviertel Hamburg',
      'hacc München / about:future - München',
    ],
    'every room of every day, in order of first mention',
  );
  t.equal(p.sessions.length, 4);
  uniqueKeys(t, p);
  const first = byKey(p, 'guid:c3642671-4c1f-5109-81ba-0535c1cc8428');
  t.same(slot(first), ['2020-12-27T10:30:00Z', '2020-12-27T11:10:00Z', 'r3s - Monheim/Rhein']);
  t.same(first.speakers, ['Chris'], 'pretalx "name" is read like "public_name"');
  t.equal(first.slug, 'MJA8QY');
  t.same(byKey(p, 'guid:7e1f3b2c-9a4d-5e6f-8a7b-1c2d3e4f5a6b').speakers, ['Kasa'], 'repeated speaker listed once');
  t.same(slot(byKey(p, 'guid:0d9e0c41-7b51-5f6c-9d3c-6c0f5f1b2a11')), ['2020-12-27T19:00:00Z', '2020-12-27T21:10:00Z', 'backspace / franconian.net - Bamberg']);
  t.same(slot(byKey(p, 'guid:9a8b7c6d-5e4f-5a3b-8c2d-1e0f9a8b7c6d')), ['2020-12-29T09:00:00Z', '2020-12-29T11:00:00Z', 'hacc München / about:future - München']);

  const withFallback = parseSchedule(fixture('no-zone-rooms-per-day.schedule.json'), { fallbackTimeZone: 'Europe/Berlin' });
  t.equal(withFallback.conference.timeZone, 'Europe/Berlin');
  t.match(withFallback.warnings.map((w: { detail: string }) => w.detail), [/names no time zone.*taken as "Europe\/Berlin"/]);
});

t.test('camp2019 trap: days running past midnight, no conference.rooms', async (t) => {
  const p = parseSchedule(fixture('past-midnight.schedule.json'));
  t.equal(p.conference.timeZone, 'Europe/Berlin');
  t.same(p.warnings, []);
  t.same(p.rooms, [{ name: 'Curie' }, { name: 'Meitner' }], 'rooms come from the days');
  t.equal(p.sessions.length, 6);
  uniqueKeys(t, p);
  t.same(slot(byKey(p, 'guid:a0a0fcfe-b7fb-46e3-84b6-97a5406016b4')), ['2019-08-21T20:00:00Z', '2019-08-21T21:00:00Z', 'Curie']);
  t.same(slot(byKey(p, 'guid:c9edea6f-1da1-4772-a0a9-6dd4e33f11bb')), ['2019-08-21T21:30:00Z', '2019-08-21T22:30:00Z', 'Curie']);
  t.same(
    slot(byKey(p, 'guid:3b1f5a2e-0c4d-4e8f-9a1b-2c3d4e5f6a7b')),
    ['2019-08-21T22:30:00Z', '2019-08-22T00:00:00Z', 'Curie'],
    'filed under the 21st, dated the 22nd: the date wins',
  );
  t.same(
    slot(byKey(p, 'guid:4c2a6b3f-1d5e-4f9a-8b2c-3d4e5f6a7b8c')),
    ['2019-08-22T00:30:00Z', '2019-08-22T01:15:00Z', 'Curie'],
    'no date: 02:30 is before the 09:00 day start, so it is the next morning',
  );
  t.same(slot(byKey(p, 'guid:5d3b7c4a-2e6f-4a0b-9c3d-4e5f6a7b8c9d')), ['2019-08-21T18:00:00Z', '2019-08-21T18:30:00Z', 'Meitner'], 'a date written in UTC');
  const local = byKey(p, 'guid:6e4c8d5b-3f7a-4b1c-8d4e-5f6a7b8c9d0e');
  t.same(slot(local), ['2019-08-22T10:00:00Z', '2019-08-22T10:30:00Z', 'Curie'], 'a date without offset is local to the zone');
  t.equal(local.cancelled, true);
  t.equal(local.title, 'Local date without offset', 'the CANCELLED: prefix is taken off the title');
  t.same(
    p.sessions.map((s) => s.startsAt),
    [...p.sessions.map((s) => s.startsAt)].sort((a, b) => a - b),
    'sessions come sorted by start',
  );
});

t.test('debconf23 trap: wafer XML with UTC day dates and local starts', async (t) => {
  const p = parseSchedule(fixture('wafer-utc-days.schedule.xml'));
  t.equal(p.conference.timeZone, 'Asia/Kolkata');
  t.same(p.conference, {
    title: 'TinyConf 23',
    acronym: 'tinyconf23',
    timeZone: 'Asia/Kolkata',
    start: '2023-09-10',
    end: '2023-09-11',
    dayChange: '03:00',
    baseUrl: 'https://tinyconf.example.org',
  });
  t.same(p.warnings, []);
  t.equal(p.sessions.length, 5);
  uniqueKeys(t, p);
  const opening = byKey(p, 'guid:455d075f-48c0-2ec2-24b3-f5add30c383a');
  t.same(slot(opening), ['2023-09-10T05:00:00Z', '2023-09-10T05:20:00Z', 'Anamudi']);
  t.same(opening.speakers, ['Sruthi Chandran']);
  t.equal(opening.description, 'Welcome & hello', 'entities decoded');
  t.equal(opening.type, 'Long talk (45 minutes)');
  t.equal(opening.language, null);
  t.same(
    slot(byKey(p, 'guid:81c3c7d7-bb3f-39ce-4016-bbc959de550f')),
    ['2023-09-10T05:30:00Z', '2023-09-10T06:15:00Z', 'Anamudi'],
    'no <date>: the local date comes from the day start seen in Kolkata, not from the UTC day date',
  );
  t.same(byKey(p, 'guid:81c3c7d7-bb3f-39ce-4016-bbc959de550f').speakers, ['One', 'Two']);
  t.equal(byKey(p, 'guid:81c3c7d7-bb3f-39ce-4016-bbc959de550f').type, null, 'an empty <type/> is no type');
  t.same(
    slot(byKey(p, 'guid:92d4d8e8-cc40-4a2d-5127-d6ccca0661a0')),
    ['2023-09-10T20:00:00Z', '2023-09-10T21:00:00Z', 'Anamudi'],
    '01:30 is before the 03:00 local day start: the next local morning',
  );
  t.same(slot(byKey(p, 'guid:4bd0f4b3-ed98-8834-365c-28752657797d')), ['2023-09-10T01:30:00Z', '2023-09-10T05:00:00Z', 'Elsewhere']);
  t.same(slot(byKey(p, 'guid:a1b2c3d4-0000-4000-8000-000000000085')), ['2023-09-11T12:30:00Z', '2023-09-11T21:00:00Z', 'Anamudi']);
  t.same(p.rooms, [{ name: 'Anamudi' }, { name: 'Elsewhere' }]);
});

t.test('pentabarf XML without guids, dates or a zone', async (t) => {
  t.throws(() => parseSchedule(fixture('pentabarf-no-guid.schedule.xml')), ScheduleImportError, 'local times need a zone');
  t.throws(() => parseSchedule(fixture('pentabarf-no-guid.schedule.xml')), { message: /no usable time zone/ });

  const p = parseSchedule(fixture('pentabarf-no-guid.schedule.xml'), { fallbackTimeZone: 'Europe/Brussels' });
  t.equal(p.conference.timeZone, 'Europe/Brussels');
  t.equal(p.sessions.length, 5);
  t.same(p.sessions.map((s) => s.key), ['id:104', 'id:101', 'id:102', 'id:103', 'id:201'], 'keyed by id, sorted by start');
  t.same(slot(byKey(p, 'id:101')), ['2024-02-03T21:00:00Z', '2024-02-03T22:00:00Z', 'Janson']);
  t.same(slot(byKey(p, 'id:102')), ['2024-02-03T22:30:00Z', '2024-02-03T23:15:00Z', 'Janson']);
  t.same(slot(byKey(p, 'id:103')), ['2024-02-03T23:30:00Z', '2024-02-04T00:30:00Z', 'Janson'], '00:30 listed after 23:30 is the next day');
  t.same(slot(byKey(p, 'id:104')), ['2024-02-03T09:00:00Z', '2024-02-03T09:25:00Z', 'K.1.105'], '"00:25:00"');
  t.same(slot(byKey(p, 'id:201')), ['2024-02-04T08:30:00Z', '2024-02-04T09:00:00Z', 'Janson']);
  t.equal(byKey(p, 'id:101').description, '<p>Abstract</p>');
  t.same(byKey(p, 'id:101').speakers, ['Ada Lovelace']);
  t.equal(byKey(p, 'id:101').slug, 'keynote_late');
  t.match(p.warnings.map((w: { detail: string }) => w.detail), [/names no time zone/, /past midnight.*After midnight/]);

  const withDayChange = parseSchedule(
    fixture('pentabarf-no-guid.schedule.xml').toString('utf8').replace('<days>2</days>', '<days>2</days><day_change>06:00:00</day_change>'),
    { fallbackTimeZone: 'Europe/Brussels' },
  );
  t.same(slot(byKey(withDayChange, 'id:103')), ['2024-02-03T23:30:00Z', '2024-02-04T00:30:00Z', 'Janson'], 'day_change decides');
  t.notOk(withDayChange.warnings.some((w) => /past midnight/.test(w.detail)), 'no guessing needed');
});

t.test('schedule.json v2: flat events with absolute start and end', async (t) => {
  const v2 = {
    $schema: 'https://c3voc.de/schedule/schema2.json',
    schedule: {
      version: 'alpha-3',
      conference: {
        acronym: 'tiny2',
        title: 'Tiny v2',
        start: '2024-12-27T10:00:00+01:00',
        end: '2024-12-27T18:00:00+01:00',
        time_zone_name: 'Europe/Berlin',
        rooms: [
          { name: 'Saal 1', guid: 'ba692ba3-421b-5371-8309-60acc34a3c05' },
          { name: 'Saal GLITCH', guid: '7202df07-050c-552f-8318-992f94e40ef0' },
        ],
        days: [{ index: 1, date: '2024-12-27', start: '2024-12-27T10:00:00+01:00', end: '2024-12-28T04:00:00+01:00' }],
      },
      events: [
        {
          guid: '11111111-2222-5333-8444-555555555555',
          start: '2024-12-27T11:00:00+01:00',
          end: '2024-12-27T11:40:00+01:00',
          room: { guid: '7202df07-050c-552f-8318-992f94e40ef0' },
          title: { en: 'Opening', de: 'Eröffnung' },
          abstract: { de: 'Hallo' },
          track: { slug: 'ccc' },
          type: 'TALK',
          language: 'en',
          participants: [{ guid: 'aaaaaaaa-2222-5333-8444-555555555555', name: 'Host', role: 'HOST' }],
          links: [],
          slug: 'tiny2-opening',
          url: 'https://example.org/opening',
          state: 'CANCELED',
        },
      ],
    },
  };
  const p = parseSchedule(JSON.stringify(v2));
  t.equal(p.sessions.length, 1);
  const s = p.sessions[0];
  t.same(s && slot(s), ['2024-12-27T10:00:00Z', '2024-12-27T10:40:00Z', 'Saal GLITCH'], 'room found by guid');
  t.equal(s?.title, 'Opening', 'English preferred');
  t.equal(s?.description, 'Hallo');
  t.equal(s?.track, 'ccc');
  t.equal(s?.cancelled, true);
  t.same(s?.speakers, ['Host']);
  t.equal(p.conference.start, '2024-12-27');
});

t.test('the same event twice with identical details is one session without a warning', async (t) => {
  const doc = JSON.parse(fixture('past-midnight.schedule.json').toString('utf8')) as {
    schedule: { conference: { days: { rooms: Record<string, unknown[]> }[] } };
  };
  const days = doc.schedule.conference.days;
  const curie = days[0]?.rooms['Curie'] ?? [];
  days[1]?.rooms['Curie']?.push(curie[0]);
  const p = parseSchedule(JSON.stringify(doc));
  t.equal(p.sessions.length, 6);
  t.same(p.warnings, []);
});

t.test('events without guid fall back to id, then to the slot', async (t) => {
  const doc = {
    schedule: {
      version: '1',
      conference: {
        title: 'Ids',
        time_zone_name: 'Europe/Amsterdam',
        days: [
          {
            date: '2026-02-15',
            rooms: {
              Main: [
                { id: 7, date: '2026-02-15T09:00:00+01:00', duration: '00:30', title: 'By id' },
                { code: 'ABC123', date: '2026-02-15T10:00:00+01:00', duration: '00:30', title: 'By code' },
                { date: '2026-02-15T11:00:00+01:00', duration: '00:30', title: 'By slot' },
                { date: '2026-02-15T12:00:00+01:00', duration: '00:30' },
              ],
            },
          },
        ],
      },
    },
  };
  const p = parseSchedule(Buffer.from(`\uFEFF${JSON.stringify(doc)}`), { contentType: 'application/json' });
  t.same(
    p.sessions.map((s) => s.key),
    ['id:7', 'code:ABC123', 'slot:2026-02-15T10:00:00.000Z|Main|By slot', 'slot:2026-02-15T11:00:00.000Z|Main|(untitled)'],
  );
  t.ok(p.warnings.some((w) => /neither guid nor id/.test(w.detail)));
  t.ok(p.warnings.some((w) => /no title/.test(w.detail)));
});

t.test('refuses what is not a readable schedule, with a message for the client', async (t) => {
  const bad: [string, string | Buffer, RegExp][] = [
    ['empty', '', /empty/],
    ['whitespace', '  \n ', /empty/],
    ['plain text', 'hello, this is a CSV,maybe', /neither a schedule\.json/],
    ['broken JSON', '{"schedule": {', /not valid JSON/],
    ['JSON array', '[1,2,3]', /no "schedule" object/],
    ['JSON without schedule', '{"foo": 1}', /no "schedule" object/],
    ['schedule without conference', '{"schedule": {"version": "1"}}', /no "conference"/],
    ['broken XML', '<schedule><day></schedule>', /not well-formed/],
    ['XML of something else', '<rss><channel/></rss>', /no <schedule> root/],
    [
      'event without any time',
      JSON.stringify({ schedule: { conference: { title: 'x', days: [{ date: '2020-01-01', rooms: { A: [{ guid: 'g', title: 'Lost', duration: '00:30' }] } }] } } }),
      /"Lost".*no start time/,
    ],
    [
      'event with a garbage date',
      JSON.stringify({ schedule: { conference: { title: 'x', days: [{ date: '2020-01-01', rooms: { A: [{ id: 1, title: 'Garbage', date: 'soon', duration: '00:30' }] } }] } } }),
      /start of event "Garbage" \(1\) cannot be read/,
    ],
    [
      'event with a garbage duration',
      JSON.stringify({ schedule: { conference: { title: 'x', time_zone_name: 'UTC', days: [{ date: '2020-01-01', rooms: { A: [{ id: 2, title: 'Long', date: '2020-01-01T10:00:00Z', duration: 'forever' }] } }] } } }),
      /duration of event "Long" \(2\) cannot be read: "forever"/,
    ],
    [
      'event without duration',
      JSON.stringify({ schedule: { conference: { title: 'x', days: [{ date: '2020-01-01', rooms: { A: [{ id: 3, title: 'Open end', date: '2020-01-01T10:00:00Z' }] } }] } } }),
      /no duration or end/,
    ],
    [
      'XML event with a start but no day date',
      '<schedule><conference><time_zone_name>UTC</time_zone_name></conference><day><room name="A"><event id="1"><start>10:00</start><duration>00:30</duration><title>Undated</title></event></room></day></schedule>',
      /no readable date/,
    ],
    ['binary', Buffer.from([0x00, 0xff, 0x10, 0x80]), /neither a schedule\.json/],
  ];
  for (const [name, input, message] of bad) {
    t.throws(() => parseSchedule(input), ScheduleImportError, name);
    try {
      parseSchedule(input);
    } catch (err) {
      t.ok(err instanceof ScheduleImportError && message.test(err.message), `${name}: ${err instanceof Error ? err.message : ''}`);
      t.equal((err as ScheduleImportError).code, 'invalid_schedule');
    }
  }
});

t.test('an empty programme is not an error', async (t) => {
  const p = parseSchedule('<schedule><conference><title>Nothing yet</title></conference></schedule>', { contentType: 'text/xml' });
  t.same(p.sessions, []);
  t.same(p.rooms, []);
  t.equal(p.conference.title, 'Nothing yet');
});
