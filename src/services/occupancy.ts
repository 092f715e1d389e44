// Room occupancy: the one place counts change; alerts on level crossings at once, staff updates coalesced per room.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Store } from '../db/open.js';
import { rooms } from '../db/schema.js';
import { nextAlertLevel, occupancyLevel } from '../domain/occupancy.js';
import { notFound } from '../http/errors.js';
import { publicRoomSchema } from '../http/schemas.js';
import { toPublicRoom, type RoomRow } from './rooms.js';
import type { Tx, Writer } from './writer.js';

/** room.occupancy goes out at most this often per room; alerts never wait. */
export const OCCUPANCY_COALESCE_MS = 500;

export const occupancyEventSchema = z.object({
  roomId: z.string(),
  occupancy: z.number().int(),
  capacity: z.number().int(),
  occupancyLevel: z.enum(['normal', 'near', 'full']),
});

export class OccupancyService {
  private readonly dirty = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
  ) {
    this.timer = setInterval(() => this.flush(), OCCUPANCY_COALESCE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Adds (or, negative, removes) people; never below zero. Runs inside the caller's transaction. */
  adjust(tx: Tx, roomId: string, delta: number): RoomRow {
    const row = this.get(roomId);
    return this.setIn(tx, row, Math.max(0, row.occupancy + delta));
  }

  /** Sets a counted number (a manual headcount). */
  set(tx: Tx, roomId: string, count: number): RoomRow {
    return this.setIn(tx, this.get(roomId), count);
  }

  /** Emits the coalesced room.occupancy events for rooms that changed since the last flush. */
  flush(): void {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    this.writer.run(null, (tx) => {
      for (const id of ids) {
        const row = this.store.db.select().from(rooms).where(eq(rooms.id, id)).get();
        if (!row) continue;
        tx.emit({
          topic: 'occupancy',
          name: 'room.occupancy',
          visibility: 'staff',
          roomIds: [id],
          data: occupancyEventSchema.parse({
            roomId: id,
            occupancy: row.occupancy,
            capacity: row.capacity,
            occupancyLevel: occupancyLevel(row.occupancy, row.capacity),
          }),
        });
      }
    });
  }

  private get(roomId: string): RoomRow {
    const row = this.store.db.select().from(rooms).where(eq(rooms.id, roomId)).get();
    if (!row) throw notFound('room');
    return row;
  }

  private setIn(tx: Tx, row: RoomRow, occupancy: number): RoomRow {
    if (occupancy === row.occupancy) return row;
    const alertLevel = nextAlertLevel(row.alertLevel, occupancy, row.capacity);
    const updated: RoomRow = { ...row, occupancy, alertLevel, updatedAt: tx.now };
    this.store.db.update(rooms).set({ occupancy, alertLevel, updatedAt: tx.now }).where(eq(rooms.id, row.id)).run();
    if (alertLevel !== row.alertLevel) {
      tx.emit({
        topic: 'occupancy',
        name: 'room.alert',
        visibility: 'staff',
        roomIds: [row.id],
        data: { roomId: row.id, level: alertLevel, previousLevel: row.alertLevel, occupancy, capacity: row.capacity },
      });
    }
    const wasFull = toPublicRoom(row).full;
    const isFull = toPublicRoom(updated).full;
    if (wasFull !== isFull) {
      tx.emit({ topic: 'schedule', name: 'room.updated', visibility: 'public', schema: publicRoomSchema, roomIds: [row.id], data: toPublicRoom(updated) });
    }
    // Counts changed inside a transaction that may still roll back; the flush reads what was committed.
    this.dirty.add(row.id);
    return updated;
  }
}
