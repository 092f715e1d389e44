// Occupancy levels and alert hysteresis, including rooms whose capacity is not set yet.
import t from 'tap';
import fc from '../property.js';
import { hysteresisMargin, nextAlertLevel, occupancyLevel } from '../../src/domain/occupancy.js';
import { decideScan } from '../../src/domain/scan.js';

t.test('levels: near at 90%, full at 100%', async (t) => {
  t.equal(occupancyLevel(89, 100), 'normal');
  t.equal(occupancyLevel(90, 100), 'near');
  t.equal(occupancyLevel(99, 100), 'near');
  t.equal(occupancyLevel(100, 100), 'full');
  t.equal(occupancyLevel(150, 100), 'full');
});

t.test('a room without a capacity (0) is never near or full, and never turns anyone away', async (t) => {
  t.equal(occupancyLevel(0, 0), 'normal');
  t.equal(occupancyLevel(500, 0), 'normal');
  const decision = decideScan({
    kind: 'entry',
    force: false,
    code: { ok: true, attendeeId: 'a1', version: 1, kid: 'k1' },
    attendee: { id: 'a1', status: 'registered', category: 'industry', badgeVersion: 1 },
    room: { id: 'r0', status: 'open', capacity: 0, occupancy: 40 },
    sessionInRoom: null,
    presence: { firstVenueCheckinAt: null, currentRoomId: null, lastMovedAt: null },
    scannedAt: Date.parse('2026-02-15T09:00:00Z'),
  });
  t.equal(decision.result, 'ok');
  t.equal(decision.forced, false);
});

t.test('alerts rise at once and fall only a margin below the threshold', async (t) => {
  t.equal(nextAlertLevel('normal', 100, 100), 'full');
  t.equal(nextAlertLevel('full', 99, 100), 'full', 'one below capacity keeps full');
  t.equal(nextAlertLevel('full', 100 - hysteresisMargin(100) - 1, 100), 'near');
  t.equal(nextAlertLevel('near', 89, 100), 'near', 'one below 90% keeps near');
  t.equal(nextAlertLevel('near', 50, 100), 'normal');
});

t.test('a room oscillating by one person at the edge does not flap', async () => {
  fc.assert(
    fc.property(fc.integer({ min: 20, max: 3000 }), fc.array(fc.boolean(), { minLength: 2, maxLength: 40 }), (capacity, steps) => {
      let level = nextAlertLevel('normal', capacity, capacity);
      let changes = 0;
      let count = capacity;
      for (const down of steps) {
        count = down ? capacity - 1 : capacity;
        const next = nextAlertLevel(level, count, capacity);
        if (next !== level) changes += 1;
        level = next;
      }
      return changes === 0 && level === 'full';
    }),
  );
});
