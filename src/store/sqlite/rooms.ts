// The rooms port on SQLite.
import type { Database } from 'better-sqlite3';
import { known } from '../op.js';
import type { RoomPort } from '../ports.js';

export function sqliteRooms(sqlite: Database): RoomPort {
  const ids = sqlite.prepare('SELECT id FROM rooms').pluck();
  return {
    existing: (wanted) => {
      const all = new Set(ids.all() as string[]);
      return known(new Set(wanted.filter((id) => all.has(id))));
    },
  };
}
