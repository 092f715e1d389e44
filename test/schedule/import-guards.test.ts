// Programme import attacked with the files that used to cancel a whole programme: another conference, an empty day, a duplicated guid, absurd durations, a wrong content type.
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { build, testClock, storeSql } from '../helper.js';
import { haveSharedSchedules, readShared } from '../interop/c3voc.js';
import { generateProgramme, scheduleJson, type ProgrammeEvent } from './programme.js';

const ADMIN = 'Bearer test-admin-token-0123456789abcdef';
const head = async (app: FastifyInstance): Promise<number> => (await storeSql(app).get<{ s: number }>('SELECT coalesce(max(seq), 0) AS s FROM events'))!.s;
const statuses = async (app: FastifyInstance): Promise<Record<string, number>> =>
  Object.fromEntries((await storeSql(app).all<{ status: string; n: number }>('SELECT status, count(*) AS n FROM sessions GROUP BY status')).map((r) => [r.status, r.n]));

function importFile(app: FastifyInstance, body: string | Buffer, contentType = 'application/json', query = '') {
  return app.inject({ method: 'POST', url: `/api/schedule/import${query}`, headers: { authorization: ADMIN, 'content-type': contentType }, payload: body });
}

interface Warning {
  code: string;
  detail: string;
}

const at = (iso: string): number => Date.parse(iso);
const conference = (prefix: string): ProgrammeEvent[] => [
  { guid: `${prefix}-0000-4000-8000-000000000001`, title: 'Opening', room: 'Plenary', start: at('2026-02-15T08:00:00Z'), minutes: 60 },
  { guid: `${prefix}-0000-4000-8000-000000000002`, title: 'Panel', room: 'Room 2', start: at('2026-02-15T10:00:00Z'), minutes: 90 },
  { guid: `${prefix}-0000-4000-8000-000000000003`, title: 'Day two keynote', room: 'Plenary', start: at('2026-02-16T08:00:00Z'), minutes: 60 },
  { guid: `${prefix}-0000-4000-8000-000000000004`, title: 'Day two workshop', room: 'Room 2', start: at('2026-02-16T10:00:00Z'), minutes: 120 },
];

async function setup(t: Test) {
  return build(t, { deps: { clock: testClock(at('2026-02-01T00:00:00Z')) } });
}

t.test('a release that shares no session with the programme is 409 different_conference and writes nothing; ?replace=true takes it', async (t) => {
  const { app } = await setup(t);
  const first = await importFile(app, scheduleJson(conference('aaaaaaaa'), 'Ours'));
  t.equal(first.statusCode, 200, 'a programme with no sessions yet accepts any file');
  const seq = await head(app);

  const other = scheduleJson(conference('bbbbbbbb'), 'Someone else’s');
  const refused = await importFile(app, other);
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { code: 'different_conference', status: 409, detail: /shares no session/ });
  t.equal(await head(app), seq, 'no event');
  t.same(await statuses(app), { scheduled: 4 }, 'nothing cancelled');
  t.equal((await storeSql(app).get<{ name: string }>('SELECT name FROM event_settings'))!.name, 'Ours', 'the event keeps its title');

  const falseFlag = await importFile(app, other, 'application/json', '?replace=false');
  t.equal(falseFlag.statusCode, 409, 'replace=false is no replace');

  const replaced = await importFile(app, other, 'application/json', '?replace=true');
  t.equal(replaced.statusCode, 200, replaced.body);
  t.match(replaced.json(), { sessions: { created: 4, cancelled: 4 } }, 'asked for, the old programme is replaced');

  const back = await importFile(app, scheduleJson(conference('aaaaaaaa'), 'Ours'));
  t.equal(back.statusCode, 409, 'the replaced programme’s cancelled sessions are not the programme any more');

  const oneShared = [...conference('cccccccc'), conference('bbbbbbbb')[0]!];
  const partial = await importFile(app, scheduleJson(oneShared));
  t.equal(partial.statusCode, 200, 'a release sharing even one session is a release of this programme');
});

t.test('a day of the file without rooms cancels nothing on that day, and warns', async (t) => {
  const { app } = await setup(t);
  const file = scheduleJson(conference('aaaaaaaa'));
  t.equal((await importFile(app, file)).statusCode, 200);

  const doc = JSON.parse(file) as { schedule: { conference: { days: { date: string; rooms: Record<string, unknown> }[] } } };
  doc.schedule.conference.days[1]!.rooms = {};
  const seq = await head(app);
  const res = await importFile(app, JSON.stringify(doc));
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json().sessions, { created: 0, updated: 0, cancelled: 0 }, 'day two is not cancelled');
  t.same(await statuses(app), { scheduled: 4 });
  t.equal(await head(app), seq, 'no event');
  const warning = (res.json().warnings as Warning[]).find((w) => w.code === 'empty_day');
  t.ok(warning, 'an empty_day warning');
  t.match(warning?.detail, /2026-02-16/, 'naming the day');

  // Day one still speaks for itself: a session removed from it is cancelled as before.
  doc.schedule.conference.days[0]!.rooms = { Plenary: (doc.schedule.conference.days[0]!.rooms['Plenary'] as unknown[]) ?? [] };
  const dayOne = await importFile(app, JSON.stringify(doc));
  t.same(dayOne.json().sessions, { created: 0, updated: 0, cancelled: 1 }, 'only the session dropped from day one');

  const xml = `<?xml version="1.0"?><schedule><conference><title>Ours</title><time_zone_name>Europe/Amsterdam</time_zone_name></conference>
    <day date="2026-02-15" index="1"/><day date="2026-02-16" index="2"/></schedule>`;
  const emptyXml = await importFile(app, xml, 'application/xml');
  t.equal(emptyXml.statusCode, 400, 'a file with only empty days lists no events: refused as before');
  t.equal(emptyXml.json().code, 'invalid_schedule');
});

t.test('a guid given to two different events is 400 naming it, and writes nothing', async (t) => {
  const { app } = await setup(t);
  t.equal((await importFile(app, scheduleJson(conference('aaaaaaaa')))).statusCode, 200);
  const seq = await head(app);
  const twice = [...conference('aaaaaaaa'), { guid: 'aaaaaaaa-0000-4000-8000-000000000002', title: 'Another talk', room: 'Room 3', start: at('2026-02-15T14:00:00Z'), minutes: 30 }];
  const res = await importFile(app, scheduleJson(twice));
  t.equal(res.statusCode, 400);
  t.match(res.json(), { code: 'duplicate_guid', detail: /aaaaaaaa-0000-4000-8000-000000000002/ });
  t.equal(await head(app), seq, 'no event');
  t.same(await statuses(app), { scheduled: 4 });
  t.equal((await storeSql(app).get<{ n: number }>("SELECT count(*) AS n FROM rooms WHERE name = 'Room 3'"))!.n, 0, 'no room created');
});

t.test('durations of 0 or over 24 h are imported with a warning', async (t) => {
  const { app } = await setup(t);
  const odd = [
    ...conference('aaaaaaaa'),
    { guid: 'dddddddd-0000-4000-8000-000000000001', title: 'Instant', room: 'Plenary', start: at('2026-02-15T12:00:00Z'), minutes: 0 },
    { guid: 'dddddddd-0000-4000-8000-000000000002', title: 'Marathon', room: 'Room 2', start: at('2026-02-15T13:00:00Z'), minutes: 25 * 60 },
  ];
  const res = await importFile(app, scheduleJson(odd));
  t.equal(res.statusCode, 200, res.body);
  const warnings = res.json().warnings as Warning[];
  t.match(warnings.find((w) => w.code === 'zero_duration'), { detail: /Instant/ });
  t.match(warnings.find((w) => w.code === 'duration_over_24h'), { detail: /Marathon.*25 h/ });
  t.equal(res.json().sessions.created, 6);
});

t.test('a file labelled with the other type is read by its content, with a warning', async (t) => {
  const { app } = await setup(t);
  const json = await importFile(app, scheduleJson(conference('aaaaaaaa')), 'application/xml');
  t.equal(json.statusCode, 200, json.body);
  t.match((json.json().warnings as Warning[]).find((w) => w.code === 'content_type_mismatch'), { detail: /sent as XML.*holds JSON/ });
  t.equal(json.json().sessions.created, 4);

  const labelled = await importFile(app, scheduleJson(conference('aaaaaaaa')), 'application/json');
  t.notOk((labelled.json().warnings as Warning[]).some((w) => w.code === 'content_type_mismatch'), 'no warning when the label is right');

  if (!haveSharedSchedules(t)) return;
  const xml = readShared('debconf23-wafer.schedule.xml');
  const res = await importFile(app, xml, 'application/json', '?replace=true');
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  t.match((res.json().warnings as Warning[]).find((w) => w.code === 'content_type_mismatch'), { detail: /sent as JSON.*holds XML/ });
  t.ok(res.json().sessions.created > 100, 'the real wafer XML, labelled JSON, imports whole');
});

t.test('the file is parsed off the event loop: a request sent once a large import has started is answered before it', async (t) => {
  const { app } = await setup(t);
  const file = Buffer.from(scheduleJson(generateProgramme(3000)));
  const admin = (await storeSql(app).get<{ id: string }>("SELECT id FROM devices WHERE role = 'admin' LIMIT 1"))!;
  const order: string[] = [];
  // Called directly, the import has handed the file to its parser by the time the call returns.
  const importing = app.services.schedule.importFile({ deviceId: admin.id, role: 'admin' }, file, 'application/json').then((result) => {
    order.push('import');
    return result;
  });
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  order.push('healthz');
  t.equal(health.statusCode, 200);
  t.equal((await importing).sessions.created, 3000);
  t.same(order, ['healthz', 'import']);
});
