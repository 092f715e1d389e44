// One rule for "on now": /api/schedule/now, the live snapshot and a door's check-in decision name the same session, overlaps included.
import t from 'tap';
import type { Category } from '../../src/core/vocabulary.js';
import { build, listen, liveClient, storeSql, testClock, type Built } from '../helper.js';
import { addRoom, addSession, iso, minutes, scan, T0, walkIn } from '../checkin/fixtures.js';

interface NowNext {
  roomId: string;
  current: { id: string } | null;
  next: { id: string } | null;
}

const at = (hh: number, mm = 0): number => T0 + minutes((hh - 8) * 60 + mm);

/** Which categories a door admits at `t`: a restricted session admits one category; no session admits all. */
async function admitted(b: Built, roomId: string, categories: readonly Category[]): Promise<Category[]> {
  const result: Category[] = [];
  for (const category of categories) {
    const person = await walkIn(b, { name: `${category} ${b.app.clock()}`, category });
    const res = await scan(b, { code: person.code, roomId, kind: 'entry' }, 'door');
    const answer = res.json<{ result: string; reason: string | null }>();
    if (answer.result !== 'rejected') result.push(category);
    else t.equal(answer.reason, 'not_allowed', `${category} is refused only by the session's access rule`);
  }
  return result;
}

t.test('the API, the snapshot and the door agree on the session on now in a room of overlapping sessions', async (t) => {
  const clock = testClock(T0);
  const b = await build(t, { deps: { clock } });
  const { ws } = await listen(b.app);
  const room = await addRoom(b.app, { capacity: 1000 });
  const only = (c: Category) => ({ policy: 'categories' as const, categories: [c] });
  const sessions: Record<Category, string> = {
    government: await addSession(b.app, { roomId: room, startsAt: at(9), endsAt: at(12), access: only('government') }),
    industry: await addSession(b.app, { roomId: room, startsAt: at(10), endsAt: at(11), access: only('industry') }),
    academia: await addSession(b.app, { roomId: room, startsAt: at(10, 30), endsAt: at(10, 45), access: only('academia') }),
    // Starts with academia: which of two equal starts is on is decided by id, the same everywhere.
    ngo: await addSession(b.app, { roomId: room, startsAt: at(10, 30), endsAt: at(11, 30), access: only('ngo') }),
    media: await addSession(b.app, { roomId: room, startsAt: at(10), endsAt: at(10, 20), access: only('media'), delayMinutes: 60 }),
  } as Record<Category, string>;
  const categories = Object.keys(sessions) as Category[];
  const categoryOf = new Map(categories.map((c) => [sessions[c], c]));
  const tieWinner = sessions.academia > sessions.ngo ? 'academia' : 'ngo';

  // On PostgreSQL the live side follows the log a few ms after each commit: a snapshot asked for
  // before it has the clock's status changes would be the one cached at the probe before.
  const watcher = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.admin}` } });
  let followed = ((await watcher.next((m) => m.type === 'snapshot')) as { seq: number }).seq;
  const caughtUp = async (): Promise<void> => {
    const head = (await storeSql(b.app).get<{ s: number }>('SELECT max(seq) AS s FROM events'))!.s;
    if (head > followed) await watcher.next((m) => m.type === 'event' && (m.seq as number) >= head);
    followed = head;
  };

  const probes: { time: number; onNow: Category | null }[] = [
    { time: at(8, 50), onNow: null },
    { time: at(9, 30), onNow: 'government' },
    { time: at(10, 15), onNow: 'industry' },
    { time: at(10, 35), onNow: tieWinner },
    { time: at(10, 50), onNow: 'ngo' },
    // media is delayed by an hour: 11:00–11:20, inside ngo, started later.
    { time: at(11, 10), onNow: 'media' },
    { time: at(11, 45), onNow: 'government' },
  ];
  for (const probe of probes) {
    clock.set(probe.time);
    // What the session clock job does every few seconds: statuses follow the clock and are published.
    await b.app.services.sessions.advanceStatuses();
    const label = iso(probe.time);
    await caughtUp();

    const api = (await b.app.inject({ method: 'GET', url: `/api/schedule/now?roomId=${room}`, headers: b.auth('ops') })).json<NowNext[]>();
    t.equal(api[0]?.current?.id ?? null, probe.onNow === null ? null : sessions[probe.onNow], `${label}: the API names the expected session`);

    // Staff see every session where it is (kiosks do not see closed-door ones: test/live/public-restricted.test.ts).
    const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.ops}` } });
    const snapshot = (await kiosk.next((m) => m.type === 'snapshot')) as { data: { nowNext: { roomId: string; currentId: string | null; nextId: string | null }[] } };
    kiosk.ws.close();
    const slot = snapshot.data.nowNext.find((n) => n.roomId === room);
    t.equal(slot?.currentId ?? null, api[0]?.current?.id ?? null, `${label}: the snapshot names the same session as the API`);
    t.equal(slot?.nextId ?? null, api[0]?.next?.id ?? null, `${label}: and the same next one`);

    // The door follows the session on now; before the first one, the next one once its doors open.
    const governing = api[0]?.current?.id ?? api[0]?.next?.id ?? null;
    const expected = governing === null ? categories : [categoryOf.get(governing)!];
    t.same(await admitted(b, room, categories), expected, `${label}: the door admits exactly who that session admits`);
  }
  watcher.ws.close();
});
