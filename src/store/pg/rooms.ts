// The rooms port on PostgreSQL.
import type { RoomPort } from '../ports.js';
import { rows, type Queryable } from './query.js';
import { toRoomRecord as toRecord, type RoomRow as Row } from '../rows.js';

const COLUMNS =
  'id, name, capacity, features, status, occupancy, alert_level AS "alertLevel", sort_order AS "sortOrder", created_at AS "createdAt", updated_at AS "updatedAt"';

export function pgRooms(db: Queryable): RoomPort {
  return {
    *existing(ids) {
      const found = yield* rows<{ id: string }>(db, 'rooms_existing', 'SELECT id FROM rooms WHERE id = ANY($1::text[])', [[...ids]]);
      return new Set(found.map((r) => r.id));
    },
    *list() {
      return (yield* rows<Row>(db, 'rooms_all', `SELECT ${COLUMNS} FROM rooms ORDER BY sort_order, name COLLATE "C"`)).map(toRecord);
    },
    *find(id) {
      const [row] = yield* rows<Row>(db, 'rooms_by_id', `SELECT ${COLUMNS} FROM rooms WHERE id = $1`, [id]);
      return row === undefined ? undefined : toRecord(row);
    },
    *findForUpdate(id) {
      // A row lock: an occupancy count or another edit of this room waits for this commit, so the change is made to the room as it is.
      const [row] = yield* rows<Row>(db, 'rooms_by_id_for_update', `SELECT ${COLUMNS} FROM rooms WHERE id = $1 FOR UPDATE`, [id]);
      return row === undefined ? undefined : toRecord(row);
    },
    *nameTaken(name, exceptId) {
      // A name not yet taken has no row to lock: a transaction-scoped advisory lock on the name serialises the
      // check and the write of every node (the unique index would otherwise fail the second with a 500). The
      // check is its own statement, so it reads what a transaction that held the lock before has committed.
      yield* rows(db, 'rooms_name_lock', "SELECT pg_advisory_xact_lock(hashtext('rooms.name:' || $1))::text AS locked", [name]);
      const found = yield* rows(db, 'rooms_name_taken', 'SELECT 1 FROM rooms WHERE name = $1 AND id IS DISTINCT FROM $2', [name, exceptId]);
      return found.length > 0;
    },
    *insert(r) {
      yield* rows(
        db,
        'rooms_insert',
        `INSERT INTO rooms (id, name, capacity, features, status, occupancy, alert_level, sort_order, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [r.id, r.name, r.capacity, JSON.stringify(r.features), r.status, r.occupancy, r.alertLevel, r.sortOrder, r.createdAt, r.updatedAt],
      );
    },
    *update(r) {
      yield* rows(
        db,
        'rooms_update',
        `UPDATE rooms SET name = $2, capacity = $3, features = $4, status = $5, sort_order = $6, alert_level = $7, updated_at = $8 WHERE id = $1`,
        [r.id, r.name, r.capacity, JSON.stringify(r.features), r.status, r.sortOrder, r.alertLevel, r.updatedAt],
      );
    },
  };
}
