// Every live event × every role: exactly the keys that audience may receive, no attendee.* or email at a door, public events only on a kiosk.
import t from 'tap';
import { eventNames, type EventName, type EventPayload } from '../../src/contract/events.js';
import type { Role } from '../../src/core/vocabulary.js';
import { build, listen, liveClient, storeSql } from '../helper.js';

const AT = '2026-02-15T09:00:00Z';
const session = {
  id: 's1', title: 'Panel', theme: 1, type: 'panel', startsAt: AT, endsAt: AT, roomId: 'r1', speakers: ['A. Speaker'], status: 'scheduled' as const,
  delayMinutes: 0, access: { policy: 'open' as const }, expectedAttendance: 10, requiredFeatures: [], version: 1, changeNote: null,
};
const sessionEvent = { kind: 'added' as const, kinds: ['added' as const], before: null, after: { title: 'Panel' }, note: null, session };
const room = { id: 'r1', name: 'Hall', features: [], status: 'open' as const, full: false };
const person = { id: 'a1', name: 'Canary Person', organization: 'Canary Org', category: 'government' as const, delegation: 'NL', flags: ['vip'] };
const attendee = { ...person, externalId: 'x1', email: 'canary@example.org', status: 'registered' as const, checkedInAt: null };
const recorded = (roomId: string | null) => ({
  result: 'ok' as const, reason: null, checkin: { id: 'c1', kind: 'entry' as const, roomId, at: AT, forced: false, leftRoomId: null },
  attendee: person, firstCheckinAt: null, scanId: 'scan1', deviceId: 'd1', receivedAt: AT, codeAttendeeId: 'a1', method: 'scan' as const, manualReason: null,
});
const undone = (roomId: string | null) => ({ id: 'c1', scanId: 'scan1', attendeeId: 'a1', kind: 'entry' as const, roomId, undoneAt: AT, undoneBy: 'd1' });
const plan = {
  id: 'p1', basedOnSeq: 1, assignments: [], unplaced: [], objective: { unplaced: 0, seatsShort: 0, moves: 0, seatsIdle: 0 }, optimal: true, solveMs: 1,
  createdAt: AT, appliedAt: null, changeoverMinutes: 10, trigger: { kind: 'request' as const },
};

/** One payload per event name: a new event without a sample here does not compile. */
const samples: { [N in EventName]: EventPayload<N> } = {
  'session.created': sessionEvent,
  'session.updated': { ...sessionEvent, kind: 'moved', kinds: ['moved'] },
  'room.created': room,
  'room.updated': room,
  'announcement.created': { id: 'n1', text: 'Coffee', severity: 'info', roomIds: null, createdAt: AT, expiresAt: null },
  'announcement.removed': { id: 'n1' },
  'room.occupancy': { roomId: 'r1', occupancy: 5, capacity: 10, occupancyLevel: 'normal' },
  'room.alert': { roomId: 'r1', level: 'near', previousLevel: 'normal', occupancy: 9, capacity: 10 },
  'room.headcount': { roomId: 'r1', count: 5, previous: 4 },
  'checkins.stats': { total: 1, byCategory: { government: 1 }, byHour: {}, byDesk: {} },
  'checkin.recorded': recorded('r1'),
  'checkin.undone': undone('r1'),
  'attendee.created': attendee,
  'attendee.updated': attendee,
  'attendee.cancelled': attendee,
  'attendee.restored': attendee,
  'attendees.imported': { created: 1, updated: 0 },
  'badge.reissued': { attendeeId: 'a1', version: 2, issuedAt: AT },
  'badge.key_created': { kid: 'k1' },
  'badge.key_removed': { kid: 'k1', badgesAffected: 3 },
  'device.created': { id: 'd9', name: 'Desk 9', role: 'desk' },
  'device.revoked': { id: 'd9', name: 'Desk 9', role: 'desk' },
  'allocation.planned': plan,
  'allocation.proposed': { ...plan, trigger: { kind: 'room_failure', roomId: 'r1' } },
  'allocation.applied': { planId: 'p1', appliedAt: AT, moves: [] },
  'database.restored': { from: 'backup.db' },
  'data.purged': { attendees: 1 },
  'audit.checkpoint': { v: 1, seq: 1, hash: '0'.repeat(64), epoch: 'e1', at: 0, reason: 'periodic', keyId: 'k1', signature: 'sig' },
  'import.progress': { importId: 'i1', kind: 'attendees', done: 1, total: 2 },
  'session.hidden': { sessionId: 's1' },
};

const all: Role[] = ['kiosk', 'ops', 'desk', 'door', 'admin'];
const keys = {
  session: ['after', 'before', 'kind', 'kinds', 'note', 'session'],
  room: ['features', 'full', 'id', 'name', 'status'],
  attendee: ['category', 'checkedInAt', 'delegation', 'email', 'externalId', 'flags', 'id', 'name', 'organization', 'status'],
  plan: Object.keys(plan).sort(),
};
/** Who receives each event, and the exact top-level keys of what each receives. */
const expected: Record<string, Partial<Record<Role, string[]>>> = {
  'session.created': Object.fromEntries(all.map((r) => [r, keys.session])),
  'session.updated': Object.fromEntries(all.map((r) => [r, keys.session])),
  'room.created': Object.fromEntries(all.map((r) => [r, keys.room])),
  'room.updated': Object.fromEntries(all.map((r) => [r, keys.room])),
  'announcement.created': Object.fromEntries(all.map((r) => [r, ['createdAt', 'expiresAt', 'id', 'roomIds', 'severity', 'text']])),
  'announcement.removed': Object.fromEntries(all.map((r) => [r, ['id']])),
  'room.occupancy': Object.fromEntries((['ops', 'desk', 'door', 'admin'] as Role[]).map((r) => [r, ['capacity', 'occupancy', 'occupancyLevel', 'roomId']])),
  'room.alert': Object.fromEntries((['ops', 'desk', 'door', 'admin'] as Role[]).map((r) => [r, ['capacity', 'level', 'occupancy', 'previousLevel', 'roomId']])),
  'room.headcount': { ops: ['count', 'previous', 'roomId'], admin: ['count', 'previous', 'roomId'] },
  'checkins.stats': Object.fromEntries((['ops', 'desk', 'door', 'admin'] as Role[]).map((r) => [r, ['byCategory', 'byDesk', 'byHour', 'total']])),
  'checkin.recorded': {
    admin: ['attendee', 'checkin', 'codeAttendeeId', 'deviceId', 'firstCheckinAt', 'manualReason', 'method', 'reason', 'receivedAt', 'result', 'scanId'],
    desk: ['attendee', 'checkin', 'deviceId', 'firstCheckinAt', 'reason', 'result', 'scanId'],
    door: ['attendee', 'checkin', 'reason', 'result', 'scanId'],
  },
  'checkin.undone': {
    admin: ['attendeeId', 'id', 'kind', 'roomId', 'scanId', 'undoneAt', 'undoneBy'],
    desk: ['attendeeId', 'id', 'kind', 'roomId', 'scanId', 'undoneAt', 'undoneBy'],
    door: ['id', 'kind', 'roomId', 'scanId', 'undoneAt'],
  },
  'attendee.created': { admin: keys.attendee, desk: keys.attendee },
  'attendee.updated': { admin: keys.attendee, desk: keys.attendee },
  'attendee.cancelled': { admin: keys.attendee, desk: keys.attendee },
  'attendee.restored': { admin: keys.attendee, desk: keys.attendee },
  'attendees.imported': { admin: ['created', 'updated'], desk: ['created', 'updated'] },
  'badge.reissued': { admin: ['attendeeId', 'issuedAt', 'version'], desk: ['attendeeId', 'issuedAt', 'version'] },
  'badge.key_created': { admin: ['kid'] },
  'badge.key_removed': { admin: ['badgesAffected', 'kid'] },
  'device.created': { admin: ['id', 'name', 'role'] },
  'device.revoked': { admin: ['id', 'name', 'role'] },
  'allocation.planned': { ops: keys.plan, admin: keys.plan },
  'allocation.proposed': { ops: keys.plan, admin: keys.plan },
  'allocation.applied': { ops: ['appliedAt', 'moves', 'planId'], admin: ['appliedAt', 'moves', 'planId'] },
  'database.restored': { admin: ['from'] },
  'data.purged': { admin: ['attendees'] },
  'audit.checkpoint': { admin: ['at', 'epoch', 'hash', 'keyId', 'reason', 'seq', 'signature', 'v'] },
  'import.progress': { admin: ['done', 'importId', 'kind', 'total'] },
  'session.hidden': { kiosk: ['sessionId'], admin: ['sessionId'] },
};

interface Received {
  name: string;
  data: Record<string, unknown>;
}

t.test('every event name × every role: the exact key set, or nothing', async (t) => {
  t.same([...eventNames].sort(), Object.keys(expected).sort(), 'the table covers the whole catalogue');
  const b = await build(t);
  const { ws } = await listen(b.app);
  const head = (await storeSql(b.app).get<{ s: number }>('SELECT max(seq) AS s FROM events'))!.s;
  const epoch = b.app.eventLog.epoch;
  // The periodic jobs stay out of it: the check-in stats job would answer the sample scans with a checkins.stats of its own.
  await b.app.jobs.stop();
  // device.revoked closes the revoked device's sockets; it names a device no socket belongs to.
  await b.app.writer.submit(null, (tx) => {
    for (const name of eventNames) tx.emit(name, samples[name] as never, ['r1']);
    // A venue scan (no room) is not a door's business.
    tx.emit('checkin.recorded', recorded(null));
    tx.emit('checkin.undone', undone(null));
  });
  for (const role of all) {
    const client = liveClient(`${ws}/api/live?since=${head}&epoch=${epoch}`, { headers: { authorization: `Bearer ${b.tokens[role]}` } });
    await client.next((m) => m.type === 'welcome');
    // What this role should get: one event per name it receives, and the venue scans for desk and admin.
    const venueScans = role === 'admin' || role === 'desk' ? 2 : 0;
    const count = eventNames.filter((n) => expected[n]![role]).length + venueScans;
    const received: Received[] = [];
    while (received.length < count) {
      const m = await client.next((x) => x.type === 'event' || x.type === 'snapshot');
      t.not(m.type, 'snapshot', `${role}: a replay, not a snapshot`);
      received.push(m as unknown as Received);
    }
    await new Promise((r) => setTimeout(r, 50));
    t.equal(client.messages.filter((m) => m.type === 'event').length, count, `${role}: nothing more arrives`);
    client.ws.close();
    const byName = new Map<string, Received[]>();
    for (const r of received) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
    for (const name of eventNames) {
      const want = expected[name]![role];
      const got = byName.get(name) ?? [];
      if (!want) {
        t.equal(got.length, 0, `${role} receives no ${name}`);
        continue;
      }
      const scans = name === 'checkin.recorded' || name === 'checkin.undone';
      t.equal(got.length, scans && role !== 'door' ? 2 : 1, `${role} receives ${name}${scans ? (role === 'door' ? ' at rooms only' : ' at rooms and the venue') : ''}`);
      t.same(Object.keys(got[0]!.data).sort(), want, `${role} · ${name}: exactly these keys`);
    }
    const text = JSON.stringify(received);
    if (role !== 'admin' && role !== 'desk') t.notOk(text.includes('canary@example.org'), `${role} never receives an email`);
    if (role === 'door') {
      t.notOk([...byName.keys()].some((n) => n.startsWith('attendee')), 'a door gets no attendee.* events');
      t.same(Object.keys((byName.get('checkin.recorded')![0]!.data.attendee as object) ?? {}).sort(), ['category', 'flags', 'id', 'name', 'organization'], 'a door sees who was scanned, not their delegation');
    }
    if (role === 'kiosk') t.notOk(text.includes('Canary'), 'a kiosk never receives a name');
  }
});
