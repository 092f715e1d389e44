// Sessions over HTTP: create, list by local day and room, change with classified kinds, version conflicts, validation and roles.
import t from 'tap';
import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { build, testClock, storeSql } from '../helper.js';

interface StoredEvent {
  seq: number;
  name: string;
  topic: string;
  visibility: string;
  roomIds: string[] | null;
  payload: Record<string, unknown>;
}

async function eventsAfter(app: FastifyInstance, seq: number): Promise<StoredEvent[]> {
  const rows = await storeSql(app).all<{ seq: number; name: string; topic: string; visibility: string; room_ids: string | null; payload: string }>(
    'SELECT seq, name, topic, visibility, room_ids, payload FROM events WHERE seq > ? ORDER BY seq',
    seq,
  );
  return rows.map((r) => ({
    seq: r.seq,
    name: r.name,
    topic: r.topic,
    visibility: r.visibility,
    roomIds: r.room_ids === null ? null : (JSON.parse(r.room_ids) as string[]),
    payload: JSON.parse(r.payload) as Record<string, unknown>,
  }));
}

/** A session as the API returns it. */
type Session = Record<string, unknown> & { id: string; version: number; title: string; changeNote: string | null };

/** The session of a create or change answer, without the answer's `warnings`. */
function withoutWarnings(answer: Session & { warnings?: unknown }): Session {
  const { warnings: _warnings, ...session } = answer;
  return session;
}

const head = async (app: FastifyInstance): Promise<number> => (await storeSql(app).get<{ s: number }>('SELECT coalesce(max(seq), 0) AS s FROM events'))!.s;

async function setupWith(t: Test) {
  const clock = testClock(Date.parse('2026-02-15T07:00:00Z'));
  const built = await build(t, { deps: { clock } });
  const { app, auth } = built;
  const room = async (name: string): Promise<string> =>
    (await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('ops'), payload: { name, capacity: 100 } })).json().id as string;
  const a = await room('Room A');
  const b = await room('Room B');
  const create = async (payload: Record<string, unknown>): Promise<Session> => {
    const res = await app.inject({ method: 'POST', url: '/api/sessions', headers: auth('ops'), payload: { roomId: a, ...payload } });
    if (res.statusCode !== 201) throw new Error(`create failed: ${res.body}`);
    return withoutWarnings(res.json());
  };
  const patch = (id: string, payload: object, role: 'ops' | 'admin' | 'kiosk' = 'ops') =>
    app.inject({ method: 'PATCH', url: `/api/sessions/${id}`, headers: built.auth(role), payload });
  return { ...built, clock, a, b, create, patch };
}

t.test('create a session with defaults; it is one session.created event of kind added', async (t) => {
  const { app, auth, a } = await setupWith(t);
  const seq = await head(app);
  const res = await app.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: auth('admin'),
    payload: { title: 'Opening plenary', startsAt: '2026-02-15T08:30:00Z', endsAt: '2026-02-15T09:30:00Z', roomId: a },
  });
  t.equal(res.statusCode, 201);
  const s = withoutWarnings(res.json());
  t.same(res.json().warnings, [], 'nothing to warn about');
  t.same(s, {
    id: s.id,
    title: 'Opening plenary',
    theme: null,
    type: 'panel',
    startsAt: '2026-02-15T08:30:00Z',
    endsAt: '2026-02-15T09:30:00Z',
    roomId: a,
    speakers: [],
    status: 'scheduled',
    delayMinutes: 0,
    access: { policy: 'open' },
    expectedAttendance: 0,
    requiredFeatures: [],
    version: 1,
    changeNote: null,
  });
  const events = await eventsAfter(app, seq);
  t.equal(events.length, 1);
  t.match(events[0], { name: 'session.created', topic: 'schedule', visibility: 'public', roomIds: [a] });
  t.match(events[0]!.payload, { kind: 'added', kinds: ['added'], before: null, note: null, session: s });
  t.match(events[0]!.payload.after, { title: 'Opening plenary', roomId: a, startsAt: '2026-02-15T08:30:00Z' });

  const full = await app.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: auth('ops'),
    payload: {
      title: 'Closed-door consultation',
      theme: 3,
      type: 'closed',
      startsAt: '2026-02-15T10:00:00Z',
      endsAt: '2026-02-15T11:00:00Z',
      roomId: a,
      speakers: ['Minister A'],
      access: { policy: 'categories', categories: ['government'] },
      expectedAttendance: 40,
      requiredFeatures: ['interpretation'],
      changeNote: '',
    },
  });
  t.equal(full.statusCode, 201);
  t.match(full.json(), { theme: 3, type: 'closed', access: { policy: 'categories', categories: ['government'] }, changeNote: null });
});

t.test('invalid sessions are refused with the field, and write nothing', async (t) => {
  const { app, auth, a, create, patch } = await setupWith(t);
  const good = { title: 'T', startsAt: '2026-02-15T08:00:00Z', endsAt: '2026-02-15T09:00:00Z', roomId: a };
  const existing = await create(good);
  const seq = await head(app);
  const cases: [object, string][] = [
    [{ ...good, endsAt: '2026-02-15T08:00:00Z' }, 'body.endsAt'],
    [{ ...good, endsAt: '2026-02-15T07:00:00Z' }, 'body.endsAt'],
    [{ ...good, roomId: 'no-such-room' }, 'body.roomId'],
    [{ ...good, theme: 0 }, 'body.theme'],
    [{ ...good, theme: 4 }, 'body.theme'],
    [{ ...good, title: '' }, 'body.title'],
    [{ ...good, title: 'x'.repeat(301) }, 'body.title'],
    [{ ...good, delayMinutes: 601 }, 'body.delayMinutes'],
    [{ ...good, delayMinutes: -1 }, 'body.delayMinutes'],
    [{ ...good, access: { policy: 'categories', categories: [] } }, 'body.access'],
    [{ ...good, access: { policy: 'categories', categories: ['aliens'] } }, 'body.access'],
    [{ ...good, access: { policy: 'vip' } }, 'body.access'],
    [{ ...good, startsAt: '15/02/2026 08:00' }, 'body.startsAt'],
    [{ ...good, startsAt: '2026-02-15T09:00:00+01:00' }, 'body.startsAt'],
    [{ ...good, status: 'live' }, 'body'],
    [{ ...good, version: 3 }, 'body'],
  ];
  for (const [payload, field] of cases) {
    const res = await app.inject({ method: 'POST', url: '/api/sessions', headers: auth('ops'), payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 120));
    t.equal(res.json().code, 'validation_failed');
    t.ok((res.json().errors as { field: string }[]).some((e) => e.field.startsWith(field)), `names ${field}: ${res.body.slice(0, 200)}`);
  }
  const patches: [object, number, string][] = [
    [{ version: 1, endsAt: '2026-02-15T07:30:00Z' }, 400, 'validation_failed'],
    [{ version: 1, startsAt: '2026-02-15T09:30:00Z' }, 400, 'validation_failed'],
    [{ version: 1, roomId: 'nope' }, 400, 'validation_failed'],
    [{ version: 1, status: 'live' }, 400, 'validation_failed'],
    [{ version: 1, status: 'ended' }, 400, 'validation_failed'],
    [{ version: 1, title: '  ' }, 400, 'validation_failed'],
    [{ version: 1, theme: 5 }, 400, 'validation_failed'],
    [{ version: 1, delayMinutes: 700 }, 400, 'validation_failed'],
    [{ version: 1, id: 'other' }, 400, 'validation_failed'],
    [{ version: 1, version2: 1 }, 400, 'validation_failed'],
    [{ title: 'no version' }, 400, 'validation_failed'],
    [{ version: 0, title: 'x' }, 400, 'validation_failed'],
  ];
  for (const [payload, status, code] of patches) {
    const res = await patch(existing.id, payload);
    t.equal(res.statusCode, status, JSON.stringify(payload));
    t.equal(res.json().code, code);
  }
  const missing = await patch('no-such-session', { version: 1, title: 'x' });
  t.equal(missing.statusCode, 404);
  t.equal(await head(app), seq, 'no event was appended by any refused request');
  const stored = (await app.inject({ method: 'GET', url: `/api/sessions/${existing.id}`, headers: auth('kiosk') })).json();
  t.same(stored, existing, 'the session is as it was');
});

t.test('each change kind, with before/after, the note, and the new version', async (t) => {
  const { app, a, b, create, patch } = await setupWith(t);
  let s = await create({ title: 'Panel on verification', startsAt: '2026-02-15T10:00:00Z', endsAt: '2026-02-15T11:00:00Z', speakers: ['A'] });
  const step = async (payload: Record<string, unknown>, expectKind: string, expectKinds: string[], before: object, after: object) => {
    const seq = await head(app);
    const res = await patch(s.id, { version: s.version, ...payload });
    t.equal(res.statusCode, 200, `${expectKind}: ${res.body.slice(0, 200)}`);
    const next = withoutWarnings(res.json());
    t.equal(next.version, s.version + 1, `${expectKind} bumps the version`);
    const events = await eventsAfter(app, seq);
    t.equal(events.length, 1, `${expectKind}: exactly one event`);
    const e = events[0]!;
    t.equal(e.name, 'session.updated');
    t.equal(e.visibility, 'public');
    t.same(e.payload.kind, expectKind);
    t.same(e.payload.kinds, expectKinds);
    t.same(e.payload.before, before, `${expectKind} before`);
    t.same(e.payload.after, after, `${expectKind} after`);
    t.equal(e.payload.note, (payload.changeNote as string | undefined) ?? null);
    t.same(e.payload.session, next);
    s = next;
    return e;
  };
  const moved = await step({ roomId: b, changeNote: 'Bigger room' }, 'moved', ['moved'], { roomId: a }, { roomId: b });
  t.same(moved.roomIds, [a, b], 'a move concerns both rooms');
  t.equal(s.changeNote, 'Bigger room');
  await step({ startsAt: '2026-02-15T10:30:00Z', endsAt: '2026-02-15T11:30:00Z' }, 'retimed', ['retimed'],
    { startsAt: '2026-02-15T10:00:00Z', endsAt: '2026-02-15T11:00:00Z' }, { startsAt: '2026-02-15T10:30:00Z', endsAt: '2026-02-15T11:30:00Z' });
  t.equal(s.changeNote, null, 'a change without a note clears the older note');
  await step({ delayMinutes: 15, changeNote: 'Speaker delayed' }, 'delayed', ['delayed'], { delayMinutes: 0 }, { delayMinutes: 15 });
  await step({ title: 'Panel on AI verification' }, 'renamed', ['renamed'], { title: 'Panel on verification' }, { title: 'Panel on AI verification' });
  await step({ status: 'cancelled', changeNote: 'Speakers unavailable' }, 'cancelled', ['cancelled'], { status: 'scheduled' }, { status: 'cancelled' });
  await step({ status: 'scheduled' }, 'restored', ['restored'], { status: 'cancelled' }, { status: 'scheduled' });
  await step({ roomId: a, startsAt: '2026-02-15T12:00:00Z', endsAt: '2026-02-15T13:00:00Z', changeNote: 'Swapped with lunch' }, 'moved', ['moved', 'retimed'],
    { roomId: b, startsAt: '2026-02-15T10:30:00Z', endsAt: '2026-02-15T11:30:00Z' }, { roomId: a, startsAt: '2026-02-15T12:00:00Z', endsAt: '2026-02-15T13:00:00Z' });
  await step({ speakers: ['A', 'B'], expectedAttendance: 120 }, 'edited', [], { speakers: ['A'], expectedAttendance: 0 }, { speakers: ['A', 'B'], expectedAttendance: 120 });
  await step({ changeNote: 'Now with a second speaker' }, 'edited', [], {}, {});

  const seq = await head(app);
  const same = await patch(s.id, { version: s.version, roomId: a, title: s.title });
  t.equal(same.statusCode, 200);
  t.equal(same.json().version, s.version, 'nothing new: no new version');
  t.equal(await head(app), seq, 'nothing new: no event');
});

t.test('a stale version gets 409 version_conflict with the current version, and writes nothing', async (t) => {
  const { app, create, patch } = await setupWith(t);
  const s = await create({ title: 'T', startsAt: '2026-02-15T10:00:00Z', endsAt: '2026-02-15T11:00:00Z' });
  t.equal((await patch(s.id, { version: 1, delayMinutes: 5 })).statusCode, 200);
  const seq = await head(app);
  const stale = await patch(s.id, { version: 1, title: 'Other' });
  t.equal(stale.statusCode, 409);
  t.match(stale.headers['content-type'], /application\/problem\+json/);
  t.match(stale.json(), { status: 409, code: 'version_conflict', currentVersion: 2, title: 'Conflict' });
  t.equal(await head(app), seq);

  // Two editors who saw the same version race: the version check inside the transaction lets exactly one win.
  const [x, y] = await Promise.all([patch(s.id, { version: 2, title: 'X' }), patch(s.id, { version: 2, title: 'Y' })]);
  t.same([x.statusCode, y.statusCode].sort(), [200, 409]);
  const now = (await app.inject({ method: 'GET', url: `/api/sessions/${s.id}`, headers: { authorization: `Bearer ${'test-admin-token-0123456789abcdef'}` } })).json();
  t.equal(now.version, 3);
  t.equal(now.title, x.statusCode === 200 ? 'X' : 'Y');
});

t.test('restoring a cancelled session whose time has come puts it straight on', async (t) => {
  const { clock, create, patch } = await setupWith(t);
  const s = await create({ title: 'T', startsAt: '2026-02-15T10:00:00Z', endsAt: '2026-02-15T11:00:00Z' });
  const cancelled = (await patch(s.id, { version: 1, status: 'cancelled' })).json();
  clock.set(Date.parse('2026-02-15T10:15:00Z'));
  t.match((await patch(s.id, { version: cancelled.version, status: 'scheduled' })).json(), { status: 'live', version: 3 });
  t.match((await patch(s.id, { version: 3, startsAt: '2026-02-15T12:00:00Z', endsAt: '2026-02-15T13:00:00Z' })).json(), { status: 'scheduled' }, 'moved to later: back to scheduled');
  t.match((await patch(s.id, { version: 4, status: 'scheduled' })).json(), { version: 4 }, 'status scheduled on a session that is not cancelled changes nothing');
});

t.test('list by local day in the event zone and by room, cancelled sessions included', async (t) => {
  const { app, auth, a, b, create, patch } = await setupWith(t);
  // Europe/Amsterdam is UTC+1 in February: local 15 Feb runs from 14 Feb 23:00Z to 15 Feb 23:00Z.
  const early = await create({ title: 'Early', startsAt: '2026-02-14T23:30:00Z', endsAt: '2026-02-15T00:30:00Z' });
  const late = await create({ title: 'Late', startsAt: '2026-02-15T22:30:00Z', endsAt: '2026-02-15T23:30:00Z', roomId: b });
  const nextDay = await create({ title: 'Next day', startsAt: '2026-02-15T23:00:00Z', endsAt: '2026-02-16T00:00:00Z' });
  const before = await create({ title: 'Day before', startsAt: '2026-02-14T22:00:00Z', endsAt: '2026-02-14T22:59:00Z' });
  await patch(late.id, { version: 1, status: 'cancelled' });
  const list = async (qs: string): Promise<string[]> => {
    const res = await app.inject({ method: 'GET', url: `/api/sessions${qs}`, headers: auth('kiosk') });
    t.equal(res.statusCode, 200, qs);
    return (res.json() as { title: string }[]).map((s) => s.title);
  };
  t.same(await list(''), ['Day before', 'Early', 'Late', 'Next day']);
  t.same(await list('?day=2026-02-15'), ['Early', 'Late']);
  t.same(await list('?day=2026-02-16'), ['Next day']);
  t.same(await list(`?day=2026-02-15&roomId=${a}`), ['Early']);
  t.same(await list(`?roomId=${b}`), ['Late']);
  t.same(await list('?roomId=unknown'), []);
  for (const qs of ['?day=2026-02-30', '?day=15-02-2026', '?day=2026-2-5', '?page=2']) {
    const res = await app.inject({ method: 'GET', url: `/api/sessions${qs}`, headers: auth('kiosk') });
    t.equal(res.statusCode, 400, qs);
    t.equal(res.json().code, 'validation_failed');
  }
  t.ok(early && nextDay && before);
  const one = await app.inject({ method: 'GET', url: `/api/sessions/${early.id}`, headers: auth('door') });
  t.same(one.json(), early);
  t.equal((await app.inject({ method: 'GET', url: '/api/sessions/nope', headers: auth('door') })).statusCode, 404);
});

t.test('every role × the session routes; a kiosk cannot PATCH', async (t) => {
  const { app, auth, a, create } = await setupWith(t);
  const s = await create({ title: 'T', startsAt: '2026-02-15T10:00:00Z', endsAt: '2026-02-15T11:00:00Z' });
  let version = 1;
  let delay = 0;
  const routes: { method: 'GET' | 'POST' | 'PATCH'; url: string; allowed: string[]; payload?: () => object; after?: () => void }[] = [
    { method: 'GET', url: '/api/sessions', allowed: ['admin', 'ops', 'desk', 'door', 'kiosk'] },
    { method: 'GET', url: `/api/sessions/${s.id}`, allowed: ['admin', 'ops', 'desk', 'door', 'kiosk'] },
    {
      method: 'POST',
      url: '/api/sessions',
      allowed: ['admin', 'ops'],
      // Both allowed roles create the same slot: forced, as this test is about roles, not rooms.
      payload: () => ({ title: 'N', startsAt: '2026-02-15T12:00:00Z', endsAt: '2026-02-15T13:00:00Z', roomId: a, force: true }),
    },
    { method: 'PATCH', url: `/api/sessions/${s.id}`, allowed: ['admin', 'ops'], payload: () => ({ version, delayMinutes: ++delay }), after: () => version++ },
  ];
  for (const route of routes) {
    const anon = await app.inject({ method: route.method, url: route.url, ...(route.payload ? { payload: route.payload() } : {}) });
    t.equal(anon.statusCode, 401, `${route.method} ${route.url} without a token`);
    for (const role of ['admin', 'ops', 'desk', 'door', 'kiosk'] as const) {
      const res = await app.inject({ method: route.method, url: route.url, headers: auth(role), ...(route.payload ? { payload: route.payload() } : {}) });
      if (route.allowed.includes(role)) {
        t.ok(res.statusCode < 300, `${role} may ${route.method} ${route.url} (${res.statusCode} ${res.body.slice(0, 100)})`);
        route.after?.();
      } else {
        t.equal(res.statusCode, 403, `${role} may not ${route.method} ${route.url}`);
        t.equal(res.json().code, 'forbidden');
      }
    }
  }
});
