// Manual headcounts: door staff set a room's occupancy to the number they counted, with an audit event.
import { AppError, notFound } from '../core/errors.js';
import type { OccupancyService } from './occupancy.js';
import { MAX_HEADCOUNT, type StaffRoom } from '../contract/rooms.js';
import { toStaffRoom } from './rooms.js';
import type { Actor, UnitOfWork } from '../store/unit-of-work.js';

/** A count more than this many times the capacity is a typo (a fire-code capacity is never off by 10×). */
export const HEADCOUNT_CAPACITY_FACTOR = 10;

/** Why `count` cannot be a real count for a room of this capacity, or null when it can. */
export function implausibleHeadcount(count: number, capacity: number): string | null {
  if (!Number.isSafeInteger(count) || count < 0) return 'must be a whole number of people, 0 or more';
  if (count > MAX_HEADCOUNT) return `must be at most ${MAX_HEADCOUNT}`;
  // A room without a capacity still takes a small count, so that counting a room never fails on data entry.
  const limit = HEADCOUNT_CAPACITY_FACTOR * Math.max(capacity, 1);
  if (count > limit) return `is more than ${HEADCOUNT_CAPACITY_FACTOR}× the room's capacity (${capacity})`;
  return null;
}

export class HeadcountService {
  constructor(
    private readonly writer: UnitOfWork,
    private readonly occupancy: OccupancyService,
  ) {}

  record(actor: Actor, roomId: string, count: number): Promise<StaffRoom> {
    const occupancy = this.occupancy;
    return this.writer.submit(actor, function* (tx) {
      // Locked on PostgreSQL until the commit: `previous` is the count this one replaces.
      const room = yield* tx.store.occupancy.room(roomId);
      if (!room) throw notFound('room');
      const problem = implausibleHeadcount(count, room.capacity);
      if (problem !== null) {
        throw new AppError('validation_failed', 400, `count ${problem}`, { errors: [{ field: 'body.count', message: problem }] });
      }
      const updated = yield* occupancy.set(tx, roomId, count);
      // Who counted what, and what the count replaced: the audit trail of manual overrides.
      tx.emit('room.headcount', { roomId, count, previous: room.occupancy }, [roomId]);
      return toStaffRoom(updated);
    });
  }
}
