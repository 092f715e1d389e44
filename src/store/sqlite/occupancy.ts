// The occupancy port on SQLite: a room's count read and written by statements prepared once.
import type { Database } from 'better-sqlite3';
import type { OccupancyLevel } from '../../core/vocabulary.js';
import { known } from '../op.js';
import type { OccupancyPort } from '../ports.js';
import { toOccupancyRoom, type OccupancyRoomRow } from '../rows.js';

export function sqliteOccupancy(sqlite: Database): OccupancyPort {
  const byId = sqlite.prepare<[string], OccupancyRoomRow>(
    `SELECT id, name, capacity, features, status, occupancy, alert_level AS alertLevel, sort_order AS sortOrder,
     created_at AS createdAt, updated_at AS updatedAt FROM rooms WHERE id = ?`,
  );
  const counts = sqlite.prepare<[string], { occupancy: number; capacity: number }>('SELECT occupancy, capacity FROM rooms WHERE id = ?');
  const write = sqlite.prepare<[number, OccupancyLevel, number, string]>('UPDATE rooms SET occupancy = ?, alert_level = ?, updated_at = ? WHERE id = ?');
  return {
    // The Writer runs one unit of work at a time: nothing can change the row before the commit.
    room: (id) => known(toOccupancyRoom(byId.get(id))),
    counts: (id) => known(counts.get(id)),
    write: (id, occupancy, alertLevel, updatedAt) => known(void write.run(occupancy, alertLevel, updatedAt, id)),
  };
}
