// Manual check-in by name (POST /api/checkins with attendeeId and reason): recorded as manual, roles, and refusals that write nothing.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build, type Built, sqliteOf } from '../helper.js';
import { checkedInAt, countRows, walkIn } from './fixtures.js';

const manual = (built: Built, body: Record<string, unknown>, role: 'desk' | 'door' | 'admin' = 'desk') =>
  built.app.inject({ method: 'POST', url: '/api/checkins', headers: built.auth(role), payload: { scanId: randomUUID(), ...body } });

t.test('a manual check-in is an arrival recorded as manual, with its reason for the organiser', async (t) => {
  const built = await build(t);
  const { app } = built;
  const someone = await walkIn(built, { name: 'Forgot Badge' });
  const res = await manual(built, { attendeeId: someone.id, reason: 'badge left at the hotel' });
  t.equal(res.statusCode, 200);
  const answer = res.json();
  t.equal(answer.result, 'ok');
  t.equal(answer.attendee.name, 'Forgot Badge');
  t.not(checkedInAt(app, someone.id), null);
  const row = sqliteOf(app).sqlite.prepare('SELECT method, manual_reason AS reason, attendee_id AS attendeeId FROM checkins').get() as Record<string, unknown>;
  t.same(row, { method: 'manual', reason: 'badge left at the hotel', attendeeId: someone.id });
  const event = sqliteOf(app).sqlite.prepare("SELECT payload FROM events WHERE name = 'checkin.recorded'").get() as { payload: string };
  const payload = JSON.parse(event.payload) as Record<string, unknown>;
  t.equal(payload.method, 'manual');
  t.equal(payload.manualReason, 'badge left at the hotel');
  t.equal(payload.codeAttendeeId, null);

  const again = await manual(built, { attendeeId: someone.id, reason: 'second try' }, 'admin');
  t.equal(again.json().result, 'warning');
  t.equal(again.json().reason, 'already_checked_in');

  const scanned = await app.inject({ method: 'POST', url: '/api/checkins', headers: built.auth('desk'), payload: { scanId: randomUUID(), code: someone.code } });
  t.equal(scanned.json().reason, 'already_checked_in', 'a badge scan after a manual check-in is a second arrival');
  const methods = sqliteOf(app).sqlite.prepare('SELECT method FROM checkins ORDER BY rowid').all() as { method: string }[];
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
  t.equal(countRows(built.app, 'checkins'), 1);

  const cancelled = await walkIn(built, { name: 'Cancelled Person' });
  await built.app.inject({ method: 'PATCH', url: `/api/attendees/${cancelled.id}`, headers: built.auth('desk'), payload: { status: 'cancelled' } });
  const res = await manual(built, { attendeeId: cancelled.id, reason: 'no badge' });
  t.equal(res.json().result, 'rejected');
  t.equal(res.json().reason, 'registration_cancelled');
  t.equal(checkedInAt(built.app, cancelled.id), null);
});

t.test('refusals write nothing: door 403, unknown attendee 404, bad bodies 400', async (t) => {
  const built = await build(t);
  const { app } = built;
  const someone = await walkIn(built, { name: 'Refused Person' });
  const before = { checkins: countRows(app, 'checkins'), events: countRows(app, 'events') };
  const unchanged = (what: string) => {
    t.equal(countRows(app, 'checkins'), before.checkins, `${what}: no check-in`);
    t.equal(countRows(app, 'events'), before.events, `${what}: no event`);
  };

  const door = await manual(built, { attendeeId: someone.id, reason: 'no badge' }, 'door');
  t.equal(door.statusCode, 403);
  t.equal(door.json().code, 'forbidden');
  unchanged('door');

  const unknown = await manual(built, { attendeeId: randomUUID(), reason: 'no badge' });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'not_found');
  unchanged('unknown attendee');

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
    unchanged(what);
  }
  t.equal(checkedInAt(app, someone.id), null);
  const reason200 = await manual(built, { attendeeId: someone.id, reason: 'x'.repeat(200) });
  t.equal(reason200.statusCode, 200, '200 characters is allowed');
});
