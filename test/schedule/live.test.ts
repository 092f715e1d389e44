// The live schedule: now/next with a pinned clock and delays, the status clock, the change feed, and a real kiosk socket.
import t from 'tap';
import type { Test } from 'tap';
import { build, listen, liveClient, testClock, storeSql } from '../helper.js';

const at = (iso: string): number => Date.parse(iso);

async function setup(t: Test) {
  const clock = testClock(at('2026-02-15T08:00:00Z'));
  const built = await build(t, { deps: { clock } });
  const { app, auth } = built;
  const room = async (name: string): Promise<string> =>
    (await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('ops'), payload: { name, capacity: 100 } })).json().id as string;
  const a = await room('A');
  const b = await room('B');
  const create = async (roomId: string, title: string, from: string, to: string): Promise<{ id: string; version: number }> => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/sessions',
      headers: auth('ops'),
      // Back-to-back sessions on purpose (a delay runs into the next one): forced past the changeover check.
      payload: { title, roomId, startsAt: `2026-02-15T${from}:00Z`, endsAt: `2026-02-15T${to}:00Z`, force: true },
    });
    return res.json();
  };
  const patch = async (id: string, payload: object): Promise<Record<string, unknown>> =>
    (await app.inject({ method: 'PATCH', url: `/api/sessions/${id}`, headers: auth('ops'), payload })).json();
  return { ...built, clock, a, b, create, patch };
}

t.test('now and next per room, as of the server clock, delays applied and cancelled skipped', async (t) => {
  const { app, auth, clock, a, b, create, patch } = await setup(t);
  const a1 = await create(a, 'A1', '09:00', '10:00');
  const a2 = await create(a, 'A2', '10:00', '11:00');
  const a3 = await create(a, 'A3', '11:00', '12:00');
  const a4 = await create(a, 'A4', '12:00', '13:00');
  const b1 = await create(b, 'B1', '09:30', '10:30');
  await patch(a2.id, { version: 1, delayMinutes: 20, changeNote: 'Late start' });
  await patch(a3.id, { version: 1, status: 'cancelled' });

  const now = async (qs = ''): Promise<{ roomId: string; current: { title: string } | null; next: { title: string } | null }[]> => {
    const res = await app.inject({ method: 'GET', url: `/api/schedule/now${qs}`, headers: auth('kiosk') });
    t.equal(res.statusCode, 200);
    return res.json();
  };
  const titles = async (qs = ''): Promise<[string, string | null, string | null][]> =>
    (await now(qs)).map((r) => [r.roomId, r.current?.title ?? null, r.next?.title ?? null]);

  t.same(await titles(), [[a, null, 'A1'], [b, null, 'B1']], '08:00: nothing on yet');
  clock.set(at('2026-02-15T09:45:00Z'));
  t.same(await titles(), [[a, 'A1', 'A2'], [b, 'B1', null]]);
  clock.set(at('2026-02-15T10:10:00Z'));
  t.same(await titles(), [[a, null, 'A2'], [b, 'B1', null]], 'A2 is delayed to 10:20');
  clock.set(at('2026-02-15T11:10:00Z'));
  t.same(await titles(), [[a, 'A2', 'A4'], [b, null, null]], 'A2 runs to 11:20; the cancelled A3 is skipped');
  t.same(await titles(`?roomId=${a}`), [[a, 'A2', 'A4']]);
  const full = await now(`?roomId=${a}`);
  t.match(full[0]!.current, { id: a2.id, delayMinutes: 20, changeNote: 'Late start', startsAt: '2026-02-15T10:00:00Z' }, 'the whole public session');
  const unknown = await app.inject({ method: 'GET', url: '/api/schedule/now?roomId=nope', headers: auth('kiosk') });
  t.equal(unknown.statusCode, 404);
  t.ok(a1 && a4 && b1);
});

t.test('status follows the clock: live at start + delay, ended at end + delay, with events; cancelled never goes live', async (t) => {
  const { app, auth, clock, a, b, create, patch } = await setup(t);
  const { sessions } = app.services;
  const s1 = await create(a, 'S1', '09:00', '10:00');
  const s2 = await create(b, 'S2', '09:00', '10:00');
  const s3 = await create(b, 'S3', '10:00', '11:00');
  await patch(s2.id, { version: 1, delayMinutes: 30 });
  await patch(s3.id, { version: 1, status: 'cancelled' });
  const sql = storeSql(app);
  const status = async (id: string): Promise<string> => (await sql.get<{ status: string }>('SELECT status FROM sessions WHERE id = ?', id))!.status;
  const statuses = (...ids: string[]): Promise<string[]> => Promise.all(ids.map(status));
  const seq0 = (await sql.get<{ s: number }>('SELECT max(seq) AS s FROM events'))!.s;

  clock.set(at('2026-02-15T09:00:00Z'));
  await sessions.advanceStatuses();
  t.same(await statuses(s1.id, s2.id, s3.id), ['live', 'scheduled', 'cancelled']);
  clock.set(at('2026-02-15T09:30:00Z'));
  await sessions.advanceStatuses();
  t.same(await statuses(s1.id, s2.id), ['live', 'live'], 'the delayed one starts 30 minutes late');
  t.equal(await sessions.advanceStatuses(), 0, 'a second tick at the same time changes nothing');
  clock.set(at('2026-02-15T10:00:00Z'));
  await sessions.advanceStatuses();
  t.same(await statuses(s1.id, s2.id), ['ended', 'live']);
  clock.set(at('2026-02-15T12:00:00Z'));
  await sessions.advanceStatuses();
  t.same(await statuses(s1.id, s2.id, s3.id), ['ended', 'ended', 'cancelled']);

  const events = (await sql.all<{ name: string; payload: string }>('SELECT name, payload FROM events WHERE seq > ? ORDER BY seq', seq0)).map(
    (e) => ({ name: e.name, ...(JSON.parse(e.payload) as { kind: string; kinds: string[]; before: object; after: object; session: { id: string; version: number } }) }),
  );
  t.same(
    events.map((e) => [e.name, e.kind, e.session.id, e.before, e.after]),
    [
      ['session.updated', 'status', s1.id, { status: 'scheduled' }, { status: 'live' }],
      ['session.updated', 'status', s2.id, { status: 'scheduled' }, { status: 'live' }],
      ['session.updated', 'status', s1.id, { status: 'live' }, { status: 'ended' }],
      ['session.updated', 'status', s2.id, { status: 'live' }, { status: 'ended' }],
    ],
  );
  t.ok(events.every((e) => e.kinds.length === 0));
  const s1now = (await app.inject({ method: 'GET', url: `/api/sessions/${s1.id}`, headers: auth('ops') })).json();
  t.equal(s1now.version, 1, 'the clock does not bump the version: an open edit form stays valid');
  t.equal((await patch(s1.id, { version: 1, changeNote: 'Thanks for coming' })).version, 2);
});

t.test('the change feed: public change kinds from the event log, after `since`, never status ticks', async (t) => {
  const { app, auth, clock, a, b, create, patch } = await setup(t);
  const s = await create(a, 'Talk', '09:00', '10:00');
  await patch(s.id, { version: 1, roomId: b, changeNote: 'Projector broken' });
  clock.set(at('2026-02-15T09:00:00Z'));
  await app.services.sessions.advanceStatuses();
  await patch(s.id, { version: 2, delayMinutes: 10 });
  await patch(s.id, { version: 3, speakers: ['Someone'] });
  await patch(s.id, { version: 4, title: 'Better talk', startsAt: '2026-02-15T09:05:00Z' });
  await app.inject({ method: 'PATCH', url: `/api/rooms/${a}`, headers: auth('ops'), payload: { capacity: 5 } });

  const feed = async (qs: string) => {
    const res = await app.inject({ method: 'GET', url: `/api/schedule/changes${qs}`, headers: auth('kiosk') });
    t.equal(res.statusCode, 200, qs);
    return res.json() as { seq: number; at: string; sessionId: string; kind: string; kinds: string[]; before: unknown; after: unknown; note: string | null }[];
  };
  const all = await feed('');
  t.same(
    all.map((c) => [c.kind, c.kinds, c.before, c.after, c.note]),
    [
      ['added', ['added'], null, all[0]!.after, null],
      ['moved', ['moved'], { roomId: a }, { roomId: b }, 'Projector broken'],
      // Delayed while on: by the clock it has not started yet.
      ['delayed', ['delayed'], { status: 'live', delayMinutes: 0 }, { status: 'scheduled', delayMinutes: 10 }, null],
      ['retimed', ['retimed', 'renamed'], { title: 'Talk', startsAt: '2026-02-15T09:00:00Z' }, { title: 'Better talk', startsAt: '2026-02-15T09:05:00Z' }, null],
    ],
  );
  t.ok(all.every((c) => c.sessionId === s.id));
  t.match(all[0]!.after, { title: 'Talk', roomId: a, startsAt: '2026-02-15T09:00:00Z', status: 'scheduled' });
  t.ok(all.every((c, i) => i === 0 || c.seq > all[i - 1]!.seq), 'ordered by seq');
  t.same((await feed(`?since=${all[1]!.seq}`)).map((c) => c.kind), ['delayed', 'retimed']);
  t.same((await feed(`?since=${all[3]!.seq}`)), []);
  t.same((await feed('?limit=2')).map((c) => c.kind), ['added', 'moved']);
  for (const qs of ['?since=-1', '?since=abc', '?limit=0', '?other=1']) {
    t.equal((await app.inject({ method: 'GET', url: `/api/schedule/changes${qs}`, headers: auth('kiosk') })).statusCode, 400, qs);
  }
});

t.test('a kiosk on a real socket receives session.updated with its kind and note, and nothing staff-only', async (t) => {
  const { app, tokens, a, b, create, patch } = await setup(t);
  const s = await create(a, 'Keynote', '09:00', '10:00');
  const { ws } = await listen(app);
  const kiosk = liveClient(`${ws}/api/live?topics=schedule,occupancy`, { headers: { authorization: `Bearer ${tokens.kiosk}` } });
  await kiosk.opened;
  const welcome = await kiosk.next((m) => m.type === 'welcome');
  t.equal(welcome.role, 'kiosk');
  const snapshot = await kiosk.next((m) => m.type === 'snapshot');
  const snap = snapshot.data as { sessions: { id: string }[]; rooms: Record<string, unknown>[] };
  t.same(snap.sessions.map((x) => x.id), [s.id]);
  t.notOk('capacity' in snap.rooms[0]!, 'kiosk snapshot rooms have no capacity');

  await app.inject({ method: 'PATCH', url: `/api/rooms/${a}`, headers: { authorization: `Bearer ${tokens.ops}` }, payload: { capacity: 300 } });
  await patch(s.id, { version: 1, roomId: b, startsAt: '2026-02-15T09:15:00Z', endsAt: '2026-02-15T10:15:00Z', changeNote: 'Moved to the larger hall' });
  const event = await kiosk.next((m) => m.type === 'event' && m.name === 'session.updated');
  t.equal(event.topic, 'schedule');
  const data = event.data as Record<string, unknown>;
  t.equal(data.kind, 'moved');
  t.same(data.kinds, ['moved', 'retimed']);
  t.equal(data.note, 'Moved to the larger hall');
  t.same(data.before, { roomId: a, startsAt: '2026-02-15T09:00:00Z', endsAt: '2026-02-15T10:00:00Z' });
  t.match(data.session, { id: s.id, roomId: b, version: 2, changeNote: 'Moved to the larger hall' });
  const names = kiosk.messages.filter((m) => m.type === 'event').map((m) => m.name);
  t.same(names, ['room.updated', 'session.updated'], 'the room change reached the kiosk only as its public state');
  const roomEvent = kiosk.messages.find((m) => m.name === 'room.updated')!;
  t.same(Object.keys(roomEvent.data as object).sort(), ['features', 'full', 'id', 'name', 'status']);
  kiosk.ws.close();
  await kiosk.closed;
});

t.test('every role × the read-only schedule routes (the import is admin-only, see import.test.ts)', async (t) => {
  const { app, auth, a, create } = await setup(t);
  await create(a, 'Talk', '09:00', '10:00');
  for (const url of ['/api/schedule/now', `/api/schedule/now?roomId=${a}`, '/api/schedule/changes?since=0', '/api/schedule.json', '/api/schedule.ics']) {
    // Public by default (EVENTDAY_PUBLIC_SCHEDULE); off, they need a token: test/http/public-feeds.test.ts.
    const anon = await app.inject({ method: 'GET', url });
    t.equal(anon.statusCode, 200, `${url} without a token`);
    for (const role of ['admin', 'ops', 'desk', 'door', 'kiosk'] as const) {
      const res = await app.inject({ method: 'GET', url, headers: auth(role) });
      t.equal(res.statusCode, 200, `${role} GET ${url}`);
    }
  }
});
