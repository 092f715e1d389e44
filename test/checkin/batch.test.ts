// Offline uploads: each scan decided as of its scannedAt, the earliest entry becomes the first arrival, results in the order sent.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build, testClock } from '../helper.js';
import { addRoom, checkedInAt, countRows, iso, minutes, occupancyOf, presenceOf, scan, T0, walkIn } from './fixtures.js';

t.test('one batch out of order: the earliest scan is the arrival; results keep the order sent', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0 + minutes(120)) } });
  const { app } = built;
  const ida = await walkIn(built, { name: 'Ida' });
  const res = await app.inject({
    method: 'POST',
    url: '/api/checkins/batch',
    headers: built.auth('desk'),
    payload: {
      scans: [
        { scanId: randomUUID(), code: ida.code, scannedAt: iso(T0 + minutes(65)) },
        { scanId: randomUUID(), code: 'junk', scannedAt: iso(T0 + minutes(1)) },
        { scanId: randomUUID(), code: ida.code, scannedAt: iso(T0 + minutes(50)) },
      ],
    },
  });
  t.equal(res.statusCode, 200);
  const results = res.json().results as { result: string; reason: string | null; checkin: { at: string }; firstCheckinAt: string | null }[];
  t.same(
    results.map((r) => [r.result, r.reason, r.checkin.at]),
    [
      ['warning', 'already_checked_in', iso(T0 + minutes(65))],
      ['rejected', 'invalid_code', iso(T0 + minutes(1))],
      ['ok', null, iso(T0 + minutes(50))],
    ],
  );
  t.equal(results[0]!.firstCheckinAt, iso(T0 + minutes(50)));
  t.equal(await checkedInAt(app, ida.id), T0 + minutes(50));
});

t.test('two desks upload later: a scan older than the recorded arrival becomes the arrival', async (t) => {
  const clock = testClock(T0 + minutes(30));
  const built = await build(t, { deps: { clock } });
  const { app } = built;
  const north = await app.inject({ method: 'POST', url: '/api/devices', headers: built.auth('admin'), payload: { name: 'Desk North', role: 'desk' } });
  const jon = await walkIn(built, { name: 'Jon', category: 'ngo' });

  const online = await scan(built, { code: jon.code, scannedAt: iso(T0 + minutes(20)) });
  t.equal(online.json().result, 'ok');
  t.equal(await checkedInAt(app, jon.id), T0 + minutes(20));

  clock.advance(minutes(60));
  const offline = await app.inject({
    method: 'POST',
    url: '/api/checkins/batch',
    headers: { authorization: `Bearer ${north.json().token}` },
    payload: { scans: [{ scanId: randomUUID(), code: jon.code, scannedAt: iso(T0 + minutes(5)) }] },
  });
  t.match(offline.json().results[0], { result: 'ok', reason: null, firstCheckinAt: null });
  t.equal(await checkedInAt(app, jon.id), T0 + minutes(5), 'checkedInAt moves earlier');
  const attendee = await app.inject({ method: 'GET', url: `/api/attendees/${jon.id}`, headers: built.auth('desk') });
  t.equal(attendee.json().checkedInAt, iso(T0 + minutes(5)));
  const stats = await app.inject({ method: 'GET', url: '/api/checkins/stats', headers: built.auth('ops') });
  t.same(stats.json(), { total: 1, byCategory: { ngo: 1 }, byHour: { '2026-02-15T09:00': 1 }, byDesk: { 'Desk North': 1 } }, 'counted once, for the desk that saw him first');

  const later = await scan(built, { code: jon.code });
  t.match(later.json(), { result: 'warning', firstCheckinAt: iso(T0 + minutes(5)) });

  await app.inject({ method: 'DELETE', url: `/api/checkins/${offline.json().results[0].checkin.id}`, headers: built.auth('desk') });
  t.equal(await checkedInAt(app, jon.id), T0 + minutes(20), 'undoing the offline arrival restores the online one');
});

t.test('door scans in a batch are applied in time order', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0 + minutes(120)) } });
  const { app } = built;
  const a = await addRoom(app, { name: 'A' });
  const b = await addRoom(app, { name: 'B' });
  const kim = await walkIn(built, { name: 'Kim' });
  const scans = [
    { scanId: randomUUID(), code: kim.code, roomId: b, scannedAt: iso(T0 + minutes(40)) },
    { scanId: randomUUID(), code: kim.code, roomId: a, kind: 'exit', scannedAt: iso(T0 + minutes(30)) },
    { scanId: randomUUID(), code: kim.code, roomId: a, scannedAt: iso(T0 + minutes(10)) },
    { scanId: randomUUID(), code: kim.code, roomId: b, kind: 'exit', scannedAt: iso(T0 + minutes(90)) },
    { scanId: randomUUID(), code: kim.code, roomId: a, scannedAt: iso(T0 + minutes(95)) },
  ];
  const res = await app.inject({ method: 'POST', url: '/api/checkins/batch', headers: built.auth('door'), payload: { scans } });
  const results = res.json().results as { checkin: { leftRoomId: string | null } }[];
  t.same(
    results.map((r) => r.checkin.leftRoomId),
    [null, a, null, b, null],
    'in A at 10, out of A at 30, into B at 40, out of B at 90, into A at 95',
  );
  t.equal(await occupancyOf(app, a), 1);
  t.equal(await occupancyOf(app, b), 0);
  t.equal(await presenceOf(app, kim.id), a);

  const stale = await scan(built, { code: kim.code, roomId: b, scannedAt: iso(T0 + minutes(60)) }, 'door');
  t.equal(stale.json().result, 'ok', 'a scan older than the last move is answered…');
  t.equal(await presenceOf(app, kim.id), a, '…but moves no one');
});

t.test('batch limits: at most 500 scans; an unknown room is answered for its item and the others are recorded', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const { app } = built;
  const leo = await walkIn(built, { name: 'Leo' });
  const scans = (n: number) => Array.from({ length: n }, () => ({ scanId: randomUUID(), code: leo.code }));
  // From the door device: each device may send only a few batches a second (see the flood test below).
  const tooMany = await app.inject({ method: 'POST', url: '/api/checkins/batch', headers: built.auth('door'), payload: { scans: scans(501) } });
  t.equal(tooMany.statusCode, 400);
  t.equal(tooMany.json().code, 'validation_failed');
  const empty = await app.inject({ method: 'POST', url: '/api/checkins/batch', headers: built.auth('door'), payload: { scans: [] } });
  t.equal(empty.statusCode, 400);

  // Issue 12: one unknown room used to refuse the whole batch, and the desk queue never emptied.
  const mixed = [...scans(3), { scanId: randomUUID(), code: leo.code, roomId: 'nowhere' }];
  const answered = await app.inject({ method: 'POST', url: '/api/checkins/batch', headers: built.auth('desk'), payload: { scans: mixed } });
  t.equal(answered.statusCode, 200, 'a batch answers per item');
  const results = answered.json<{ results: { result: string; reason: string | null; checkin: { id: string | null } }[] }>().results;
  t.same(results.map((r) => r.reason), [null, 'already_checked_in', 'already_checked_in', 'unknown_room']);
  t.equal(results[3]!.result, 'rejected');
  t.equal(results[3]!.checkin.id, null, 'the unknown-room item is not recorded, so it can be sent again');
  t.equal(await countRows(app, 'checkins'), 3, 'the three valid scans are recorded');
  t.not(await checkedInAt(app, leo.id), null);

  const full = await app.inject({ method: 'POST', url: '/api/checkins/batch', headers: built.auth('desk'), payload: { scans: scans(500) } });
  t.equal(full.statusCode, 200);
  t.equal(full.json().results.length, 500);
  t.equal(await countRows(app, 'checkins'), 503);
});

t.test('a malformed item is its own answer (rejected / invalid_scan, not recorded): the batch still answers 200 for the others', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const { app } = built;
  const leo = await walkIn(built, { name: 'Leo' });
  const mia = await walkIn(built, { name: 'Mia' });
  const room = await addRoom(app, { name: 'Room B' });
  const malformed: unknown[] = [
    { scanId: randomUUID() },
    { scanId: randomUUID(), code: 42, kind: 'exit', roomId: room },
    { scanId: randomUUID(), code: leo.code, scannedAt: 'yesterday' },
    { scanId: randomUUID(), code: leo.code, colour: 'red' },
    'not even an object',
    null,
  ];
  const payload = { scans: [{ scanId: randomUUID(), code: leo.code }, ...malformed, { scanId: randomUUID(), code: mia.code }] };
  const res = await app.inject({ method: 'POST', url: '/api/checkins/batch', headers: built.auth('desk'), payload });
  t.equal(res.statusCode, 200, 'one bad item never fails the others');
  const results = res.json<{ results: { result: string; reason: string | null; checkin: { id: string | null; kind: string; roomId: string | null } }[] }>().results;
  t.equal(results.length, 8, 'an answer for every item, in order');
  t.same(results.map((r) => r.reason), [null, ...malformed.map(() => 'invalid_scan'), null]);
  for (const r of results.slice(1, -1)) {
    t.equal(r.result, 'rejected');
    t.equal(r.checkin.id, null, 'a malformed item is not recorded');
  }
  t.same([results[2]!.checkin.kind, results[2]!.checkin.roomId], ['exit', room], 'what could be read of the item is echoed');
  t.equal(await countRows(app, 'checkins'), 2, 'only the two good scans are recorded');
  t.not(await checkedInAt(app, leo.id), null);
  t.not(await checkedInAt(app, mia.id), null);

  const notAList = await app.inject({ method: 'POST', url: '/api/checkins/batch', headers: built.auth('door'), payload: { scans: { scanId: 'x' } } });
  t.equal(notAList.statusCode, 400, 'a body that is not a batch is still a 400');
  t.equal(await countRows(app, 'checkins'), 2);
});

t.test('a device sends at most a few batches a second: a flood of uploads is refused whole, other devices are not', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const { app } = built;
  const ida = await walkIn(built, { name: 'Ida' });
  const upload = (role: 'desk' | 'door') =>
    app.inject({ method: 'POST', url: '/api/checkins/batch', headers: built.auth(role), payload: { scans: [{ scanId: randomUUID(), code: ida.code }] } });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await upload('desk')).statusCode);
  t.same(statuses.slice(0, 2), [200, 200], 'the first uploads of the second are answered');
  t.equal(statuses[3], 429, 'a flood of uploads from one device is refused whole');
  const refused = await upload('desk');
  t.equal(refused.json().code, 'rate_limited');
  t.equal((await upload('door')).statusCode, 200, 'another device is not affected');
});
