// The occupancy port on PostgreSQL: a room's count changes under its row lock, so that concurrent changes from any node add up.
import type { OccupancyPort } from '../ports.js';
import { toOccupancyRoom, type OccupancyRoomRow } from '../rows.js';
import { rows, type Queryable } from './query.js';

export function pgOccupancy(db: Queryable): OccupancyPort {
  return {
    // A row lock, not an atomic `SET occupancy = occupancy + n`: the alert level's hysteresis and
    // the full/not-full events depend on the count before the change, which the lock keeps still.
    *room(id) {
      const [row] = yield* rows<OccupancyRoomRow>(
        db,
        'occupancy_room',
        `SELECT id, name, capacity, features, status, occupancy, alert_level AS "alertLevel", sort_order AS "sortOrder",
         created_at AS "createdAt", updated_at AS "updatedAt" FROM rooms WHERE id = $1 FOR UPDATE`,
        [id],
      );
      return toOccupancyRoom(row);
    },
    *counts(id) {
      const [row] = yield* rows<{ occupancy: number; capacity: number }>(db, 'occupancy_counts', 'SELECT occupancy, capacity FROM rooms WHERE id = $1', [id]);
      return row;
    },
    *write(id, occupancy, alertLevel, updatedAt) {
      yield* rows(db, 'occupancy_write', 'UPDATE rooms SET occupancy = $1, alert_level = $2, updated_at = $3 WHERE id = $4', [occupancy, alertLevel, updatedAt, id]);
    },
  };
}
