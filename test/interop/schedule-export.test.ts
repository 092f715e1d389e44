// schedule.json export: c3voc schema validity, days in the event's zone, stable guids, cancelled sessions, and export → import round trips.
import t from 'tap';
import fc from '../property.js';
import { parseSchedule } from '../../src/interop/schedule-import.js';
import type { ParsedSession } from '../../src/interop/schedule-import.js';
import { roomGuid, sessionGuid, toScheduleJson, uuidV5 } from '../../src/interop/schedule-export.js';
import type { ExportInput, ExportSession, ScheduleJsonEvent } from '../../src/interop/schedule-export.js';
import { c3vocValidator, haveSharedSchedules, schemaErrors } from './c3voc.js';

function session(id: string, startsAt: string, endsAt: string, extra: Partial<ExportSession> = {}): ExportSession {
  return {
    id,
    title: `Session ${id}`,
    theme: null,
    type: 'panel',
    startsAt,
    endsAt,
    roomId: 'r-plenary',
    speakers: [],
    status: 'scheduled',
    delayMinutes: 0,
    changeNote: null,
    version: 1,
    ...extra,
  };
}

const summit: ExportInput = {
  event: { name: 'Responsible AI in the Military Domain', timeZone: 'Europe/Amsterdam', slug: 'reaim-2026', baseUrl: 'https://eventday.example.org' },
  rooms: [
    { id: 'r-plenary', name: 'Plenary Hall' },
    { id: 'r-a', name: 'Room A' },
    { id: 'r-b', name: 'Room B' },
  ],
  sessions: [
    session('s-opening', '2026-02-15T08:30:00Z', '2026-02-15T09:15:00Z', {
      title: 'Opening plenary',
      type: 'plenary',
      theme: 1,
      speakers: ['Minister A', 'Dr. Ą Łukasiewicz'],
      description: 'Welcome.',
      language: 'en',
      version: 3,
    }),
    session('s-panel', '2026-02-15T10:15:00Z', '2026-02-15T11:15:00Z', {
      title: 'Panel: governance',
      roomId: 'r-a',
      theme: 3,
      delayMinutes: 15,
      changeNote: 'Speaker delayed by traffic',
      version: 4,
    }),
    session('s-closed', '2026-02-15T13:00:00Z', '2026-02-15T14:00:00Z', {
      title: 'Closed-door session',
      type: 'closed',
      roomId: 'r-b',
      status: 'cancelled',
      changeNote: 'Moved to a later date',
      version: 2,
    }),
    // 00:30 in Amsterdam on the 16th, but still the 15th in UTC.
    session('s-late', '2026-02-15T23:30:00Z', '2026-02-16T00:30:00Z', { title: 'Late reception', type: 'break' }),
    session('s-day2', '2026-02-16T08:00:00.000Z', '2026-02-16T08:45:30Z', { title: 'Day two opening', theme: 2 }),
  ],
};

function events(doc: ReturnType<typeof toScheduleJson>): ScheduleJsonEvent[] {
  return doc.schedule.conference.days.flatMap((d) => Object.values(d.rooms).flat());
}

function find(doc: ReturnType<typeof toScheduleJson>, id: string): ScheduleJsonEvent {
  const e = events(doc).find((x) => x.guid === sessionGuid(id));
  if (!e) throw new Error(`no exported ${id}`);
  return e;
}

t.test('uuid v5 matches RFC 9562 test values', async (t) => {
  t.equal(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
  t.equal(sessionGuid('s-opening'), 'c46a2e45-40f3-5d7a-8664-1d5b87ee6ca4', 'pinned: changing it re-keys every imported copy');
  t.not(sessionGuid('s-opening'), roomGuid('s-opening'), 'rooms and sessions live in different namespaces');
});

t.test('the export validates against the c3voc schema', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const validate = c3vocValidator();
  const doc = toScheduleJson(summit);
  t.ok(validate(doc), 'valid');
  t.same(schemaErrors(validate), []);

  const empty = toScheduleJson({ ...summit, sessions: [] }, { now: new Date('2026-02-14T23:30:00Z') });
  t.ok(validate(empty), 'an empty programme is valid too');
  t.same(empty.schedule.conference.days.map((d) => d.date), ['2026-02-15'], 'dated by the clock, in the zone');

  const oddZone = toScheduleJson({ ...summit, event: { name: 'Hi', timeZone: 'Etc/GMT-1' } });
  t.ok(validate(oddZone), 'a zone name outside the schema pattern is left out rather than breaking validity');
  t.notOk('time_zone_name' in oddZone.schedule.conference);
  t.equal(oddZone.schedule.conference.acronym, 'hi_eventday', 'short acronyms are lengthened to the schema minimum');
});

t.test('days are calendar days in the event zone, dates are local with offset', async (t) => {
  const doc = toScheduleJson(summit);
  const conference = doc.schedule.conference;
  t.equal(conference.time_zone_name, 'Europe/Amsterdam');
  t.equal(conference.acronym, 'reaim_2026');
  t.equal(conference.start, '2026-02-15');
  t.equal(conference.end, '2026-02-16');
  t.equal(conference.daysCount, 2);
  t.equal(doc.schedule.base_url, 'https://eventday.example.org');
  t.same(
    conference.rooms,
    summit.rooms.map((r) => ({ name: r.name, guid: roomGuid(r.id) })),
  );
  const [day1, day2] = conference.days;
  t.same(day1 && Object.keys(day1.rooms), ['Plenary Hall', 'Room A', 'Room B'], 'every room on every day');
  t.equal(day1?.day_start, '2026-02-15T00:00:00+01:00');
  t.equal(day1?.day_end, '2026-02-15T23:59:59+01:00');
  t.same(
    day1 && Object.values(day1.rooms).flat().map((e) => e.title),
    ['Opening plenary', 'Panel: governance', 'CANCELLED: Closed-door session'],
  );
  t.same(
    day2 && Object.values(day2.rooms).flat().map((e) => e.title),
    ['Late reception', 'Day two opening'],
    'the 00:30 local session is on the 16th',
  );

  const opening = find(doc, 's-opening');
  t.equal(opening.date, '2026-02-15T09:30:00+01:00');
  t.equal(opening.start, '09:30');
  t.equal(opening.end, '2026-02-15T10:15:00+01:00');
  t.equal(opening.duration, '00:45');
  t.equal(opening.room, 'Plenary Hall');
  t.equal(opening.track, 'Theme 1');
  t.equal(opening.type, 'plenary');
  t.equal(opening.language, 'en');
  t.same(opening.persons, [
    { name: 'Minister A', public_name: 'Minister A' },
    { name: 'Dr. Ą Łukasiewicz', public_name: 'Dr. Ą Łukasiewicz' },
  ]);
  t.equal(opening.url, `urn:uuid:${sessionGuid('s-opening')}`);
  t.match(opening.slug, /^reaim_2026-\d+-opening_plenary$/);
  t.equal(find(doc, 's-late').date, '2026-02-16T00:30:00+01:00');
  t.equal(find(doc, 's-day2').duration, '00:46', 'rounded to the minute; the exact end is in "end"');
  t.equal(find(doc, 's-day2').end, '2026-02-16T09:45:30+01:00');
});

t.test('summer time gives +02:00', async (t) => {
  const doc = toScheduleJson({ ...summit, sessions: [session('s-summer', '2026-07-01T07:00:00Z', '2026-07-01T08:00:00Z')] });
  t.equal(find(doc, 's-summer').date, '2026-07-01T09:00:00+02:00');
  t.equal(doc.schedule.conference.days[0]?.day_start, '2026-07-01T00:00:00+02:00');
});

t.test('cancelled and delayed sessions', async (t) => {
  const doc = toScheduleJson(summit);
  const cancelled = find(doc, 's-closed');
  t.equal(cancelled.title, 'CANCELLED: Closed-door session');
  t.equal(cancelled.do_not_record, true);
  t.equal(cancelled.subtitle, 'Moved to a later date');
  const delayed = find(doc, 's-panel');
  t.equal(delayed.date, '2026-02-15T11:15:00+01:00', 'the given (already delayed) time');
  t.equal(delayed.subtitle, 'Delayed by 15 min – Speaker delayed by traffic');
  t.equal(delayed.do_not_record, false);
  t.equal(find(doc, 's-opening').subtitle, '');
});

t.test('guids, ids and slugs are stable across exports and input order', async (t) => {
  const first = toScheduleJson(summit);
  const changed = toScheduleJson({
    ...summit,
    sessions: [...summit.sessions]
      .reverse()
      .map((s) => (s.id === 's-panel' ? { ...s, startsAt: '2026-02-15T12:00:00Z', endsAt: '2026-02-15T13:00:00Z', version: 5 } : s))
      .concat(session('s-new', '2026-02-16T12:00:00Z', '2026-02-16T13:00:00Z')),
  });
  for (const s of summit.sessions) {
    const a = find(first, s.id);
    const b = find(changed, s.id);
    t.same([a.guid, a.id, a.slug], [b.guid, b.id, b.slug], s.id);
  }
  t.not(first.schedule.version, changed.schedule.version, 'the version moves with the content');
  t.equal(toScheduleJson(summit).schedule.version, first.schedule.version, 'and only with the content');
  const ids = events(changed).map((e) => e.id);
  t.equal(new Set(ids).size, ids.length, 'integer ids are unique');
  t.ok(ids.every((id) => Number.isInteger(id) && id >= 1 && id <= 0x7fffffff), 'and fit an int32');
});

t.test('rooms sharing a name stay apart', async (t) => {
  const doc = toScheduleJson({
    ...summit,
    rooms: [
      { id: 'r-1', name: 'Room' },
      { id: 'r-2', name: 'Room' },
    ],
    sessions: [
      session('x', '2026-02-15T08:00:00Z', '2026-02-15T09:00:00Z', { roomId: 'r-1' }),
      session('y', '2026-02-15T08:00:00Z', '2026-02-15T09:00:00Z', { roomId: 'r-2' }),
    ],
  });
  t.same(doc.schedule.conference.rooms.map((r) => r.name), ['Room', 'Room (r-2)']);
  t.same(parseSchedule(JSON.stringify(doc)).sessions.map((s) => s.roomName), ['Room', 'Room (r-2)']);
});

t.test('export → import gives the same programme', async (t) => {
  const doc = toScheduleJson(summit);
  const p = parseSchedule(JSON.stringify(doc));
  t.same(p.warnings, []);
  t.equal(p.conference.timeZone, 'Europe/Amsterdam');
  t.equal(p.conference.title, summit.event.name);
  t.same(p.rooms, summit.rooms.map((r) => ({ name: r.name, guid: roomGuid(r.id) })));
  t.equal(p.sessions.length, summit.sessions.length);
  for (const s of summit.sessions) {
    const back = p.sessions.find((x) => x.key === `guid:${sessionGuid(s.id)}`);
    t.same(
      back && {
        title: back.title,
        startsAt: back.startsAt,
        endsAt: back.endsAt,
        room: back.roomName,
        speakers: back.speakers,
        cancelled: back.cancelled,
        type: back.type,
        description: back.description,
      },
      {
        title: s.title,
        startsAt: Date.parse(s.startsAt),
        endsAt: Date.parse(s.endsAt),
        room: summit.rooms.find((r) => r.id === s.roomId)?.name,
        speakers: s.speakers,
        cancelled: s.status === 'cancelled',
        type: s.type,
        description: s.description ?? null,
      },
      s.id,
    );
  }
});

t.test('property: any programme exports valid and comes back unchanged', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const validate = c3vocValidator();
  const name = fc
    .string({ minLength: 1, maxLength: 30 })
    .map((s) => s.trim())
    .filter((s) => s !== '' && !/^\s*[[(]?\s*(cancell?ed|abgesagt)/i.test(s));
  const base = Date.parse('2026-03-27T00:00:00Z');
  const programme = fc
    .record({
      zone: fc.constantFrom('Europe/Amsterdam', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe', 'UTC'),
      rooms: fc.uniqueArray(name, { minLength: 1, maxLength: 4 }),
      sessions: fc.array(
        fc.record({
          title: name,
          room: fc.nat(3),
          // Minutes over five days that include the European and a southern DST switch.
          start: fc.integer({ min: 0, max: 5 * 24 * 60 }),
          length: fc.integer({ min: 0, max: 600 }),
          cancelled: fc.boolean(),
          speakers: fc.uniqueArray(name, { maxLength: 3 }),
          theme: fc.option(fc.constantFrom(1, 2, 3), { nil: null }),
        }),
        { maxLength: 25 },
      ),
    })
    .map(({ zone, rooms, sessions }): ExportInput => ({
      event: { name: 'Property', timeZone: zone },
      rooms: rooms.map((r, i) => ({ id: `r${i}`, name: r })),
      sessions: sessions.map((s, i) => ({
        id: `s${i}`,
        title: s.title,
        theme: s.theme,
        type: 'talk',
        startsAt: new Date(base + s.start * 60_000).toISOString(),
        endsAt: new Date(base + (s.start + s.length) * 60_000).toISOString(),
        roomId: `r${s.room % rooms.length}`,
        speakers: s.speakers,
        status: s.cancelled ? 'cancelled' : 'scheduled',
        delayMinutes: 0,
        changeNote: null,
        version: 1,
      })),
    }));
  fc.assert(
    fc.property(programme, (input) => {
      const doc = toScheduleJson(input);
      if (!validate(doc)) throw new Error(schemaErrors(validate).join('; '));
      const back = parseSchedule(JSON.stringify(doc));
      const byKey = new Map<string, ParsedSession>(back.sessions.map((s) => [s.key, s]));
      return (
        back.sessions.length === input.sessions.length &&
        input.sessions.every((s) => {
          const b = byKey.get(`guid:${sessionGuid(s.id)}`);
          return (
            b !== undefined &&
            b.title === s.title &&
            b.startsAt === Date.parse(s.startsAt) &&
            b.endsAt === Date.parse(s.endsAt) &&
            b.roomName === input.rooms.find((r) => r.id === s.roomId)?.name &&
            b.cancelled === (s.status === 'cancelled') &&
            JSON.stringify(b.speakers) === JSON.stringify(s.speakers)
          );
        })
      );
    }),
    { numRuns: 150 },
  );
  t.pass('150 random programmes');
});

t.test('programming errors in the input are reported, not exported', async (t) => {
  t.throws(() => toScheduleJson({ ...summit, event: { name: 'x', timeZone: 'Mars/Base' } }), RangeError);
  t.throws(() => toScheduleJson({ ...summit, sessions: [session('x', 'tomorrow', '2026-02-15T09:00:00Z')] }), RangeError);
  t.throws(() => toScheduleJson({ ...summit, sessions: [session('x', '2026-02-15T08:00:00Z', '2026-02-15T09:00:00Z', { roomId: 'nope' })] }), {
    message: /unknown room nope/,
  });
});
