// A move must buy something: the model offers a session another room only for fewer seats short, or when its own room is wanted or unusable.
import t from 'tap';
import { buildAllocationModel, isAnchored, type AllocationRoom, type AllocationSession } from '../../src/domain/allocation.js';

const room = (id: string, capacity: number, extra: Partial<AllocationRoom> = {}): AllocationRoom => ({ id, capacity, features: [], status: 'open', ...extra });
const session = (id: string, roomId: string, expectedAttendance: number, startsAt = 0): AllocationSession => ({
  id,
  startsAt,
  endsAt: startsAt + 3_600_000,
  roomId,
  expectedAttendance,
  requiredFeatures: [],
  fixed: false,
});
const roomsOffered = (sessions: AllocationSession[], rooms: AllocationRoom[], id: string): string[] =>
  buildAllocationModel({ rooms, sessions, blocking: [], changeoverMinutes: 10 })
    .variables.filter((v) => v.sessionId === id)
    .map((v) => v.roomId)
    .sort();

t.test('idle seats alone never open a move', async (t) => {
  const rooms = [room('A', 100), room('B', 60), room('C', 40)];
  t.same(roomsOffered([session('s', 'A', 60)], rooms, 's'), ['A'], 'it fits where it is: no smaller room is offered');
  t.same(roomsOffered([session('s', 'C', 60)], rooms, 's'), ['A', 'B', 'C'], '20 short: rooms with more seats are offered');
  t.same(roomsOffered([session('s', 'B', 90), session('other', 'A', 50, 4 * 3_600_000)], rooms, 's'), ['A', 'B'], 'only rooms that are fewer seats short');
});

t.test('a session may make way for another that can use its room, and leaves a room it cannot use', async (t) => {
  const rooms = [room('A', 100), room('B', 60)];
  t.same(roomsOffered([session('s', 'A', 50), session('big', 'B', 95)], rooms, 's'), ['A', 'B'], 'the big session overlapping it wants A');
  t.same(roomsOffered([session('s', 'A', 50), session('big', 'B', 95, 5 * 3_600_000)], rooms, 's'), ['A'], 'a session at another time does not');
  const closed = [room('A', 100, { status: 'closed' }), room('B', 60)];
  t.same(roomsOffered([session('s', 'A', 50)], closed, 's'), ['B'], 'a closed room: any room that serves it');
});

t.test('anchored sessions: breaks, plenaries and no expected attendance', async (t) => {
  t.ok(isAnchored({ type: 'break', expectedAttendance: 300 }));
  t.ok(isAnchored({ type: 'Plenary', expectedAttendance: 1800 }));
  t.ok(isAnchored({ type: 'panel', expectedAttendance: 0 }));
  t.ok(isAnchored({ type: 'panel', expectedAttendance: null }));
  t.notOk(isAnchored({ type: 'workshop', expectedAttendance: 40 }));
});
