// Rooms: the store functions and wire shapes (public for kiosks, staff with occupancy).
import type { Store } from '../db/open.js';
import { rooms } from '../db/schema.js';
import { occupancyLevel } from '../domain/occupancy.js';
import type { publicRoomSchema, staffRoomSchema } from '../http/schemas.js';
import type { z } from 'zod';

export type RoomRow = typeof rooms.$inferSelect;
export type PublicRoom = z.infer<typeof publicRoomSchema>;
export type StaffRoom = z.infer<typeof staffRoomSchema>;

export function toPublicRoom(row: RoomRow): PublicRoom {
  return {
    id: row.id,
    name: row.name,
    features: row.features,
    status: row.status,
    // The hysteretic alert level, so a kiosk does not flicker while a room hovers at capacity.
    full: row.alertLevel === 'full',
  };
}

export function toStaffRoom(row: RoomRow): StaffRoom {
  return {
    ...toPublicRoom(row),
    capacity: row.capacity,
    occupancy: row.occupancy,
    occupancyLevel: occupancyLevel(row.occupancy, row.capacity),
  };
}

export function listRoomRows(store: Store): RoomRow[] {
  return store.db.select().from(rooms).orderBy(rooms.sortOrder, rooms.name).all();
}
