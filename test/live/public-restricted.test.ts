// Closed-door sessions on every public surface (anonymous feeds, kiosk HTTP, kiosk snapshot and live events): hidden, or listed without their room.
import t from 'tap';
import type { Test } from 'tap';
import path from 'node:path';
import { build, listen, liveClient, storeSql, testClock, type Built } from '../helper.js';

const PLACEHOLDER = { id: 'room-not-published', name: 'Closed-door session (room not published)' };
const CLOSED = { policy: 'categories', categories: ['government'] };

interface Programme {
  built: Built;
  roomId: string;
  openId: string;
  closedId: string;
}

/** `dir`: a folder of its own for a second app in one test (on PostgreSQL, apps on one folder share a schema). */
async function programme(t: Test, mode?: 'hidden' | 'listed', dir?: string): Promise<Programme> {
  // 09:30: both sessions are on now.
  const built = await build(t, { dir, env: mode ? { EVENTDAY_PUBLIC_RESTRICTED: mode } : {}, deps: { clock: testClock(Date.parse('2026-02-15T09:30:00Z')) } });
  const { app, auth } = built;
  const post = async (url: string, payload: object): Promise<string> => {
    const res = await app.inject({ method: 'POST', url, headers: auth('ops'), payload });
    t.equal(res.statusCode, 201, `POST ${url}`);
    return res.json<{ id: string }>().id;
  };
  const roomId = await post('/api/rooms', { name: 'Secret annex', capacity: 40 });
  const hallId = await post('/api/rooms', { name: 'Main hall', capacity: 400 });
  const openId = await post('/api/sessions', { title: 'Open plenary', startsAt: '2026-02-15T09:00:00Z', endsAt: '2026-02-15T10:00:00Z', roomId: hallId });
  const closedId = await post('/api/sessions', {
    title: 'Delegations only briefing',
    startsAt: '2026-02-15T09:00:00Z',
    endsAt: '2026-02-15T10:00:00Z',
    roomId,
    access: CLOSED,
  });
  return { built, roomId, openId, closedId };
}

/** Every object with a title in a schedule.json document. */
function eventsOf(doc: unknown): { title: string; room: string }[] {
  const found: { title: string; room: string }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.title === 'string' && typeof o.room === 'string') found.push({ title: o.title, room: o.room });
      Object.values(o).forEach(walk);
    }
  };
  walk(doc);
  return found;
}

t.test('hidden (the default): no public surface shows a closed-door session; staff see it', async (t) => {
  const { built, roomId, closedId } = await programme(t);
  const { app, auth } = built;
  const anon = async (url: string) => app.inject({ method: 'GET', url });

  const json = await anon('/api/schedule.json');
  t.same(eventsOf(json.json()).map((e) => e.title), ['Open plenary'], 'schedule.json');
  t.notMatch((await anon('/api/schedule.ics')).body, /Delegations only/, 'schedule.ics');
  t.notMatch((await anon('/api/schedule.xml')).body, /Delegations only/, 'schedule.xml');
  const now = (await anon('/api/schedule/now')).json<{ roomId: string; current: { id: string } | null }[]>();
  t.equal(now.find((r) => r.roomId === roomId)?.current, null, '/now shows the room empty');
  t.notOk(now.some((r) => r.roomId === PLACEHOLDER.id), 'no placeholder room');
  t.notOk((await anon('/api/schedule/changes')).json<{ sessionId: string }[]>().some((c) => c.sessionId === closedId), '/changes');

  const kioskList = (await app.inject({ method: 'GET', url: '/api/sessions', headers: auth('kiosk') })).json<{ id: string }[]>();
  t.notOk(kioskList.some((s) => s.id === closedId), 'kiosk /api/sessions');
  t.equal((await app.inject({ method: 'GET', url: `/api/sessions/${closedId}`, headers: auth('kiosk') })).statusCode, 404, 'kiosk /api/sessions/:id');
  const kioskNow = (await app.inject({ method: 'GET', url: '/api/schedule/now', headers: auth('kiosk') })).json<{ roomId: string; current: unknown }[]>();
  t.equal(kioskNow.find((r) => r.roomId === roomId)?.current, null, 'kiosk /now');

  const staff = (await app.inject({ method: 'GET', url: '/api/schedule.json', headers: auth('ops') })).json();
  t.ok(eventsOf(staff).some((e) => e.title === 'Delegations only briefing' && e.room === 'Secret annex'), 'ops sees it in its room');
  const staffNow = (await app.inject({ method: 'GET', url: `/api/schedule/now?roomId=${roomId}`, headers: auth('ops') })).json<{ current: { id: string } }[]>();
  t.equal(staffNow[0]!.current.id, closedId);
  t.ok((await app.inject({ method: 'GET', url: '/api/sessions', headers: auth('door') })).json<{ id: string }[]>().some((s) => s.id === closedId), 'door lists it');

  const { ws } = await listen(app);
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${built.tokens.kiosk}` } });
  const snapshot = (await kiosk.next((m) => m.type === 'snapshot')) as {
    seq: number;
    data: { sessions: { id: string }[]; nowNext: { roomId: string; currentId: string | null }[]; rooms: { id: string }[] };
  };
  t.notOk(snapshot.data.sessions.some((s) => s.id === closedId), 'kiosk snapshot sessions');
  t.equal(snapshot.data.nowNext.find((n) => n.roomId === roomId)?.currentId, null, 'kiosk snapshot now/next');
  t.notOk(snapshot.data.rooms.some((r) => r.id === PLACEHOLDER.id));
  const ops = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${built.tokens.ops}` } });
  const opsSnapshot = (await ops.next((m) => m.type === 'snapshot')) as { data: { sessions: { id: string }[] } };
  t.ok(opsSnapshot.data.sessions.some((s) => s.id === closedId), 'ops snapshot has it');
  kiosk.ws.close();
  ops.ws.close();
});

t.test('hidden, live: kiosks never hear of a closed-door session, drop one that turns closed-door, and learn one that opens', async (t) => {
  const { built, openId, closedId } = await programme(t);
  const { app, auth } = built;
  const { ws } = await listen(app);
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${built.tokens.kiosk}` } });
  const snapshot = (await kiosk.next((m) => m.type === 'snapshot')) as { seq: number };
  const patch = async (id: string, version: number, body: object) => {
    const res = await app.inject({ method: 'PATCH', url: `/api/sessions/${id}`, headers: auth('ops'), payload: { version, ...body } });
    t.equal(res.statusCode, 200);
  };

  await patch(closedId, 1, { title: 'Delegations only briefing (moved up)', delayMinutes: 5 });
  // The next event a kiosk receives: the open session turning closed-door arrives as session.hidden.
  await patch(openId, 1, { access: CLOSED });
  const hidden = await kiosk.next((m) => m.type === 'event');
  t.equal(hidden.name, 'session.hidden', 'the kiosk heard nothing of the closed-door edit before');
  t.same(hidden.data, { sessionId: openId }, 'and nothing but the id');
  t.equal(hidden.topic, 'schedule');

  await patch(closedId, 2, { access: { policy: 'open' } });
  const opened = (await kiosk.next((m) => m.type === 'event')) as { name: string; data: { session: { id: string; roomId: string } } };
  t.equal(opened.name, 'session.updated');
  t.equal(opened.data.session.id, closedId, 'a session that opens arrives whole');
  kiosk.ws.close();

  // A kiosk resuming with `since` gets the same through the replay.
  const resumed = liveClient(`${ws}/api/live?since=${snapshot.seq}&epoch=${app.eventLog.epoch}`, { headers: { authorization: `Bearer ${built.tokens.kiosk}` } });
  await resumed.next((m) => m.type === 'welcome');
  const first = await resumed.next((m) => m.type === 'event');
  t.equal(first.name, 'session.hidden', 'replay: the closed-door edit is skipped, the withdrawal sent');
  const second = (await resumed.next((m) => m.type === 'event')) as { data: { session: { id: string } } };
  t.equal(second.data.session.id, closedId);
  resumed.ws.close();
});

t.test('listed: closed-door sessions appear without their room everywhere public', async (t) => {
  const { built, roomId, closedId } = await programme(t, 'listed');
  const { app, auth } = built;
  const anon = async (url: string) => app.inject({ method: 'GET', url });

  const events = eventsOf((await anon('/api/schedule.json')).json());
  t.same(events.find((e) => e.title === 'Delegations only briefing')?.room, PLACEHOLDER.name, 'schedule.json: the placeholder room');
  t.notOk(events.some((e) => e.room === 'Secret annex'), 'the real room is not named for it');
  const ics = (await anon('/api/schedule.ics')).body;
  t.match(ics, /Delegations only briefing/);
  t.notMatch(ics, /Secret annex/);
  const xml = (await anon('/api/schedule.xml')).body;
  t.match(xml, /Delegations only briefing/, 'schedule.xml lists it');
  t.match(xml, /<room name="Secret annex"[^>]*>\s*<\/room>/, 'schedule.xml: the real room (a public room) holds no event');
  t.match(xml, /<room name="Closed-door session \(room not published\)"[^>]*>\s*<event/, 'the session is in the placeholder room');
  const now = (await anon('/api/schedule/now')).json<{ roomId: string; current: { id: string; roomId: string } | null }[]>();
  t.equal(now.find((r) => r.roomId === roomId)?.current, null, 'its room looks empty');
  const placeholder = now.find((r) => r.roomId === PLACEHOLDER.id);
  t.equal(placeholder?.current?.id, closedId, 'it is on now in the placeholder room');
  t.equal(placeholder?.current?.roomId, PLACEHOLDER.id);
  t.same((await anon(`/api/schedule/now?roomId=${roomId}`)).json<{ current: unknown }[]>()[0]!.current, null);

  const list = (await app.inject({ method: 'GET', url: '/api/sessions', headers: auth('kiosk') })).json<{ id: string; roomId: string }[]>();
  t.equal(list.find((s) => s.id === closedId)?.roomId, PLACEHOLDER.id, 'kiosk /api/sessions');
  const byRoom = (await app.inject({ method: 'GET', url: `/api/sessions?roomId=${roomId}`, headers: auth('kiosk') })).json<{ id: string }[]>();
  t.same(byRoom, [], 'asking by the real room does not find it');

  const { ws } = await listen(app);
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${built.tokens.kiosk}` } });
  const snapshot = (await kiosk.next((m) => m.type === 'snapshot')) as {
    data: { sessions: { id: string; roomId: string }[]; rooms: { id: string; name: string }[]; nowNext: { roomId: string; currentId: string | null }[] };
  };
  t.equal(snapshot.data.sessions.find((s) => s.id === closedId)?.roomId, PLACEHOLDER.id, 'snapshot session');
  t.ok(snapshot.data.rooms.some((r) => r.id === PLACEHOLDER.id && r.name === PLACEHOLDER.name), 'snapshot placeholder room');
  t.equal(snapshot.data.nowNext.find((n) => n.roomId === PLACEHOLDER.id)?.currentId, closedId);

  const moved = await app.inject({ method: 'PATCH', url: `/api/sessions/${closedId}`, headers: auth('ops'), payload: { version: 1, delayMinutes: 10 } });
  t.equal(moved.statusCode, 200);
  const event = (await kiosk.next((m) => m.type === 'event')) as { name: string; data: { session: { roomId: string } } };
  t.equal(event.name, 'session.updated');
  t.equal(event.data.session.roomId, PLACEHOLDER.id, 'live: without its room');
  t.notMatch(JSON.stringify(event), new RegExp(roomId), 'the room id appears nowhere in the message');
  kiosk.ws.close();
});

t.test('a session added open and made closed-door later: its history leaves the change feed and kiosk replays', async (t) => {
  const root = t.testdir();
  for (const mode of ['hidden', 'listed'] as const) {
    const { built, openId } = await programme(t, mode, path.join(root, mode));
    const { app, auth } = built;
    const { ws } = await listen(app);
    const sessionRes = await app.inject({ method: 'GET', url: `/api/sessions/${openId}`, headers: auth('ops') });
    const { roomId: realRoom, version } = sessionRes.json<{ roomId: string; version: number }>();
    const made = await app.inject({ method: 'PATCH', url: `/api/sessions/${openId}`, headers: auth('ops'), payload: { version, access: CLOSED } });
    t.equal(made.statusCode, 200);

    const changes = (await app.inject({ method: 'GET', url: '/api/schedule/changes?since=0' })).body;
    t.notMatch(changes, realRoom, `${mode}: the change feed never names its real room`);
    if (mode === 'hidden') t.notOk(JSON.parse(changes).some((c: { sessionId: string }) => c.sessionId === openId), 'hidden: no entry for it at all');

    const replay = liveClient(`${ws}/api/live?since=0&epoch=${app.eventLog.epoch}`, { headers: { authorization: `Bearer ${built.tokens.kiosk}` } });
    await replay.next((m) => m.type === 'welcome');
    const head = (await storeSql(app).get<{ s: number }>('SELECT max(seq) AS s FROM events'))!.s;
    await replay.next((m) => m.type === 'event' && m.seq === head);
    const heard = JSON.stringify(replay.messages);
    // Rooms themselves are public (room.created); what must not appear is the session in its room.
    t.notMatch(heard, `"roomId":"${realRoom}"`, `${mode}: a kiosk replay from 0 never puts it in its real room`);
    if (mode === 'hidden') t.notMatch(heard, /Open plenary/, 'hidden: nor its title');
    replay.ws.close();
  }
});
