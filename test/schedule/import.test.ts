// Programme import over HTTP: idempotent, newer releases as schedule changes, bad files refused with nothing written.
import path from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { build, testClock, storeSql } from '../helper.js';
import { generateProgramme, scheduleJson, type ProgrammeEvent } from './programme.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'schedules');
const head = async (app: FastifyInstance): Promise<number> => (await storeSql(app).get<{ s: number }>('SELECT coalesce(max(seq), 0) AS s FROM events'))!.s;
const count = async (app: FastifyInstance, table: string): Promise<number> => (await storeSql(app).get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n;

function importFile(app: FastifyInstance, body: string | Buffer, contentType = 'application/json', token = 'test-admin-token-0123456789abcdef', query = '') {
  return app.inject({ method: 'POST', url: `/api/schedule/import${query}`, headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, payload: body });
}

const at = (iso: string): number => Date.parse(iso);
const base: ProgrammeEvent[] = [
  { guid: 'aaaaaaaa-0000-4000-8000-000000000001', title: 'Opening', room: 'Plenary', start: at('2026-02-15T08:00:00Z'), minutes: 60, track: 'Theme 1', speakers: ['Chair'] },
  { guid: 'aaaaaaaa-0000-4000-8000-000000000002', title: 'Panel on testing', room: 'Plenary', start: at('2026-02-15T09:30:00Z'), minutes: 90 },
  { guid: 'aaaaaaaa-0000-4000-8000-000000000003', title: 'Workshop', room: 'Room 2', start: at('2026-02-15T09:30:00Z'), minutes: 120 },
  { guid: 'aaaaaaaa-0000-4000-8000-000000000004', title: 'Lunch talk', room: 'Room 2', start: at('2026-02-15T12:00:00Z'), minutes: 45 },
  { guid: 'aaaaaaaa-0000-4000-8000-000000000005', title: 'Closing', room: 'Plenary', start: at('2026-02-16T15:00:00Z'), minutes: 30 },
];

t.test('import a programme, then the same file again: nothing changes and nothing is emitted', async (t) => {
  const clock = testClock(at('2026-02-01T00:00:00Z'));
  const { app, auth } = await build(t, { deps: { clock } });
  const file = scheduleJson(base, 'Responsible AI Summit');
  const first = await importFile(app, file);
  t.equal(first.statusCode, 200, first.body);
  t.match(first.json(), { rooms: { created: 2, updated: 0 }, sessions: { created: 5, updated: 0, cancelled: 0 } });
  t.match(first.json().warnings.map((w: { detail: string }) => w.detail), [/2 new room\(s\) have no capacity/]);

  const sessions = (await app.inject({ method: 'GET', url: '/api/sessions', headers: auth('kiosk') })).json() as Record<string, unknown>[];
  const rooms = (await app.inject({ method: 'GET', url: '/api/rooms', headers: auth('ops') })).json() as { id: string; name: string; capacity: number }[];
  t.same(rooms.map((r) => [r.name, r.capacity]), [['Plenary', 0], ['Room 2', 0]]);
  const roomName = new Map(rooms.map((r) => [r.id, r.name]));
  t.same(
    sessions.map((s) => [s.title, roomName.get(s.roomId as string), s.startsAt, s.endsAt, s.status, s.theme, s.speakers]).sort(),
    [
      ['Closing', 'Plenary', '2026-02-16T15:00:00Z', '2026-02-16T15:30:00Z', 'scheduled', null, []],
      ['Lunch talk', 'Room 2', '2026-02-15T12:00:00Z', '2026-02-15T12:45:00Z', 'scheduled', null, []],
      ['Opening', 'Plenary', '2026-02-15T08:00:00Z', '2026-02-15T09:00:00Z', 'scheduled', 1, ['Chair']],
      ['Panel on testing', 'Plenary', '2026-02-15T09:30:00Z', '2026-02-15T11:00:00Z', 'scheduled', null, []],
      ['Workshop', 'Room 2', '2026-02-15T09:30:00Z', '2026-02-15T11:30:00Z', 'scheduled', null, []],
    ],
  );
  const settings = (await storeSql(app).get<{ name: string; days: string }>('SELECT name, days FROM event_settings'))!;
  t.same([settings.name, JSON.parse(settings.days)], ['Responsible AI Summit', ['2026-02-15', '2026-02-16']]);
  t.same(app.settings.days, ['2026-02-15', '2026-02-16']);

  const seq = await head(app);
  const again = await importFile(app, file);
  t.equal(again.statusCode, 200);
  t.same(again.json().rooms, { created: 0, updated: 0 });
  t.same(again.json().sessions, { created: 0, updated: 0, cancelled: 0 });
  t.equal(await head(app), seq, 'no event');
  t.same((await app.inject({ method: 'GET', url: '/api/sessions', headers: auth('kiosk') })).json(), sessions, 'same sessions, same versions');
});

t.test('a newer release updates in place and emits its differences as schedule changes', async (t) => {
  const clock = testClock(at('2026-02-01T00:00:00Z'));
  const { app, auth } = await build(t, { deps: { clock } });
  await importFile(app, scheduleJson(base));
  const before = (await app.inject({ method: 'GET', url: '/api/sessions', headers: auth('ops') })).json() as { id: string; title: string; version: number; delayMinutes: number }[];
  const opening = before.find((s) => s.title === 'Opening')!;
  // Floor staff delay the opening; the new release does not touch delays.
  await app.inject({ method: 'PATCH', url: `/api/sessions/${opening.id}`, headers: auth('ops'), payload: { version: 1, delayMinutes: 10 } });
  const seq = await head(app);

  const release2: ProgrammeEvent[] = [
    { ...base[0]!, title: 'Opening ceremony' },
    { ...base[1]!, room: 'Room 2', start: base[1]!.start + 30 * 60_000 },
    { ...base[2]!, minutes: 90 },
    { ...base[3]!, cancelled: true },
    // base[4] (Closing) left the programme.
    { guid: 'aaaaaaaa-0000-4000-8000-000000000006', title: 'Fireside chat', room: 'Garden', start: at('2026-02-16T13:00:00Z'), minutes: 45 },
  ];
  const res = await importFile(app, scheduleJson(release2));
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { rooms: { created: 1, updated: 0 }, sessions: { created: 1, updated: 3, cancelled: 2 } });

  const changes = (await app.inject({ method: 'GET', url: `/api/schedule/changes?since=${seq}`, headers: auth('kiosk') })).json() as {
    sessionId: string;
    kind: string;
    kinds: string[];
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
  }[];
  const titleOf = new Map(before.map((s) => [s.id, s.title]));
  const summary = changes.map((c) => [titleOf.get(c.sessionId) ?? (c.after?.title as string), c.kinds]).sort((x, y) => String(x[0]).localeCompare(String(y[0])));
  t.same(summary, [
    ['Closing', ['cancelled']],
    ['Fireside chat', ['added']],
    ['Lunch talk', ['cancelled']],
    ['Opening', ['renamed']],
    ['Panel on testing', ['moved', 'retimed']],
    ['Workshop', ['retimed']],
  ]);
  const workshop = changes.find((c) => titleOf.get(c.sessionId) === 'Workshop')!;
  t.same([workshop.before, workshop.after], [{ endsAt: '2026-02-15T11:30:00Z' }, { endsAt: '2026-02-15T11:00:00Z' }]);

  const after = (await app.inject({ method: 'GET', url: '/api/sessions', headers: auth('ops') })).json() as { id: string; title: string; status: string; version: number; delayMinutes: number }[];
  t.equal(after.length, 6, 'nothing is deleted');
  const openingNow = after.find((s) => s.id === opening.id)!;
  t.match(openingNow, { title: 'Opening ceremony', delayMinutes: 10, version: 3 }, 'the delay stays, the version grows');
  t.equal(after.find((s) => s.title === 'Closing')!.status, 'cancelled');

  const seq2 = await head(app);
  const same = await importFile(app, scheduleJson(release2));
  t.same(same.json().sessions, { created: 0, updated: 0, cancelled: 0 }, 'the newer release twice: nothing');
  t.equal(await head(app), seq2);

  const back = await importFile(app, scheduleJson(base));
  t.match(back.json().sessions, { created: 0, updated: 5, cancelled: 1 });
  const restored = (await app.inject({ method: 'GET', url: `/api/schedule/changes?since=${seq2}`, headers: auth('kiosk') })).json() as { kinds: string[] }[];
  t.same(
    restored.map((c) => c.kinds.join('+')).sort(),
    ['cancelled', 'moved+retimed', 'renamed', 'restored', 'restored', 'retimed'],
    'the first release again: the removed and the cancelled are restored, the fireside chat is cancelled',
  );
});

t.test("the interop helper's trap fixtures import through HTTP, each event once; re-import is a no-op", async (t) => {
  const { app } = await build(t);
  const files = readdirSync(fixtures).filter((f) => /\.schedule\.(json|xml)$/.test(f)).sort();
  t.ok(files.length >= 4, `${files.length} fixtures`);
  let total = 0;
  for (const file of files) {
    const body = readFileSync(path.join(fixtures, file));
    const type = file.endsWith('.xml') ? 'application/xml' : 'application/json';
    // Each fixture is another conference: after the first, only ?replace=true takes it.
    const res = await importFile(app, body, type, undefined, total === 0 ? '' : '?replace=true');
    if (file === 'zone-contradiction.schedule.json') {
      // It gives one guid to two different events: refused, naming the guid, before anything is written.
      t.equal(res.statusCode, 400, file);
      t.match(res.json(), { code: 'duplicate_guid', detail: /5a1d0c8e-3f7e-5b39-9d1e-0c6f1e0a7b21/ }, `${file}: the guid is named`);
      continue;
    }
    t.equal(res.statusCode, 200, `${file}: ${res.body.slice(0, 300)}`);
    total += res.json().sessions.created as number;
    t.ok(res.json().sessions.created > 0, `${file}: sessions created`);
    const seq = await head(app);
    const again = await importFile(app, body, file.endsWith('.xml') ? 'text/xml; charset=utf-8' : 'application/json; charset=utf-8');
    t.same(again.json().sessions, { created: 0, updated: 0, cancelled: 0 }, `${file} again: nothing`);
    t.equal(await head(app), seq, `${file} again: no event`);
  }
  t.equal(await count(app, 'sessions'), total, 'every session once');
});

t.test('bad files get 400 invalid_schedule with the reason, never 500, and write nothing', async (t) => {
  const { app } = await build(t);
  await importFile(app, scheduleJson(base));
  const seq = await head(app);
  const sessions = await count(app, 'sessions');
  const broken = JSON.parse(scheduleJson(base)) as { schedule: { conference: { days: { rooms: Record<string, Record<string, unknown>[]> }[] } } };
  delete broken.schedule.conference.days[0]!.rooms['Plenary']![0]!['duration'];
  const noStart = JSON.parse(scheduleJson(base)) as typeof broken;
  delete noStart.schedule.conference.days[0]!.rooms['Plenary']![0]!['date'];
  delete noStart.schedule.conference.days[0]!.rooms['Plenary']![0]!['start'];
  const cases: [string, string | Buffer, string, RegExp][] = [
    ['invalid JSON', '{"schedule": ', 'application/json', /not valid JSON/],
    ['not a schedule', '{"hello": "world"}', 'application/json', /no "schedule"/],
    ['an array', '[1, 2, 3]', 'application/json', /schedule/],
    ['XML not well-formed', '<schedule><day></schedule>', 'application/xml', /not well-formed/],
    ['XML of something else', '<?xml version="1.0"?><html><body/></html>', 'text/xml', /<schedule>/],
    ['an event without duration', JSON.stringify(broken), 'application/json', /duration/],
    ['an event without start', JSON.stringify(noStart), 'application/json', /start/],
    ['an empty programme', scheduleJson([]), 'application/json', /no events/],
    ['an empty body', '', 'application/json', /empty/],
    ['binary junk', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02]), 'application/json', /./],
  ];
  for (const [what, body, type, reason] of cases) {
    const res = await importFile(app, body, type);
    t.equal(res.statusCode, 400, `${what}: ${res.body.slice(0, 200)}`);
    t.equal(res.json().code, 'invalid_schedule', what);
    t.match(res.json().detail, reason, what);
    t.notMatch(res.body, /at .*\.(ts|js):\d+/, `${what}: no stack trace`);
  }
  const plain = await importFile(app, scheduleJson(base), 'text/plain');
  t.equal(plain.statusCode, 415, 'an unknown content type');
  t.equal(plain.json().code, 'unsupported_media_type');
  t.equal(await head(app), seq, 'no event');
  t.equal(await count(app, 'sessions'), sessions, 'no session');
});

t.test('a large programme (over the API body limit) imports in one request; only admins may import', async (t) => {
  const { app, tokens } = await build(t);
  const file = scheduleJson(generateProgramme(2400));
  t.ok(Buffer.byteLength(file) > 1024 * 1024, `${Buffer.byteLength(file)} bytes`);
  const res = await importFile(app, file);
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  t.equal(res.json().sessions.created, 2400);
  for (const role of ['ops', 'desk', 'door', 'kiosk'] as const) {
    const denied = await importFile(app, scheduleJson(base), 'application/json', tokens[role]);
    t.equal(denied.statusCode, 403, role);
  }
  const anon = await app.inject({ method: 'POST', url: '/api/schedule/import', headers: { 'content-type': 'application/json' }, payload: '{}' });
  t.equal(anon.statusCode, 401);
});
