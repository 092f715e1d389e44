// The rooms port on SQLite: prepared once, answered synchronously.
import type { Database } from 'better-sqlite3';
import { known } from '../op.js';
import type { RoomPort, RoomRecord } from '../ports.js';
import { toRoomRecord as toRecord, type RoomRow as Row } from '../rows.js';

const COLUMNS =
  'id, name, capacity, features, status, occupancy, alert_level AS alertLevel, sort_order AS sortOrder, created_at AS createdAt, updated_at AS updatedAt';

export function sqliteRooms(sqlite: Database): RoomPort {
  const ids = sqlite.prepare('SELECT id FROM rooms').pluck();
  const all = sqlite.prepare<[], Row>(`SELECT ${COLUMNS} FROM rooms ORDER BY sort_order, name`);
  const byId = sqlite.prepare<[string], Row>(`SELECT ${COLUMNS} FROM rooms WHERE id = ?`);
  const named = sqlite.prepare<[string], unknown>('SELECT 1 FROM rooms WHERE name = ?');
  const namedOther = sqlite.prepare<[string, string], unknown>('SELECT 1 FROM rooms WHERE name = ? AND id != ?');
  const insert = sqlite.prepare(
    `INSERT INTO rooms (id, name, capacity, features, status, occupancy, alert_level, sort_order, created_at, updated_at)
     VALUES (@id, @name, @capacity, @features, @status, @occupancy, @alertLevel, @sortOrder, @createdAt, @updatedAt)`,
  );
  const update = sqlite.prepare(
    `UPDATE rooms SET name = @name, capacity = @capacity, features = @features, status = @status, sort_order = @sortOrder,
       alert_level = @alertLevel, updated_at = @updatedAt WHERE id = @id`,
  );
  const find = (id: string): RoomRecord | undefined => {
    const row = byId.get(id);
    return row === undefined ? undefined : toRecord(row);
  };
  return {
    existing: (wanted) => {
      const every = new Set(ids.all() as string[]);
      return known(new Set(wanted.filter((id) => every.has(id))));
    },
    list: () => known(all.all().map(toRecord)),
    find: (id) => known(find(id)),
    // The Writer runs one unit of work at a time: nothing can change the row before the commit.
    findForUpdate: (id) => known(find(id)),
    nameTaken: (name, exceptId) => known((exceptId === null ? named.get(name) : namedOther.get(name, exceptId)) !== undefined),
    insert: (room) => known(void insert.run({ ...room, features: JSON.stringify(room.features) })),
    update: (room) => known(void update.run({ ...room, features: JSON.stringify(room.features) })),
  };
}
