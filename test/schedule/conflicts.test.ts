// Schedule edits are checked: a room in use at that time (10-minute changeover) is a 409 room_conflict unless forced; capacity and features are warnings.
import t from 'tap';
import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { build, testClock, storeSql } from '../helper.js';

type Session = Record<string, unknown> & { id: string; version: number; roomId: string; startsAt: string; endsAt: string };

const head = async (app: FastifyInstance): Promise<number> => (await storeSql(app).get<{ s: number }>('SELECT coalesce(max(seq), 0) AS s FROM events'))!.s;

async function setup(t: Test) {
  const built = await build(t, { deps: { clock: testClock(Date.parse('2026-02-15T07:00:00Z')) } });
  const { app, auth } = built;
  const room = async (payload: object): Promise<string> =>
    (await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('ops'), payload })).json().id as string;
  const a = await room({ name: 'Room A', capacity: 100, features: ['projector'] });
  const b = await room({ name: 'Room B', capacity: 30 });
  const post = (payload: object) => app.inject({ method: 'POST', url: '/api/sessions', headers: auth('ops'), payload });
  const create = async (payload: object): Promise<Session> => {
    const res = await post({ roomId: a, ...payload });
    if (res.statusCode !== 201) throw new Error(`create failed: ${res.body}`);
    return res.json();
  };
  const patch = (id: string, payload: object) => app.inject({ method: 'PATCH', url: `/api/sessions/${id}`, headers: auth('ops'), payload });
  const get = async (id: string): Promise<Session> => (await app.inject({ method: 'GET', url: `/api/sessions/${id}`, headers: auth('ops') })).json();
  return { app, a, b, post, create, patch, get };
}

t.test('a move into a room in use is 409 room_conflict naming the other session, and writes nothing', async (t) => {
  const { app, a, b, create, patch, get } = await setup(t);
  const keynote = await create({ title: 'Keynote', startsAt: '2026-02-15T09:00:00Z', endsAt: '2026-02-15T10:00:00Z' });
  const panel = await create({ title: 'Panel', startsAt: '2026-02-15T09:30:00Z', endsAt: '2026-02-15T10:30:00Z', roomId: b });
  const seq = await head(app);
  const res = await patch(panel.id, { version: panel.version, roomId: a });
  t.equal(res.statusCode, 409);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.match(res.json(), { status: 409, code: 'room_conflict', conflictingSessionId: keynote.id });
  t.match(res.json().detail, /Keynote/);
  t.equal(await head(app), seq, 'no event on 409');
  const { warnings: _warnings, ...stored } = panel;
  t.same(await get(panel.id), stored, 'the session is as it was');

  const forced = await patch(panel.id, { version: panel.version, roomId: a, force: true });
  t.equal(forced.statusCode, 200, forced.body);
  t.equal(forced.json().roomId, a);
  t.match(forced.json().warnings, [{ code: 'room_conflict' }], 'a forced save still says it overlaps');
});

t.test('re-timing into a room in use, and the 10-minute changeover', async (t) => {
  const { a, create, patch } = await setup(t);
  const first = await create({ title: 'First', startsAt: '2026-02-15T09:00:00Z', endsAt: '2026-02-15T10:00:00Z' });
  const second = await create({ title: 'Second', startsAt: '2026-02-15T11:00:00Z', endsAt: '2026-02-15T12:00:00Z' });
  const overlap = await patch(second.id, { version: second.version, startsAt: '2026-02-15T09:45:00Z', endsAt: '2026-02-15T10:45:00Z' });
  t.equal(overlap.statusCode, 409);
  t.match(overlap.json(), { code: 'room_conflict', conflictingSessionId: first.id });
  const tooClose = await patch(second.id, { version: second.version, startsAt: '2026-02-15T10:05:00Z', endsAt: '2026-02-15T11:00:00Z' });
  t.equal(tooClose.statusCode, 409, 'five minutes after the end is inside the changeover');
  t.match(tooClose.json(), { code: 'room_conflict', conflictingSessionId: first.id });
  const enough = await patch(second.id, { version: second.version, startsAt: '2026-02-15T10:10:00Z', endsAt: '2026-02-15T11:00:00Z' });
  t.equal(enough.statusCode, 200, 'ten minutes after the end is fine');
  t.same(enough.json().warnings, []);
  t.equal(enough.json().roomId, a);
  const before = await patch(first.id, { version: first.version, endsAt: '2026-02-15T10:05:00Z' });
  t.equal(before.statusCode, 409, 'the gap counts before a session too');
  t.match(before.json(), { conflictingSessionId: second.id });
});

t.test('creating into a room in use is refused unless forced; cancelled sessions hold no room', async (t) => {
  const { app, a, post, create, patch } = await setup(t);
  const held = await create({ title: 'Held', startsAt: '2026-02-15T09:00:00Z', endsAt: '2026-02-15T10:00:00Z' });
  const seq = await head(app);
  const count = async () => (await storeSql(app).get<{ n: number }>('SELECT count(*) AS n FROM sessions'))!.n;
  const n = await count();
  const slot = { title: 'New', startsAt: '2026-02-15T09:30:00Z', endsAt: '2026-02-15T10:30:00Z', roomId: a };
  const refused = await post(slot);
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { code: 'room_conflict', conflictingSessionId: held.id });
  t.equal(await count(), n, 'no session written');
  t.equal(await head(app), seq, 'no event written');
  const forced = await post({ ...slot, force: true });
  t.equal(forced.statusCode, 201);
  t.match(forced.json().warnings, [{ code: 'room_conflict' }]);

  const cancelled = await patch(held.id, { version: held.version, status: 'cancelled' });
  t.equal(cancelled.statusCode, 200);
  const late = await create({ title: 'Late', startsAt: '2026-02-15T11:00:00Z', endsAt: '2026-02-15T12:00:00Z' });
  await patch(late.id, { version: late.version, status: 'cancelled' });
  const intoCancelled = await post({ title: 'Replacement', startsAt: '2026-02-15T11:00:00Z', endsAt: '2026-02-15T12:00:00Z', roomId: a });
  t.equal(intoCancelled.statusCode, 201, 'a cancelled session does not hold its room');
  t.same(intoCancelled.json().warnings, []);
  const restore = await patch(late.id, { version: late.version + 1, status: 'scheduled' });
  t.equal(restore.statusCode, 409, 'restoring into a room now in use is checked');
  t.match(restore.json(), { code: 'room_conflict', conflictingSessionId: intoCancelled.json().id });
});

t.test('over capacity and a missing required feature are warnings in the 2xx answer', async (t) => {
  const { a, b, post, create, patch } = await setup(t);
  const big = await post({ title: 'Big', startsAt: '2026-02-15T09:00:00Z', endsAt: '2026-02-15T10:00:00Z', roomId: b, expectedAttendance: 34 });
  t.equal(big.statusCode, 201);
  t.match(big.json().warnings, [{ code: 'over_capacity', detail: /34 expected.*30/ }]);
  const needs = await create({ title: 'Demo', startsAt: '2026-02-15T11:00:00Z', endsAt: '2026-02-15T12:00:00Z', requiredFeatures: ['projector'], expectedAttendance: 80 });
  t.same(needs.warnings, [], 'room A has the projector and the seats');
  const moved = await patch(needs.id, { version: needs.version, roomId: b });
  t.equal(moved.statusCode, 200);
  t.same(
    (moved.json().warnings as { code: string }[]).map((w) => w.code),
    ['over_capacity', 'missing_feature'],
  );
  t.match(moved.json().warnings[1].detail, /projector/);
  t.equal(moved.json().roomId, b, 'warnings do not stop the save');
  const note = await patch(needs.id, { version: moved.json().version, title: 'Demo (renamed)' });
  t.equal(note.statusCode, 200);
  t.equal(note.json().warnings.length, 2, 'every answer tells where the session stands');
  t.ok(a);
});

t.test('a delay that runs into the next session is saved (the floor reports it) and warns room_conflict', async (t) => {
  const { create, patch } = await setup(t);
  const early = await create({ title: 'Early panel', startsAt: '2026-02-15T09:00:00Z', endsAt: '2026-02-15T10:00:00Z' });
  const next = await create({ title: 'Next talk', startsAt: '2026-02-15T10:15:00Z', endsAt: '2026-02-15T11:00:00Z' });
  const small = await patch(early.id, { version: early.version, delayMinutes: 5 });
  t.equal(small.statusCode, 200);
  t.notOk(small.json().warnings.some((w: { code: string }) => w.code === 'room_conflict'), 'five minutes late still leaves the changeover');
  const late = await patch(early.id, { version: small.json().version, delayMinutes: 30 });
  t.equal(late.statusCode, 200, 'a delay is never refused');
  const warning = late.json().warnings.find((w: { code: string }) => w.code === 'room_conflict');
  t.ok(warning, 'but the overlap is said');
  t.match(warning?.detail, /Next talk/);
  t.equal(late.json().delayMinutes, 30);
  t.equal(next.roomId, early.roomId);
});
