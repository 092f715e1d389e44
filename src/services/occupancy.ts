// Room occupancy: the one place counts change; alerts on level crossings at once, staff updates coalesced per room.
import { nextAlertLevel, occupancyLevel } from '../domain/occupancy.js';
import { notFound } from '../core/errors.js';
import type { Op } from '../store/op.js';
import { toPublicRoom, type RoomRow } from './rooms.js';
import type { Tx, UnitOfWork } from '../store/unit-of-work.js';

/** room.occupancy goes out at most this often per room; alerts never wait. */
export const OCCUPANCY_COALESCE_MS = 500;

export class OccupancyService {
  private readonly dirty = new Set<string>();

  /** No timer of its own: the scheduler (src/jobs) calls `flush()` every OCCUPANCY_COALESCE_MS. */
  constructor(private readonly writer: UnitOfWork) {}

  /** Adds (or, negative, removes) people; never below zero. Runs inside the caller's unit of work. */
  *adjust(tx: Tx, roomId: string, delta: number): Op<RoomRow> {
    const row = yield* this.get(tx, roomId);
    return yield* this.setIn(tx, row, Math.max(0, row.occupancy + delta));
  }

  /** Sets a counted number (a manual headcount). */
  *set(tx: Tx, roomId: string, count: number): Op<RoomRow> {
    return yield* this.setIn(tx, yield* this.get(tx, roomId), count);
  }

  /**
   * Emits the coalesced room.occupancy events for rooms that changed since the last flush;
   * resolves once they are committed. Rooms that change while it runs wait for the next flush;
   * those of a flush that failed are flushed again next time.
   */
  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    try {
      await this.writer.submit(null, function* (tx) {
        for (const id of ids) {
          const row = yield* tx.store.occupancy.counts(id);
          if (!row) continue;
          tx.emit('room.occupancy', {
              roomId: id,
              occupancy: row.occupancy,
              capacity: row.capacity,
              occupancyLevel: occupancyLevel(row.occupancy, row.capacity),
            }, [id]);
        }
      });
    } catch (err) {
      for (const id of ids) this.dirty.add(id);
      throw err;
    }
  }

  private *get(tx: Tx, roomId: string): Op<RoomRow> {
    const row = yield* tx.store.occupancy.room(roomId);
    if (!row) throw notFound('room');
    return row;
  }

  private *setIn(tx: Tx, row: RoomRow, occupancy: number): Op<RoomRow> {
    if (occupancy === row.occupancy) return row;
    const alertLevel = nextAlertLevel(row.alertLevel, occupancy, row.capacity);
    const updated: RoomRow = { ...row, occupancy, alertLevel, updatedAt: tx.now };
    yield* tx.store.occupancy.write(row.id, occupancy, alertLevel, tx.now);
    if (alertLevel !== row.alertLevel) {
      tx.emit('room.alert', { roomId: row.id, level: alertLevel, previousLevel: row.alertLevel, occupancy, capacity: row.capacity }, [row.id]);
    }
    const wasFull = toPublicRoom(row).full;
    const isFull = toPublicRoom(updated).full;
    if (wasFull !== isFull) {
      tx.emit('room.updated', toPublicRoom(updated), [row.id]);
    }
    // Counts changed inside a transaction that may still roll back; the flush reads what was committed.
    this.dirty.add(row.id);
    return updated;
  }
}
