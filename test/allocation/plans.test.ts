// Allocation plans over HTTP: what is planned, what stays, changeover gaps, stale plans, applying moves, room-failure proposals, roles.
import t, { type Test } from 'tap';
import { build, listen, liveClient, testClock, type Built, storeSql } from '../helper.js';
import { addRoom, addSession, fingerprint, patchSession, sessionsById } from './seed.js';

const NOW = Date.parse('2026-02-15T08:00:00Z'); // 09:00 in Amsterdam
const at = (hhmm: string, day = '2026-02-15'): number => Date.parse(`${day}T${hhmm}:00Z`);

interface Plan {
  id: string;
  basedOnSeq: number;
  assignments: { sessionId: string; fromRoomId: string | null; toRoomId: string }[];
  unplaced: { sessionId: string; reason: string }[];
  objective: { unplaced: number; moves: number; seatsShort: number; seatsIdle: number };
  optimal: boolean;
  solveMs: number;
}

async function setup(t: Test): Promise<Built & { clock: ReturnType<typeof testClock> }> {
  const clock = testClock(NOW);
  const built = await build(t, { deps: { clock } });
  return { ...built, clock };
}

async function plan(built: Built, body: object): Promise<Plan> {
  const res = await built.app.inject({ method: 'POST', url: '/api/allocation/plans', headers: built.auth('ops'), payload: body });
  if (res.statusCode !== 201) throw new Error(`plan answered ${res.statusCode}: ${res.body}`);
  return res.json() as Plan;
}

function roomOf(p: Plan, sessionId: string): string | undefined {
  return p.assignments.find((a) => a.sessionId === sessionId)?.toRoomId;
}

t.test('a plan moves an over-full session and keeps live, imminent and pinned sessions where they are', async (t) => {
  const built = await setup(t);
  const { app, tokens } = built;
  const small = await addRoom(built, { name: 'Small', capacity: 50 });
  const mid = await addRoom(built, { name: 'Mid', capacity: 120 });
  const big = await addRoom(built, { name: 'Big', capacity: 300 });
  const live = await addSession(built, { title: 'Opening', startsAt: at('07:30'), endsAt: at('08:30'), roomId: small.id, expectedAttendance: 200 });
  const soon = await addSession(built, { title: 'Soon', startsAt: at('08:10'), endsAt: at('09:00'), roomId: mid.id, expectedAttendance: 200 });
  const pinned = await addSession(built, { title: 'Pinned', startsAt: at('10:00'), endsAt: at('11:00'), roomId: small.id, expectedAttendance: 200 });
  const crowded = await addSession(built, { title: 'Crowded', startsAt: at('12:00'), endsAt: at('13:00'), roomId: small.id, expectedAttendance: 200 });
  const fine = await addSession(built, { title: 'Fine', startsAt: at('12:00'), endsAt: at('13:00'), roomId: mid.id, expectedAttendance: 100 });

  const { ws } = await listen(app);
  const ops = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.ops}` } });
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.kiosk}` } });
  await Promise.all([ops.next((m) => m.type === 'snapshot'), kiosk.next((m) => m.type === 'snapshot')]);

  const head = (await storeSql(app).get<{ seq: number }>('SELECT MAX(seq) AS seq FROM events'))!.seq;
  const res = await app.inject({ method: 'POST', url: '/api/allocation/plans', headers: built.auth('ops'), payload: { pinned: [pinned.id] } });
  t.equal(res.statusCode, 201);
  const body = res.json() as Plan;
  t.same(Object.keys(body).sort(), ['assignments', 'basedOnSeq', 'id', 'objective', 'optimal', 'solveMs', 'unplaced'], 'the contract’s shape');
  t.equal(body.basedOnSeq, head, 'based on the log head when the schedule was read');
  t.equal(body.optimal, true);
  t.type(body.solveMs, 'number');
  t.equal(body.assignments.length, 5, 'every planned session is listed, moved or not');
  t.equal(roomOf(body, live.id), small.id, 'a live session stays');
  t.equal(roomOf(body, soon.id), mid.id, 'a session starting within 15 minutes stays');
  t.equal(roomOf(body, pinned.id), small.id, 'a pinned session stays');
  t.equal(roomOf(body, crowded.id), big.id, 'the crowded session moves to the room that fits');
  t.equal(roomOf(body, fine.id), mid.id, 'a session that fits is not moved');
  t.same(body.assignments.find((a) => a.sessionId === crowded.id), { sessionId: crowded.id, fromRoomId: small.id, toRoomId: big.id });
  t.same(body.objective, { unplaced: 0, moves: 1, seatsShort: 150 + 80 + 150, seatsIdle: 100 + 20 });
  t.same(body.unplaced, []);

  const stored = (await storeSql(app).get<{ based_on_seq: number; applied_at: number | null; request: string }>(
    'SELECT based_on_seq, applied_at, request FROM allocation_plans WHERE id = ?',
    body.id,
  ))!;
  t.equal(stored.based_on_seq, head);
  t.equal(stored.applied_at, null);
  t.match(JSON.parse(stored.request), { pinned: [pinned.id], changeoverMinutes: 10, input: { sessions: Array } }, 'the input is stored with the plan');

  const planned = await ops.next((m) => m.name === 'allocation.planned');
  t.match(planned.data, { id: body.id, basedOnSeq: head, trigger: { kind: 'request' } });
  const again = await app.inject({ method: 'GET', url: `/api/allocation/plans/${body.id}`, headers: built.auth('admin') });
  t.equal(again.statusCode, 200);
  t.match(again.json(), { ...body, appliedAt: null, changeoverMinutes: 10 });
  t.notOk(kiosk.messages.some((m) => String(m.name).startsWith('allocation.')), 'kiosks never see plans');
  ops.ws.close();
  kiosk.ws.close();
});

t.test('the changeover gap keeps a room free between sessions', async (t) => {
  const built = await setup(t);
  const small = await addRoom(built, { name: 'Small', capacity: 50 });
  const big = await addRoom(built, { name: 'Big', capacity: 300 });
  const first = await addSession(built, { title: 'First', startsAt: at('10:00'), endsAt: at('11:00'), roomId: big.id, expectedAttendance: 250 });
  const second = await addSession(built, { title: 'Second', startsAt: at('11:05'), endsAt: at('12:00'), roomId: small.id, expectedAttendance: 250 });

  const tenMinutes = await plan(built, {});
  t.equal(roomOf(tenMinutes, first.id), big.id);
  t.equal(roomOf(tenMinutes, second.id), small.id, 'five minutes is less than the default ten-minute changeover');
  t.equal(tenMinutes.objective.seatsShort, 200);

  const six = await plan(built, { changeoverMinutes: 6 });
  t.equal(roomOf(six, second.id), small.id);
  const five = await plan(built, { changeoverMinutes: 5 });
  t.equal(roomOf(five, second.id), big.id, 'a gap exactly the changeover is enough');
  t.same(five.objective, { unplaced: 0, moves: 1, seatsShort: 0, seatsIdle: 50 + 50 });

  const onlySecond = await plan(built, { sessionIds: [second.id], changeoverMinutes: 6 });
  t.same(onlySecond.assignments, [{ sessionId: second.id, fromRoomId: small.id, toRoomId: small.id }], 'a session left out of the plan still holds its room');
});

t.test('which sessions are planned: today by default, a given day, given ids; never cancelled or finished ones', async (t) => {
  const built = await setup(t);
  const small = await addRoom(built, { name: 'Small', capacity: 50 });
  await addRoom(built, { name: 'Big', capacity: 300 });
  const today = await addSession(built, { title: 'Today', startsAt: at('12:00'), endsAt: at('13:00'), roomId: small.id, expectedAttendance: 80 });
  const over = await addSession(built, { title: 'Breakfast', startsAt: at('06:00'), endsAt: at('07:00'), roomId: small.id, expectedAttendance: 80 });
  const cancelled = await addSession(built, { title: 'Called off', startsAt: at('14:00'), endsAt: at('15:00'), roomId: small.id, expectedAttendance: 80 });
  await patchSession(built, cancelled.id, { status: 'cancelled' });
  const tomorrow = await addSession(built, {
    title: 'Tomorrow',
    startsAt: at('12:00', '2026-02-16'),
    endsAt: at('13:00', '2026-02-16'),
    roomId: small.id,
    expectedAttendance: 80,
  });
  // 23:30 UTC on the 15th is 00:30 on the 16th in Amsterdam: it belongs to the 16th.
  const lateNight = await addSession(built, { title: 'Late', startsAt: at('23:30'), endsAt: at('23:50'), roomId: small.id, expectedAttendance: 10 });

  const byDefault = await plan(built, {});
  t.same(byDefault.assignments.map((a) => a.sessionId), [today.id], 'today’s sessions that are neither over nor cancelled');
  const nextDay = await plan(built, { day: '2026-02-16' });
  t.same(nextDay.assignments.map((a) => a.sessionId).sort(), [tomorrow.id, lateNight.id].sort(), 'the day is local to the event’s zone');
  const byIds = await plan(built, { sessionIds: [tomorrow.id, cancelled.id, over.id] });
  t.same(byIds.assignments.map((a) => a.sessionId), [tomorrow.id], 'cancelled and finished sessions are left out even when named');
});

t.test('bad plan requests are 400 and write nothing', async (t) => {
  const built = await setup(t);
  const { app } = built;
  const small = await addRoom(built, { name: 'Small', capacity: 50 });
  const s = await addSession(built, { title: 'S', startsAt: at('12:00'), endsAt: at('13:00'), roomId: small.id });
  const before = await fingerprint(app);
  const bodies: object[] = [
    { sessionIds: [s.id, 'no-such-session'] },
    { pinned: ['no-such-session'] },
    { day: '2026-02-15', sessionIds: [s.id] },
    { day: '2026-02-30' },
    { day: '15/02/2026' },
    { changeoverMinutes: 121 },
    { changeoverMinutes: -1 },
    { changeoverMinutes: 2.5 },
    { sessionIds: [] },
    { surprise: true },
  ];
  for (const payload of bodies) {
    const res = await app.inject({ method: 'POST', url: '/api/allocation/plans', headers: built.auth('ops'), payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.equal(res.json().code, 'validation_failed');
    t.ok(Array.isArray(res.json().errors), 'lists the offending fields');
  }
  t.same(await fingerprint(app), before, 'nothing written');
});

t.test('a stale plan is refused and changes nothing; a room turning full or a session going live does not make a plan stale', async (t) => {
  const built = await setup(t);
  const { app } = built;
  const small = await addRoom(built, { name: 'Small', capacity: 50 });
  const big = await addRoom(built, { name: 'Big', capacity: 300 });
  const crowded = await addSession(built, { title: 'Crowded', startsAt: at('12:00'), endsAt: at('13:00'), roomId: small.id, expectedAttendance: 200 });
  const other = await addSession(built, { title: 'Other', startsAt: at('15:00'), endsAt: at('16:00'), roomId: big.id, expectedAttendance: 200 });
  const warmup = await addSession(built, { title: 'Warm-up', startsAt: at('08:20'), endsAt: at('08:40'), roomId: small.id, expectedAttendance: 10 });

  const first = await plan(built, {});
  t.equal(roomOf(first, crowded.id), big.id);
  await patchSession(built, other.id, { title: 'Other, renamed' });
  const before = await fingerprint(app);
  const stale = await app.inject({ method: 'POST', url: `/api/allocation/plans/${first.id}/apply`, headers: built.auth('ops') });
  t.equal(stale.statusCode, 409);
  t.equal(stale.json().code, 'stale_plan');
  t.same(await fingerprint(app), before, 'a refused apply writes nothing');
  t.equal((await sessionsById(built)).get(crowded.id)?.roomId, small.id);

  const second = await plan(built, {});
  const headcount = await app.inject({ method: 'POST', url: `/api/rooms/${small.id}/headcount`, headers: built.auth('door'), payload: { count: 60 } });
  t.equal(headcount.json().full, true, 'the room turned full (a public room.updated)');
  built.clock.set(at('08:21'));
  await app.services.sessions!.advanceStatuses();
  t.equal((await sessionsById(built)).get(warmup.id)?.status, 'live', 'the clock started a session (a session.updated of kind status)');
  const applied = await app.inject({ method: 'POST', url: `/api/allocation/plans/${second.id}/apply`, headers: built.auth('ops') });
  t.equal(applied.statusCode, 200, 'neither occupancy nor the clock starting a session the plan leaves alone makes it stale');

  const third = await plan(built, {});
  const patchRoom = await app.inject({ method: 'PATCH', url: `/api/rooms/${small.id}`, headers: built.auth('ops'), payload: { capacity: 500 } });
  t.equal(patchRoom.statusCode, 200);
  const staleRoom = await app.inject({ method: 'POST', url: `/api/allocation/plans/${third.id}/apply`, headers: built.auth('ops') });
  t.equal(staleRoom.statusCode, 409);
  t.equal(staleRoom.json().code, 'stale_plan', 'a room’s capacity changed');
});

t.test('apply moves every session in one step: kiosks get session.updated kind moved, staff get allocation.applied', async (t) => {
  const built = await setup(t);
  const { app, tokens, clock } = built;
  const small = await addRoom(built, { name: 'Small', capacity: 50 });
  const big = await addRoom(built, { name: 'Big', capacity: 300 });
  const mid = await addRoom(built, { name: 'Mid', capacity: 150 });
  const a = await addSession(built, { title: 'A', startsAt: at('12:00'), endsAt: at('13:00'), roomId: small.id, expectedAttendance: 280 });
  const b = await addSession(built, { title: 'B', startsAt: at('14:00'), endsAt: at('15:00'), roomId: small.id, expectedAttendance: 140 });
  const c = await addSession(built, { title: 'C', startsAt: at('14:00'), endsAt: at('15:00'), roomId: big.id, expectedAttendance: 250 });

  const { ws } = await listen(app);
  const ops = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.ops}` } });
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.kiosk}` } });
  await Promise.all([ops.next((m) => m.type === 'snapshot'), kiosk.next((m) => m.type === 'snapshot')]);

  const p = await plan(built, {});
  t.same(p.objective, { unplaced: 0, moves: 2, seatsShort: 0, seatsIdle: 20 + 10 + 50 });
  const res = await app.inject({ method: 'POST', url: `/api/allocation/plans/${p.id}/apply`, headers: built.auth('admin') });
  t.equal(res.statusCode, 200);
  const body = res.json() as { planId: string; changes: { id: string; roomId: string; version: number; changeNote: string }[] };
  t.equal(body.planId, p.id);
  t.same(body.changes.map((s) => [s.id, s.roomId]).sort(), [[a.id, big.id], [b.id, mid.id]].sort());
  t.same(body.changes.map((s) => s.version), [a.version + 1, b.version + 1]);
  t.same(body.changes.map((s) => s.changeNote).sort(), ['Moved to Big', 'Moved to Mid']);

  const moved = await kiosk.next((m) => m.name === 'session.updated' && (m.data as { session: { id: string } }).session.id === a.id);
  t.match(moved, { topic: 'schedule', data: { kind: 'moved', before: { roomId: small.id }, after: { roomId: big.id }, note: 'Moved to Big', session: { id: a.id, roomId: big.id } } });
  await kiosk.next((m) => m.name === 'session.updated' && (m.data as { session: { id: string } }).session.id === b.id);
  const appliedEvent = await ops.next((m) => m.name === 'allocation.applied');
  t.match(appliedEvent.data, { planId: p.id, moves: [{ sessionId: a.id, fromRoomId: small.id, toRoomId: big.id }, { sessionId: b.id, fromRoomId: small.id, toRoomId: mid.id }] });
  const seqs = [moved.seq, appliedEvent.seq] as number[];
  t.ok(seqs[1]! > seqs[0]!, 'the moves come first, then the staff summary');
  const stored = await sessionsById(built);
  t.equal(stored.get(a.id)?.roomId, big.id);
  t.equal(stored.get(c.id)?.version, c.version, 'a session that stays is not touched');

  const twice = await app.inject({ method: 'POST', url: `/api/allocation/plans/${p.id}/apply`, headers: built.auth('ops') });
  t.equal(twice.statusCode, 409);
  t.equal(twice.json().code, 'plan_already_applied');
  const reread = await app.inject({ method: 'GET', url: `/api/allocation/plans/${p.id}`, headers: built.auth('ops') });
  t.equal(reread.json().appliedAt, '2026-02-15T08:00:00Z');
  const missing = await app.inject({ method: 'POST', url: '/api/allocation/plans/nope/apply', headers: built.auth('ops') });
  t.equal(missing.statusCode, 404);
  t.notOk(kiosk.messages.some((m) => String(m.name).startsWith('allocation.')), 'kiosks see the moves, not the plan');

  // Time passes without any event: a session the plan would move is about to start.
  const d = await addSession(built, { title: 'D', startsAt: at('16:00'), endsAt: at('17:00'), roomId: small.id, expectedAttendance: 280 });
  const late = await plan(built, {});
  t.equal(roomOf(late, d.id), big.id);
  clock.set(at('15:50'));
  const tooLate = await app.inject({ method: 'POST', url: `/api/allocation/plans/${late.id}/apply`, headers: built.auth('ops') });
  t.equal(tooLate.statusCode, 409);
  t.equal(tooLate.json().code, 'stale_plan');
  t.equal((await sessionsById(built)).get(d.id)?.roomId, small.id);
  ops.ws.close();
  kiosk.ws.close();
});

t.test('a room going out of service proposes a plan for its sessions to staff', async (t) => {
  const built = await setup(t);
  const { app, tokens } = built;
  const broken = await addRoom(built, { name: 'Broken', capacity: 100, features: ['interpretation'] });
  const spare = await addRoom(built, { name: 'Spare', capacity: 120, features: ['interpretation'] });
  const plain = await addRoom(built, { name: 'Plain', capacity: 500 });
  const soon = await addSession(built, { title: 'Soon', startsAt: at('08:10'), endsAt: at('09:00'), roomId: broken.id, expectedAttendance: 90, requiredFeatures: ['interpretation'] });
  const later = await addSession(built, { title: 'Later', startsAt: at('09:30'), endsAt: at('10:30'), roomId: broken.id, expectedAttendance: 90 });
  const clash = await addSession(built, { title: 'Clash', startsAt: at('09:30'), endsAt: at('10:30'), roomId: broken.id, expectedAttendance: 90, requiredFeatures: ['interpretation'] });
  const elsewhere = await addSession(built, { title: 'Elsewhere', startsAt: at('09:30'), endsAt: at('10:30'), roomId: spare.id, expectedAttendance: 100, requiredFeatures: ['interpretation'] });
  const earlier = await plan(built, {});

  const { ws } = await listen(app);
  const ops = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.ops}` } });
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.kiosk}` } });
  await Promise.all([ops.next((m) => m.type === 'snapshot'), kiosk.next((m) => m.type === 'snapshot')]);

  const patched = await app.inject({ method: 'PATCH', url: `/api/rooms/${broken.id}`, headers: built.auth('ops'), payload: { status: 'out_of_service' } });
  t.equal(patched.statusCode, 200);
  const proposed = await ops.next((m) => m.name === 'allocation.proposed', 10_000);
  const proposal = proposed.data as Plan & { trigger: { kind: string; roomId: string } };
  t.same(proposal.trigger, { kind: 'room_failure', roomId: broken.id });
  const planned = [...proposal.assignments.map((a) => a.sessionId), ...proposal.unplaced.map((u) => u.sessionId)];
  t.same(planned.sort(), [soon.id, later.id, clash.id].sort(), 'the sessions of the failed room, nothing else');
  t.equal(roomOf(proposal, soon.id), spare.id, 'a session about to start in a failed room may move: its room cannot hold it');
  t.equal(roomOf(proposal, later.id), plain.id);
  t.same(proposal.unplaced, [{ sessionId: clash.id, reason: 'all_compatible_rooms_busy' }], 'the one interpretation room left is taken');
  t.notOk(kiosk.messages.some((m) => String(m.name).startsWith('allocation.')), 'proposals are for staff');

  const staleEarlier = await app.inject({ method: 'POST', url: `/api/allocation/plans/${earlier.id}/apply`, headers: built.auth('ops') });
  t.equal(staleEarlier.json().code, 'stale_plan', 'a plan made before the room failed is stale');
  const applied = await app.inject({ method: 'POST', url: `/api/allocation/plans/${proposal.id}/apply`, headers: built.auth('ops') });
  t.equal(applied.statusCode, 200);
  const after = await sessionsById(built);
  t.equal(after.get(soon.id)?.roomId, spare.id);
  t.equal(after.get(later.id)?.roomId, plain.id);
  t.equal(after.get(clash.id)?.roomId, broken.id, 'an unplaced session stays for staff to handle');
  t.equal(after.get(elsewhere.id)?.roomId, spare.id);
  ops.ws.close();
  kiosk.ws.close();
});

t.test('allocation roles: ops and admin only', async (t) => {
  const built = await setup(t);
  const { app } = built;
  const small = await addRoom(built, { name: 'Small', capacity: 50 });
  await addSession(built, { title: 'S', startsAt: at('12:00'), endsAt: at('13:00'), roomId: small.id });
  const p = await plan(built, {});
  const routes = [
    { method: 'POST' as const, url: '/api/allocation/plans', payload: {} },
    { method: 'GET' as const, url: `/api/allocation/plans/${p.id}` },
    { method: 'POST' as const, url: `/api/allocation/plans/${p.id}/apply` },
  ];
  for (const route of routes) {
    const anon = await app.inject({ method: route.method, url: route.url, ...(route.payload ? { payload: route.payload } : {}) });
    t.equal(anon.statusCode, 401, `anonymous ${route.method} ${route.url}`);
    for (const role of ['desk', 'door', 'kiosk'] as const) {
      const res = await app.inject({ method: route.method, url: route.url, headers: built.auth(role), ...(route.payload ? { payload: route.payload } : {}) });
      t.equal(res.statusCode, 403, `${role} denied ${route.method} ${route.url}`);
    }
    for (const role of ['ops', 'admin'] as const) {
      const res = await app.inject({ method: route.method, url: route.url, headers: built.auth(role), ...(route.payload ? { payload: route.payload } : {}) });
      t.ok(res.statusCode < 400 || res.json().code === 'plan_already_applied', `${role} allowed ${route.method} ${route.url} (${res.statusCode})`);
    }
  }
});
