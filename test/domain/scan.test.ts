// decideScan: every reason, the order of the checks, room movements and offline ordering, plus properties.
import t from 'tap';
import fc from '../property.js';
import { occupancyLevel } from '../../src/domain/occupancy.js';
import { decideScan } from '../../src/domain/scan.js';
import type { ScanAttendee, ScanDecision, ScanInput, ScanRoom } from '../../src/domain/scan.js';

const T0 = Date.UTC(2023, 1, 15, 8, 30);
const MIN = 60_000;

const attendee: ScanAttendee = { id: 'att-1', status: 'registered', category: 'industry', badgeVersion: 2 };
const roomA: ScanRoom = { id: 'room-a', status: 'open', capacity: 100, occupancy: 10 };
const roomB: ScanRoom = { id: 'room-b', status: 'open', capacity: 50, occupancy: 50 };
const govOnly = { access: { policy: 'categories' as const, categories: ['government'] } };

function scan(overrides: Partial<ScanInput> = {}): ScanInput {
  return {
    kind: 'entry',
    force: false,
    scannedAt: T0,
    code: { ok: true, attendeeId: 'att-1', version: 2, kid: 'k1' },
    attendee,
    room: null,
    sessionInRoom: null,
    presence: { firstVenueCheckinAt: null, currentRoomId: null, lastMovedAt: null },
    ...overrides,
  };
}

const noEffects = { venueArrival: false, enterRoomId: null, leaveRoomId: null };
const rejected = (reason: ScanDecision['reason']): ScanDecision => ({ result: 'rejected', reason, forced: false, effects: noEffects });

t.test('first venue entry is an arrival', async (t) => {
  t.same(decideScan(scan()), { result: 'ok', reason: null, forced: false, effects: { ...noEffects, venueArrival: true } });
});

t.test('each rejection reason', async (t) => {
  t.same(decideScan(scan({ code: { ok: false } })), rejected('invalid_code'));
  t.same(decideScan(scan({ attendee: null })), rejected('unknown_attendee'));
  t.same(decideScan(scan({ attendee: { ...attendee, id: 'att-2' } })), rejected('unknown_attendee'), 'record of someone else');
  t.same(decideScan(scan({ code: { ok: true, attendeeId: 'att-1', version: 1, kid: 'k1' } })), rejected('revoked_badge'));
  t.same(
    decideScan(scan({ code: { ok: true, attendeeId: 'att-1', version: 3, kid: 'k1' } })),
    rejected('invalid_code'),
    'a version this database never issued',
  );
  t.same(decideScan(scan({ attendee: { ...attendee, status: 'cancelled' } })), rejected('registration_cancelled'));
  t.same(decideScan(scan({ room: { ...roomA, status: 'closed' } })), rejected('room_closed'));
  t.same(decideScan(scan({ room: { ...roomA, status: 'out_of_service' } })), rejected('room_closed'));
  t.same(decideScan(scan({ room: roomA, sessionInRoom: govOnly })), rejected('not_allowed'));
  t.same(decideScan(scan({ room: roomB })), rejected('room_full'));
  t.same(decideScan(scan({ room: { ...roomA, occupancy: 120 } })), rejected('room_full'), 'over capacity after a headcount');
});

t.test('the first failing check decides', async (t) => {
  const cancelled = { ...attendee, status: 'cancelled' as const };
  const closedFull = { ...roomB, status: 'closed' as const };
  t.equal(decideScan(scan({ code: { ok: false }, attendee: null, room: closedFull })).reason, 'invalid_code');
  t.equal(
    decideScan(scan({ code: { ok: true, attendeeId: 'att-9', version: 1, kid: 'k1' }, attendee: null, room: closedFull })).reason,
    'unknown_attendee',
  );
  t.equal(
    decideScan(scan({ code: { ok: true, attendeeId: 'att-1', version: 1, kid: 'k1' }, attendee: cancelled, room: closedFull })).reason,
    'revoked_badge',
  );
  t.equal(decideScan(scan({ attendee: cancelled, room: closedFull, sessionInRoom: govOnly })).reason, 'registration_cancelled');
  t.equal(decideScan(scan({ room: closedFull, sessionInRoom: govOnly, force: true })).reason, 'room_closed');
  t.equal(decideScan(scan({ room: roomB, sessionInRoom: govOnly, force: true })).reason, 'not_allowed');
  t.equal(decideScan(scan({ room: roomB, sessionInRoom: { access: { policy: 'open' } } })).reason, 'room_full');
});

t.test('session access by category', async (t) => {
  const government = { ...attendee, category: 'government' };
  t.equal(decideScan(scan({ attendee: government, room: roomA, sessionInRoom: govOnly })).result, 'ok');
  t.equal(decideScan(scan({ room: roomA, sessionInRoom: { access: { policy: 'open' } } })).result, 'ok');
  t.equal(
    decideScan(scan({ room: roomA, sessionInRoom: { access: { policy: 'categories', categories: [] } } })).reason,
    'not_allowed',
    'an empty list admits no one',
  );
  t.equal(decideScan(scan({ sessionInRoom: govOnly })).result, 'ok', 'ignored at the venue');
});

t.test('second venue entry warns; an earlier offline scan becomes the first arrival', async (t) => {
  const recorded = { firstVenueCheckinAt: T0, currentRoomId: null, lastMovedAt: null };
  t.same(decideScan(scan({ scannedAt: T0 + 5 * MIN, presence: recorded })), {
    result: 'warning',
    reason: 'already_checked_in',
    forced: false,
    effects: noEffects,
  });
  t.equal(decideScan(scan({ scannedAt: T0, presence: recorded })).reason, 'already_checked_in', 'same instant');
  t.same(decideScan(scan({ scannedAt: T0 - MIN, presence: recorded })), {
    result: 'ok',
    reason: null,
    forced: false,
    effects: { ...noEffects, venueArrival: true },
  });
});

t.test('room entry counts in; moving rooms counts out of the old one', async (t) => {
  t.same(decideScan(scan({ room: roomA })).effects, { venueArrival: false, enterRoomId: 'room-a', leaveRoomId: null });
  const inB = { firstVenueCheckinAt: T0, currentRoomId: 'room-b', lastMovedAt: T0 - MIN };
  t.same(decideScan(scan({ room: roomA, presence: inB })).effects, {
    venueArrival: false,
    enterRoomId: 'room-a',
    leaveRoomId: 'room-b',
  });
});

t.test('entering the room one is counted in changes nothing and is never full', async (t) => {
  const inB = { firstVenueCheckinAt: T0, currentRoomId: 'room-b', lastMovedAt: T0 - MIN };
  t.same(decideScan(scan({ room: roomB, presence: inB })), { result: 'ok', reason: null, forced: false, effects: noEffects });
});

t.test('force admits past a full room and is recorded only when it was needed', async (t) => {
  t.same(decideScan(scan({ room: roomB, force: true })), {
    result: 'ok',
    reason: null,
    forced: true,
    effects: { venueArrival: false, enterRoomId: 'room-b', leaveRoomId: null },
  });
  t.equal(decideScan(scan({ room: roomA, force: true })).forced, false);
});

t.test('exits', async (t) => {
  const inA = { firstVenueCheckinAt: T0, currentRoomId: 'room-a', lastMovedAt: T0 - MIN };
  t.same(decideScan(scan({ kind: 'exit', room: roomA, presence: inA })), {
    result: 'ok',
    reason: null,
    forced: false,
    effects: { ...noEffects, leaveRoomId: 'room-a' },
  });
  t.same(decideScan(scan({ kind: 'exit', room: roomB, presence: inA })), {
    result: 'ok',
    reason: null,
    forced: false,
    effects: noEffects,
  }, 'from a room they are not counted in: ok, nothing to undo');
  t.equal(decideScan(scan({ kind: 'exit', room: roomB, presence: { ...inA, currentRoomId: 'room-b' } })).result, 'ok', 'full room');
  t.equal(
    decideScan(scan({ kind: 'exit', room: { ...roomA, status: 'closed' }, presence: inA, sessionInRoom: govOnly })).effects.leaveRoomId,
    'room-a',
    'closed and restricted room: still let out',
  );
  t.same(decideScan(scan({ kind: 'exit', presence: inA })).effects, { ...noEffects, leaveRoomId: 'room-a' }, 'venue exit');
  t.same(decideScan(scan({ kind: 'exit' })).effects, noEffects, 'venue exit, in no room');
  t.equal(decideScan(scan({ kind: 'exit', room: roomA, code: { ok: false } })).reason, 'invalid_code', 'badge checks still apply');
  t.equal(
    decideScan(scan({ kind: 'exit', room: roomA, presence: inA, attendee: { ...attendee, status: 'cancelled' } })).reason,
    'registration_cancelled',
  );
});

t.test('venue entries do not move anyone between rooms', async (t) => {
  const inA = { firstVenueCheckinAt: null, currentRoomId: 'room-a', lastMovedAt: T0 - MIN };
  t.same(decideScan(scan({ presence: inA })).effects, { ...noEffects, venueArrival: true });
});

t.test('a scan older than the last movement is answered but moves no one', async (t) => {
  const movedLater = { firstVenueCheckinAt: T0, currentRoomId: 'room-a', lastMovedAt: T0 + 10 * MIN };
  const stale = { scannedAt: T0 + MIN, presence: movedLater };
  t.same(decideScan(scan({ ...stale, room: roomB })), { result: 'ok', reason: null, forced: false, effects: noEffects }, 'a full room does not refuse an entry that adds no one');
  t.same(decideScan(scan({ ...stale, room: roomA, kind: 'exit' })).effects, noEffects);
  t.same(decideScan(scan({ ...stale, kind: 'exit' })).effects, noEffects);
  t.equal(decideScan(scan({ ...stale, room: { ...roomB, status: 'closed' } })).reason, 'room_closed');
  const sameInstant = { ...stale, scannedAt: T0 + 10 * MIN };
  t.same(decideScan(scan({ ...sameInstant, room: roomA, kind: 'exit' })).effects.leaveRoomId, 'room-a', 'same instant counts as later');
});

t.test('only venue entries are arrivals', async (t) => {
  t.equal(decideScan(scan({ room: roomA })).effects.venueArrival, false);
});

const arbitraryInput: fc.Arbitrary<ScanInput> = fc.record({
  kind: fc.constantFrom('entry' as const, 'exit' as const),
  force: fc.boolean(),
  scannedAt: fc.integer({ min: 0, max: 100 }),
  code: fc.oneof(
    fc.constant({ ok: false as const }),
    fc.record({
      ok: fc.constant(true as const),
      attendeeId: fc.constantFrom('a', 'b'),
      version: fc.integer({ min: 0, max: 3 }),
      kid: fc.constant('k1'),
    }),
  ),
  attendee: fc.option(
    fc.record({
      id: fc.constantFrom('a', 'b'),
      status: fc.constantFrom('registered' as const, 'cancelled' as const),
      category: fc.constantFrom('government', 'media', 'staff'),
      badgeVersion: fc.integer({ min: 0, max: 3 }),
    }),
  ),
  room: fc.option(
    fc.record({
      id: fc.constantFrom('r1', 'r2'),
      status: fc.constantFrom('open' as const, 'closed' as const, 'out_of_service' as const),
      capacity: fc.integer({ min: 0, max: 5 }),
      occupancy: fc.integer({ min: 0, max: 7 }),
    }),
  ),
  sessionInRoom: fc.option(
    fc.record({
      access: fc.oneof(
        fc.constant({ policy: 'open' as const }),
        fc.record({
          policy: fc.constant('categories' as const),
          categories: fc.subarray(['government', 'media', 'staff']),
        }),
      ),
    }),
  ),
  presence: fc.record({
    firstVenueCheckinAt: fc.option(fc.integer({ min: 0, max: 100 })),
    currentRoomId: fc.option(fc.constantFrom('r1', 'r2')),
    lastMovedAt: fc.option(fc.integer({ min: 0, max: 100 })),
  }),
});

t.test('property: a rejected decision has no effects and is never forced', async (t) => {
  fc.assert(
    fc.property(arbitraryInput, (input) => {
      const decision = decideScan(input);
      if (decision.result !== 'rejected') return true;
      return (
        decision.reason !== null &&
        !decision.forced &&
        !decision.effects.venueArrival &&
        decision.effects.enterRoomId === null &&
        decision.effects.leaveRoomId === null
      );
    }),
    { numRuns: 2000 },
  );
  t.pass('holds');
});

t.test('property: decisions are internally consistent', async (t) => {
  fc.assert(
    fc.property(arbitraryInput, (input) => {
      const { result, reason, forced, effects } = decideScan(input);
      const consistentReason =
        (result === 'ok' && reason === null) ||
        (result === 'warning' && reason === 'already_checked_in') ||
        (result === 'rejected' && reason !== null && reason !== 'already_checked_in');
      const entersOnlyTheScannedRoom = effects.enterRoomId === null || effects.enterRoomId === input.room?.id;
      const neverBothWays = effects.enterRoomId === null || effects.enterRoomId !== effects.leaveRoomId;
      const leavesOnlyWhereCounted = effects.leaveRoomId === null || effects.leaveRoomId === input.presence.currentRoomId;
      const forcedOnlyWhenAsked = !forced || (input.force && effects.enterRoomId !== null);
      const arrivalsAtVenueEntries = !effects.venueArrival || (input.room === null && input.kind === 'entry');
      const exitsNeverRefusedForTheRoom = input.kind === 'entry' || !['room_full', 'not_allowed', 'room_closed'].includes(reason ?? '');
      const fullRoomsAdmitOnlyByForce =
        effects.enterRoomId === null || input.room === null || occupancyLevel(input.room.occupancy, input.room.capacity) !== 'full' || forced;
      return (
        consistentReason &&
        entersOnlyTheScannedRoom &&
        neverBothWays &&
        leavesOnlyWhereCounted &&
        forcedOnlyWhenAsked &&
        arrivalsAtVenueEntries &&
        exitsNeverRefusedForTheRoom &&
        fullRoomsAdmitOnlyByForce
      );
    }),
    { numRuns: 2000 },
  );
  t.pass('holds');
});
