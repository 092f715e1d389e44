// The rooms port on PostgreSQL.
import type { RoomPort } from '../ports.js';
import { rows, type Queryable } from './query.js';

export function pgRooms(db: Queryable): RoomPort {
  return {
    *existing(ids) {
      const found = yield* rows<{ id: string }>(db, 'rooms_existing', 'SELECT id FROM rooms WHERE id = ANY($1::text[])', [[...ids]]);
      return new Set(found.map((r) => r.id));
    },
  };
}
