// Manual check-in by name (POST /api/checkins with attendeeId and reason): recorded as manual, roles, and refusals that write nothing.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build, type Built, storeSql, testClock } from '../helper.js';
import { checkedInAt, countRows, walkIn } from './fixtures.js';

const manual = (built: Built, body: Record<string, unknown>, role: 'desk' | 'door' | 'admin' = 'desk') =>
  built.app.inject({ method: 'POST', url: '/api/checkins', headers: built.auth(role), payload: { scanId: randomUUID(), ...body } });

t.test('a manual check-in is an arrival recorded as manual, with its reason for the organiser', async (t) => {
  const clock = testClock();
  const built = await build(t, { deps: { clock } });
  const { app } = built;
  const someone = await walkIn(built, { name: 'Forgot Badge' });
  const res = await manual(built, { attendeeId: someone.id, reason: 'badge left at the hotel' });
  t.equal(res.statusCode, 200);
  const answer = res.json();
  t.equal(answer.result, 'ok');
  t.equal(answer.attendee.name, 'Forgot Badge');
  t.not(await checkedInAt(app, someone.id), null);
  const row = await storeSql(app).get('SELECT method, manual_reason AS reason, attendee_id AS "attendeeId" FROM checkins');
  t.same(row, { method: 'manual', reason: 'badge left at the hotel', attendeeId: someone.id });
  const event = (await storeSql(app).get<{ payload: string }>("SELECT payload FROM events WHERE name = 'checkin.recorded'"))!;
  const payload = JSON.parse(event.payload) as Record<string, unknown>;
  t.equal(payload.method, 'manual');
  t.equal(payload.manualReason, 'badge left at the hotel');
  t.equal(payload.codeAttendeeId, null);

  clock.advance(60_000);
  const again = await manual(built, { attendeeId: someone.id, reason: 'second try' }, 'admin');
  t.equal(again.json().result, 'warning');
  t.equal(again.json().reason, 'already_checked_in');

  clock.advance(60_000);
  const scanned = await app.inject({ method: 'POST', url: '/api/checkins', headers: built.auth('desk'), payload: { scanId: randomUUID(), code: someone.code } });
  t.equal(scanned.json().reason, 'already_checked_in', 'a badge scan after a manual check-in is a second arrival');
  const methods = await storeSql(app).all<{ method: string }>('SELECT method FROM checkins ORDER BY received_at');
  t.same(methods.map((m) => m.method), ['manual', 'manual', 'scan']);
});

t.test('a resent manual check-in is a replay; a cancelled registration is rejected', async (t) => {
  const built = await build(t);
  const someone = await walkIn(built, { name: 'Replay Person' });
  const scanId = randomUUID();
  const first = await manual(built, { scanId, attendeeId: someone.id, reason: 'no badge' });
  const second = await manual(built, { scanId, attendeeId: someone.id, reason: 'no badge' });
  t.equal(second.json().replayed, true);
  t.equal(second.json().checkin.id, first.json().checkin.id);
  t.equal(await countRows(built.app, 'checkins'), 1);

  const cancelled = await walkIn(built, { name: 'Cancelled Person' });
  await built.app.inject({ method: 'PATCH', url: `/api/attendees/${cancelled.id}`, headers: built.auth('desk'), payload: { status: 'cancelled' } });
  const res = await manual(built, { attendeeId: cancelled.id, reason: 'no badge' });
  t.equal(res.json().result, 'rejected');
  t.equal(res.json().reason, 'registration_cancelled');
  t.equal(await checkedInAt(built.app, cancelled.id), null);
});

t.test('refusals write nothing: door 403, unknown attendee 404, bad bodies 400', async (t) => {
  const built = await build(t);
  const { app } = built;
  const someone = await walkIn(built, { name: 'Refused Person' });
  const before = { checkins: await countRows(app, 'checkins'), events: await countRows(app, 'events') };
  const unchanged = async (what: string): Promise<void> => {
    t.equal(await countRows(app, 'checkins'), before.checkins, `${what}: no check-in`);
    t.equal(await countRows(app, 'events'), before.events, `${what}: no event`);
  };

  const door = await manual(built, { attendeeId: someone.id, reason: 'no badge' }, 'door');
  t.equal(door.statusCode, 403);
  t.equal(door.json().code, 'forbidden');
  await unchanged('door');

  const unknown = await manual(built, { attendeeId: randomUUID(), reason: 'no badge' });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'not_found');
  await unchanged('unknown attendee');

  const bodies: [string, Record<string, unknown>, string][] = [
    ['no reason', { attendeeId: someone.id }, 'reason'],
    ['empty reason', { attendeeId: someone.id, reason: '   ' }, 'reason'],
    ['reason too long', { attendeeId: someone.id, reason: 'x'.repeat(201) }, 'reason'],
    ['no attendee', { reason: 'no badge' }, 'attendeeId'],
    ['code and attendee', { code: someone.code, attendeeId: someone.id, reason: 'no badge' }, 'code'],
    ['at a room', { attendeeId: someone.id, reason: 'no badge', roomId: 'r1' }, 'roomId'],
    ['an exit', { attendeeId: someone.id, reason: 'no badge', kind: 'exit' }, 'kind'],
    ['nothing', {}, 'code'],
  ];
  for (const [what, body, field] of bodies) {
    const res = await manual(built, body);
    t.equal(res.statusCode, 400, what);
    t.equal(res.json().code, 'validation_failed', what);
    t.ok((res.json().errors as { field: string }[]).some((e) => e.field.includes(field)), `${what} names ${field}`);
    await unchanged(what);
  }
  t.equal(await checkedInAt(app, someone.id), null);
  const reason200 = await manual(built, { attendeeId: someone.id, reason: 'x'.repeat(200) });
  t.equal(reason200.statusCode, 200, '200 characters is allowed');
});
