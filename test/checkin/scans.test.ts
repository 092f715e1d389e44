// Badge scans: every result and reason code, replays, door rules, presence, undo and arrival stats.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { generateBadgeKey, signBadgeCode } from '../../src/domain/badge-code.js';
import { build, testClock, storeSql } from '../helper.js';
import { addRoom, addSession, checkedInAt, countRows, iso, minutes, occupancyOf, presenceOf, scan, T0, walkIn } from './fixtures.js';

t.test('venue scans: ok, then already_checked_in with the first time', async (t) => {
  const clock = testClock(T0);
  const built = await build(t, { deps: { clock } });
  const anna = await walkIn(built, { name: 'Anna Müller', organization: 'TNO', category: 'academia', delegation: 'NL', flags: ['VIP'] });

  const first = await scan(built, { code: anna.code });
  t.equal(first.statusCode, 200);
  t.match(first.json(), {
    result: 'ok',
    reason: null,
    replayed: false,
    checkin: { id: String, kind: 'entry', roomId: null, at: iso(T0), forced: false, leftRoomId: null },
    attendee: { id: anna.id, name: 'Anna Müller', organization: 'TNO', category: 'academia', delegation: 'NL', flags: ['vip'] },
    firstCheckinAt: null,
  });
  t.equal(await checkedInAt(built.app, anna.id), T0);

  clock.advance(minutes(5));
  const second = await scan(built, { code: anna.code });
  t.match(second.json(), { result: 'warning', reason: 'already_checked_in', firstCheckinAt: iso(T0), attendee: { id: anna.id } });
  t.equal(await checkedInAt(built.app, anna.id), T0, 'the first arrival stands');
});

t.test('rejections: invalid_code, unknown_attendee, revoked_badge, registration_cancelled', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const { app } = built;
  const bob = await walkIn(built, { name: 'Bob' });

  for (const code of ['NOT-A-CODE', bob.code.slice(0, -2) + (bob.code.endsWith('AA') ? 'BA' : 'AA'), signBadgeCode(generateBadgeKey('kother'), { attendeeId: bob.id, version: 1 })]) {
    const res = await scan(built, { code });
    t.match(res.json(), { result: 'rejected', reason: 'invalid_code', attendee: null }, `invalid: ${code.slice(0, 12)}…`);
  }
  // The signing key lives in the key folder, not the database: the service hands the test its signer.
  const key = await app.services.badges.signingKey();
  const ghost = await scan(built, { code: signBadgeCode(key, { attendeeId: randomUUID(), version: 1 }) });
  t.match(ghost.json(), { result: 'rejected', reason: 'unknown_attendee', attendee: null });
  const future = await scan(built, { code: signBadgeCode(key, { attendeeId: bob.id, version: 7 }) });
  t.match(future.json(), { result: 'rejected', reason: 'invalid_code' }, 'a version never issued is not a code of this event');

  const reprint = await app.inject({ method: 'POST', url: `/api/attendees/${bob.id}/badge`, headers: built.auth('desk') });
  t.equal(reprint.statusCode, 201);
  const revoked = await scan(built, { code: bob.code });
  t.match(revoked.json(), { result: 'rejected', reason: 'revoked_badge', attendee: { id: bob.id, name: 'Bob' } });

  const cancel = await app.inject({ method: 'PATCH', url: `/api/attendees/${bob.id}`, headers: built.auth('desk'), payload: { status: 'cancelled' } });
  t.equal(cancel.statusCode, 200);
  t.equal(cancel.json().status, 'cancelled');
  const cancelled = await scan(built, { code: reprint.json().code });
  t.match(cancelled.json(), { result: 'rejected', reason: 'registration_cancelled', attendee: { id: bob.id } });

  t.equal(await checkedInAt(app, bob.id), null, 'no rejected scan counts as an arrival');
  const stored = (await storeSql(app).get<{ n: number }>("SELECT COUNT(*) AS n FROM checkins WHERE result = 'rejected'"))!;
  t.equal(stored.n, 7, 'every rejection is recorded for the audit trail');
  const stats = await app.inject({ method: 'GET', url: '/api/checkins/stats', headers: built.auth('ops') });
  t.equal(stats.json().total, 0);
});

t.test('a replay returns the first answer whatever the body, and records nothing', async (t) => {
  const clock = testClock(T0);
  const built = await build(t, { deps: { clock } });
  const { app } = built;
  const room = await addRoom(app, { capacity: 10 });
  const carl = await walkIn(built, { name: 'Carl' });
  const dora = await walkIn(built, { name: 'Dora' });
  const scanId = randomUUID();
  const first = await scan(built, { scanId, code: carl.code });
  t.equal(first.json().result, 'ok');
  const rows = await countRows(app, 'checkins');
  const events = (await storeSql(app).get<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE name = 'checkin.recorded'"))!.n;

  clock.advance(minutes(10));
  for (const body of [
    { scanId, code: carl.code },
    { scanId, code: dora.code },
    { scanId, code: 'garbage' },
    { scanId, code: dora.code, kind: 'exit' as const, roomId: room },
    { scanId, code: 'garbage', roomId: 'no-such-room' },
  ]) {
    const again = await scan(built, body, 'door');
    t.equal(again.statusCode, 200);
    t.same(again.json(), { ...first.json(), replayed: true });
  }
  t.equal(await countRows(app, 'checkins'), rows);
  t.equal((await storeSql(app).get<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE name = 'checkin.recorded'"))!.n, events);
  t.equal(await checkedInAt(app, dora.id), null);
  t.equal(await occupancyOf(app, room), 0);
});

t.test('doors: room_closed, not_allowed from the session on, room_full unless forced', async (t) => {
  const clock = testClock(T0);
  const built = await build(t, { deps: { clock } });
  const { app } = built;
  const closed = await addRoom(app, { status: 'closed' });
  const out = await addRoom(app, { status: 'out_of_service' });
  const restricted = await addRoom(app, { capacity: 50 });
  const small = await addRoom(app, { capacity: 1 });
  await addSession(app, { roomId: restricted, startsAt: T0 + minutes(60), endsAt: T0 + minutes(120), access: { policy: 'categories', categories: ['government'] } });
  await addSession(app, { roomId: restricted, startsAt: T0 + minutes(180), endsAt: T0 + minutes(240), access: { policy: 'categories', categories: ['government'] }, status: 'cancelled' });
  await addSession(app, { roomId: restricted, startsAt: T0 + minutes(300), endsAt: T0 + minutes(360), access: { policy: 'categories', categories: ['government'] }, delayMinutes: 30 });
  const minister = await walkIn(built, { name: 'Minister', category: 'government', delegation: 'FR' });
  const reporter = await walkIn(built, { name: 'Reporter', category: 'media' });

  t.match((await scan(built, { code: reporter.code, roomId: closed }, 'door')).json(), { result: 'rejected', reason: 'room_closed' });
  t.match((await scan(built, { code: reporter.code, roomId: out }, 'door')).json(), { result: 'rejected', reason: 'room_closed' });

  const at = (ms: number) => ({ scannedAt: iso(ms) });
  const door = (code: string, ms: number, kind: 'entry' | 'exit' = 'entry') => scan(built, { code, roomId: restricted, kind, ...at(ms) }, 'door');
  clock.set(T0 + minutes(600));
  t.match((await door(reporter.code, T0 + minutes(30))).json(), { result: 'ok' }, 'no session yet: open');
  await door(reporter.code, T0 + minutes(31), 'exit');
  t.match((await door(reporter.code, T0 + minutes(50))).json(), { result: 'rejected', reason: 'not_allowed' }, 'doors open 15 minutes before');
  t.match((await door(reporter.code, T0 + minutes(90))).json(), { result: 'rejected', reason: 'not_allowed' }, 'during the session');
  t.match((await door(minister.code, T0 + minutes(90))).json(), { result: 'ok' }, 'an admitted category');
  await door(minister.code, T0 + minutes(121), 'exit');
  t.match((await door(reporter.code, T0 + minutes(200))).json(), { result: 'ok' }, 'a cancelled session restricts nobody');
  await door(reporter.code, T0 + minutes(201), 'exit');
  t.match((await door(reporter.code, T0 + minutes(310))).json(), { result: 'ok' }, 'delayed by 30 minutes: not on yet at +10');
  await door(reporter.code, T0 + minutes(311), 'exit');
  t.match((await door(reporter.code, T0 + minutes(335))).json(), { result: 'rejected', reason: 'not_allowed' }, 'delayed session on');
  t.match((await door(reporter.code, T0 + minutes(395))).json(), { result: 'ok' }, 'delayed session over');
  t.match((await door(reporter.code, T0 + minutes(396), 'exit')).json(), { result: 'ok', checkin: { leftRoomId: restricted } }, 'an exit is never refused');
  t.equal(await occupancyOf(app, restricted), 0);

  clock.set(T0 + minutes(700));
  t.match((await scan(built, { code: minister.code, roomId: small }, 'door')).json(), { result: 'ok', checkin: { forced: false } });
  t.match((await scan(built, { code: reporter.code, roomId: small }, 'door')).json(), { result: 'rejected', reason: 'room_full' });
  t.equal(await occupancyOf(app, small), 1, 'a rejected scan changes no count');
  t.match((await scan(built, { code: minister.code, roomId: small }, 'door')).json(), { result: 'ok', checkin: { forced: false } }, 'already inside: never room_full');
  const forced = await scan(built, { code: reporter.code, roomId: small, force: true }, 'door');
  t.match(forced.json(), { result: 'ok', reason: null, checkin: { forced: true } });
  t.equal(await occupancyOf(app, small), 2);
  const row = (await storeSql(app).get<{ forced: number }>('SELECT forced FROM checkins WHERE id = ?', forced.json().checkin.id))!;
  t.equal(row.forced, 1, 'recorded as forced');
});

t.test('entering room B while counted in room A records the exit from A', async (t) => {
  const clock = testClock(T0);
  const built = await build(t, { deps: { clock } });
  const { app } = built;
  const a = await addRoom(app, { name: 'A' });
  const b = await addRoom(app, { name: 'B' });
  const eve = await walkIn(built, { name: 'Eve' });

  await scan(built, { code: eve.code, roomId: a }, 'door');
  t.equal(await occupancyOf(app, a), 1);
  t.equal(await presenceOf(app, eve.id), a);
  clock.advance(minutes(20));
  const intoB = await scan(built, { code: eve.code, roomId: b }, 'door');
  t.match(intoB.json(), { result: 'ok', checkin: { roomId: b, leftRoomId: a } });
  t.equal(await occupancyOf(app, a), 0);
  t.equal(await occupancyOf(app, b), 1);
  t.equal(await presenceOf(app, eve.id), b);

  t.match((await scan(built, { code: eve.code, roomId: a, kind: 'exit' }, 'door')).json(), { result: 'ok', checkin: { leftRoomId: null } }, 'exit from a room she is not in changes nothing');
  t.equal(await occupancyOf(app, b), 1);
  clock.advance(minutes(5));
  await scan(built, { code: eve.code, kind: 'exit' }, 'desk');
  t.equal(await occupancyOf(app, b), 0, 'leaving the venue leaves the room');
  t.equal(await presenceOf(app, eve.id), null);
});

t.test('undo restores arrivals, presence and occupancy', async (t) => {
  const clock = testClock(T0);
  const built = await build(t, { deps: { clock } });
  const { app } = built;
  const a = await addRoom(app, { name: 'A' });
  const b = await addRoom(app, { name: 'B' });
  const fay = await walkIn(built, { name: 'Fay' });
  const undo = (id: string, role: 'desk' | 'admin' | 'door' = 'desk') => app.inject({ method: 'DELETE', url: `/api/checkins/${id}`, headers: built.auth(role) });

  const arrival = (await scan(built, { code: fay.code })).json();
  clock.advance(minutes(3));
  const again = (await scan(built, { code: fay.code })).json();
  t.equal(again.reason, 'already_checked_in');
  t.equal((await undo(arrival.checkin.id)).statusCode, 204);
  t.equal(await checkedInAt(app, fay.id), T0 + minutes(3), 'the remaining venue entry becomes the arrival');
  t.equal((await undo(again.checkin.id)).statusCode, 204);
  t.equal(await checkedInAt(app, fay.id), null);
  t.equal((await undo(again.checkin.id)).statusCode, 204, 'undoing twice is harmless');
  t.equal((await undo('no-such-checkin')).statusCode, 404);
  t.equal((await undo(again.checkin.id, 'door')).statusCode, 403);

  const intoA = (await scan(built, { code: fay.code, roomId: a }, 'door')).json();
  clock.advance(minutes(1));
  const intoB = (await scan(built, { code: fay.code, roomId: b }, 'door')).json();
  t.equal(await occupancyOf(app, a), 0);
  t.equal(await occupancyOf(app, b), 1);
  await undo(intoB.checkin.id);
  t.equal(await occupancyOf(app, a), 1, 'back in A: the scan at B was a mistake');
  t.equal(await occupancyOf(app, b), 0);
  t.equal(await presenceOf(app, fay.id), a);
  await undo(intoA.checkin.id);
  t.equal(await occupancyOf(app, a), 0);
  t.equal(await presenceOf(app, fay.id), null);

  const undone = (await storeSql(app).get<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE name = 'checkin.undone'"))!;
  t.equal(undone.n, 4, 'one checkin.undone per undo that changed something');
});

t.test('stats: total, by category, by local hour, by desk name', async (t) => {
  const clock = testClock(T0 + minutes(180));
  const built = await build(t, { deps: { clock } });
  const { app } = built;
  const desk2 = await app.inject({ method: 'POST', url: '/api/devices', headers: built.auth('admin'), payload: { name: 'Desk North', role: 'desk' } });
  const north = { authorization: `Bearer ${desk2.json().token}` };
  const people = [
    await walkIn(built, { name: 'G1', category: 'government' }),
    await walkIn(built, { name: 'G2', category: 'government' }),
    await walkIn(built, { name: 'M1', category: 'media' }),
  ];
  await scan(built, { code: people[0]!.code, scannedAt: '2026-02-15T08:10:00Z' });
  await scan(built, { code: people[1]!.code, scannedAt: '2026-02-15T09:59:59Z' }, 'desk', north);
  await scan(built, { code: people[2]!.code, scannedAt: '2026-02-15T07:45:00Z' }, 'desk', north);
  await scan(built, { code: people[0]!.code, scannedAt: '2026-02-15T08:20:00Z' }, 'desk', north);
  await scan(built, { code: 'bogus' });

  for (const role of ['ops', 'desk', 'admin'] as const) {
    const res = await app.inject({ method: 'GET', url: '/api/checkins/stats', headers: built.auth(role) });
    t.equal(res.statusCode, 200);
    t.same(res.json(), {
      total: 3,
      byCategory: { government: 2, media: 1 },
      byHour: { '2026-02-15T08:00': 1, '2026-02-15T09:00': 1, '2026-02-15T10:00': 1 },
      byDesk: { 'desk device': 1, 'Desk North': 2 },
    });
  }
  for (const role of ['door', 'kiosk'] as const) {
    t.equal((await app.inject({ method: 'GET', url: '/api/checkins/stats', headers: built.auth(role) })).statusCode, 403);
  }
  await app.inject({ method: 'PATCH', url: `/api/attendees/${people[1]!.id}`, headers: built.auth('desk'), payload: { category: 'speaker' } });
  const edited = await app.inject({ method: 'GET', url: '/api/checkins/stats', headers: built.auth('ops') });
  t.same(edited.json().byCategory, { government: 1, media: 1, speaker: 1 }, 'an edited category is counted at once');
});

t.test('a scan at an unknown room is a 404 that writes nothing; a scannedAt a little ahead is clamped, an impossible one is invalid_time', async (t) => {
  const clock = testClock(T0);
  const built = await build(t, { deps: { clock } });
  const { app } = built;
  const gus = await walkIn(built, { name: 'Gus' });
  const before = await countRows(app, 'checkins');
  const res = await scan(built, { code: gus.code, roomId: 'nowhere' }, 'door');
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, 'not_found');
  t.equal(await countRows(app, 'checkins'), before);

  const bad = await app.inject({ method: 'POST', url: '/api/checkins', headers: built.auth('desk'), payload: { scanId: 'x', code: gus.code, extra: 1 } });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, 'validation_failed');
  t.equal(await countRows(app, 'checkins'), before);

  // Issue 12: a scan dated 2030, 1970 or year 1 was believed and could move the first arrival.
  for (const when of ['2030-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '0001-01-01T00:00:00Z', iso(T0 - minutes(25 * 60))]) {
    const impossible = (await scan(built, { code: gus.code, scannedAt: when })).json<{ result: string; reason: string }>();
    t.same([impossible.result, impossible.reason], ['rejected', 'invalid_time'], `${when} is outside [first session − 24 h, receipt + 5 min]`);
  }
  t.equal(await checkedInAt(app, gus.id), null, 'an impossible time is no arrival');
  const ahead = await scan(built, { code: gus.code, scannedAt: iso(T0 + minutes(4)) });
  t.equal(ahead.json().checkin.at, iso(T0), 'a scanner clock a few minutes ahead is clamped to arrival');
  t.equal(await checkedInAt(app, gus.id), T0);
});
