// Concurrency: forty desks on one badge give one ok, one scanId sent at once is recorded once, counts stay consistent under any interleaving.
import { randomUUID } from 'node:crypto';
import fc from '../property.js';
import t from 'tap';
import { build, testClock, storeSql } from '../helper.js';
import { addRoom, checkedInAt, countRows, iso, minutes, occupancyOf, scan, T0, walkIn, type WalkIn } from './fixtures.js';

t.test('40 desks scan one badge at the same moment: exactly one ok', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const { app } = built;
  const desks: Record<string, string>[] = [];
  for (let i = 0; i < 40; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/devices', headers: built.auth('admin'), payload: { name: `Desk ${i}`, role: 'desk' } });
    desks.push({ authorization: `Bearer ${res.json().token}` });
  }
  const vip = await walkIn(built, { name: 'Very Important', category: 'government' });
  const answers = await Promise.all(desks.map((headers) => scan(built, { code: vip.code }, 'desk', headers)));
  const results = answers.map((r) => r.json() as { result: string; reason: string | null; firstCheckinAt: string | null });
  t.equal(results.filter((r) => r.result === 'ok').length, 1, 'one ok');
  t.equal(results.filter((r) => r.reason === 'already_checked_in').length, 39, 'every other desk is warned');
  t.ok(results.filter((r) => r.result === 'warning').every((r) => r.firstCheckinAt === iso(T0)));
  const stats = await app.inject({ method: 'GET', url: '/api/checkins/stats', headers: built.auth('admin') });
  t.equal(stats.json().total, 1);
});

t.test('one scanId sent 30 times at once is recorded once; the rest are replays of it', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const { app } = built;
  const room = await addRoom(app, { capacity: 5 });
  const ann = await walkIn(built, { name: 'Ann' });
  const scanId = randomUUID();
  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => scan(built, { scanId, code: ann.code, roomId: i % 2 === 0 ? room : null }, 'door')));
  const bodies = answers.map((r) => r.json() as { replayed: boolean; checkin: { id: string } });
  t.equal(bodies.filter((b) => !b.replayed).length, 1);
  t.equal(new Set(bodies.map((b) => b.checkin.id)).size, 1, 'every answer names the same check-in');
  t.equal(await countRows(app, 'checkins'), 1);
});

type Step = { kind: 'scan'; who: number; room: number | null; exit: boolean; minute: number } | { kind: 'undo'; pick: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('scan' as const), who: fc.nat(3), room: fc.option(fc.nat(2), { nil: null }), exit: fc.boolean(), minute: fc.nat(120) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('undo' as const), pick: fc.nat(1000) }) },
);

t.test('property: after any interleaving of door scans and undos, occupancy equals presence; undoing everything empties the rooms', async (t) => {
  const clock = testClock(T0 + minutes(600));
  const built = await build(t, { deps: { clock } });
  const { app } = built;
  const people: WalkIn[] = [];
  for (let i = 0; i < 4; i++) people.push(await walkIn(built, { name: `P${i}` }));

  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 30 }), async (steps) => {
      const rooms = [await addRoom(app, { capacity: 3 }), await addRoom(app, { capacity: 3 }), await addRoom(app, { capacity: 3 })];
      const recorded: string[] = [];
      const consistent = async (): Promise<boolean> => {
        const presence = await storeSql(app).all<{ roomId: string; n: number }>('SELECT room_id AS "roomId", COUNT(*) AS n FROM presence GROUP BY room_id');
        for (const room of rooms) if ((await occupancyOf(app, room)) !== (presence.find((p) => p.roomId === room)?.n ?? 0)) return false;
        return true;
      };
      // Concurrent waves: each wave's requests are in flight together and share a group commit.
      for (let i = 0; i < steps.length; i += 5) {
        const wave = steps.slice(i, i + 5);
        const answers = await Promise.all(
          wave.map((s) =>
            s.kind === 'scan'
              ? scan(built, { code: people[s.who]!.code, roomId: s.room === null ? null : rooms[s.room], kind: s.exit ? 'exit' : 'entry', scannedAt: iso(T0 + minutes(s.minute)), force: s.minute % 3 === 0 }, 'door')
              : recorded.length > 0
                ? app.inject({ method: 'DELETE', url: `/api/checkins/${recorded[s.pick % recorded.length]}`, headers: built.auth('admin') })
                : null,
          ),
        );
        for (const a of answers) if (a && a.statusCode === 200) recorded.push((a.json() as { checkin: { id: string } }).checkin.id);
        if (!(await consistent())) return false;
      }
      // Newest first, so that undoing an entry puts the attendee back in the room they came from.
      for (const id of recorded.reverse()) {
        await app.inject({ method: 'DELETE', url: `/api/checkins/${id}`, headers: built.auth('admin') });
        if (!(await consistent())) return false;
      }
      if ((await countRows(app, 'presence')) !== 0) return false;
      for (const r of rooms) if ((await occupancyOf(app, r)) !== 0) return false;
      for (const p of people) if ((await checkedInAt(app, p.id)) !== null) return false;
      return true;
    }),
    { numRuns: 25 },
  );
  t.pass('invariants held');
});
