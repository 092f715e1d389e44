// The devices port on PostgreSQL: each answer is the driver's promise, yielded to the unit of work that awaits it.
import type { DevicePort, DeviceRecord } from '../ports.js';
import { rows, type Queryable } from './query.js';

const COLUMNS = 'id, name, role, token_hash AS "tokenHash", created_at AS "createdAt", revoked_at AS "revokedAt"';

export function pgDevices(db: Queryable): DevicePort {
  return {
    *findByTokenHash(tokenHash) {
      return (yield* rows<DeviceRecord>(db, 'devices_by_token', `SELECT ${COLUMNS} FROM devices WHERE token_hash = $1`, [tokenHash]))[0];
    },
    *find(id) {
      return (yield* rows<DeviceRecord>(db, 'devices_by_id', `SELECT ${COLUMNS} FROM devices WHERE id = $1`, [id]))[0];
    },
    list: () => rows<DeviceRecord>(db, 'devices_all', `SELECT ${COLUMNS} FROM devices ORDER BY created_at, id`),
    *lockFirstDevice() {
      // An advisory transaction lock: there is no row to lock before the first device exists.
      yield* rows(db, 'devices_first_lock', "SELECT pg_advisory_xact_lock(hashtextextended('eventday.devices.first', 0))");
    },
    *count() {
      return (yield* rows<{ n: number }>(db, 'devices_count', 'SELECT COUNT(*)::int AS n FROM devices'))[0]?.n ?? 0;
    },
    *insert(d) {
      yield* rows(db, 'devices_insert', 'INSERT INTO devices (id, name, role, token_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        d.id,
        d.name,
        d.role,
        d.tokenHash,
        d.createdAt,
        d.revokedAt,
      ]);
    },
    *markRevoked(id, at) {
      yield* rows(db, 'devices_revoke', 'UPDATE devices SET revoked_at = $1 WHERE id = $2', [at, id]);
    },
  };
}
