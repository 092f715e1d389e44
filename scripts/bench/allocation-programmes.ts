// Generated two-day programmes for the allocation benchmark and tests: seeded, so every run solves the same instances.
import { pick, prng } from '../random.js';
import type { AllocationInput, AllocationRoom, AllocationSession } from '../../src/domain/allocation.js';

export const MIN = 60_000;
export const DAY = 24 * 60 * MIN;
export const DAY_ONE = Date.UTC(2026, 1, 4);
export const CHANGEOVER_MINUTES = 10;
const LENGTHS = [30, 45, 60, 75, 90];
const BREAKS = [10, 10, 15, 15, 30, 45, 60];



function integer(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function generateRooms(random: () => number, count: number): AllocationRoom[] {
  return Array.from({ length: count }, (_, i): AllocationRoom => {
    const capacity = i === 0 ? 2000 : i < 3 ? integer(random, 600, 1200) : i < count / 3 ? integer(random, 150, 500) : integer(random, 30, 140);
    const features = ['av'];
    if (capacity >= 600 || random() < 0.15) features.push('interpretation');
    if (random() < 0.3) features.push('streaming');
    if (capacity < 200 && random() < 0.35) features.push('secure');
    return { id: `room-${i + 1}`, capacity, features, status: 'open' };
  });
}

/**
 * A feasible current plan: each room's days are filled with back-to-back slots from 08:30 to
 * 18:30 (breaks at least the changeover), then `count` slots are drawn as the programme.
 */
function generateSessions(random: () => number, rooms: readonly AllocationRoom[], count: number): AllocationSession[] {
  const slots: { room: AllocationRoom; startsAt: number; endsAt: number }[] = [];
  for (let day = 0; day < 2; day++) {
    for (const room of rooms) {
      let minute = 8 * 60 + 30;
      for (;;) {
        const length = pick(random, LENGTHS);
        if (minute + length > 18 * 60 + 30) break;
        const startsAt = DAY_ONE + day * DAY + minute * MIN;
        slots.push({ room, startsAt, endsAt: startsAt + length * MIN });
        minute += length + pick(random, BREAKS);
      }
    }
  }
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  if (slots.length < count) throw new Error(`only ${slots.length} slots for ${count} sessions`);
  return slots
    .slice(0, count)
    .sort((a, b) => a.startsAt - b.startsAt)
    .map((slot, i): AllocationSession => ({
      id: `session-${i + 1}`,
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      roomId: slot.room.id,
      // Registrations drift from the plan: some sessions outgrow their room, others shrink.
      expectedAttendance: Math.max(5, Math.round(slot.room.capacity * (0.45 + random() * 0.8))),
      requiredFeatures: slot.room.features.filter((feature) => feature !== 'av' && random() < 0.3),
      fixed: false,
    }));
}

/** Room `failed` goes out of service at `now`: past sessions only block time, started or imminent ones are fixed. */
export function roomFailure(base: AllocationInput, failed: string, now: number): AllocationInput {
  const past = base.sessions.filter((s) => s.endsAt <= now);
  return {
    ...base,
    rooms: base.rooms.map((room) => (room.id === failed ? { ...room, status: 'out_of_service' } : room)),
    blocking: past.map((s) => ({ roomId: s.roomId!, startsAt: s.startsAt, endsAt: s.endsAt })),
    sessions: base.sessions.filter((s) => s.endsAt > now).map((s) => ({ ...s, fixed: s.startsAt < now + 15 * MIN })),
  };
}

export function fromScratch(problem: AllocationInput): AllocationInput {
  return { ...problem, sessions: problem.sessions.map((s) => (s.fixed ? s : { ...s, roomId: null })) };
}

export function generateProgramme(sessions: number, rooms: number, seed: number): AllocationInput {
  const random = prng(seed);
  const roomList = generateRooms(random, rooms);
  return { rooms: roomList, sessions: generateSessions(random, roomList, sessions), blocking: [], changeoverMinutes: CHANGEOVER_MINUTES };
}
