// The devices port on SQLite: prepared once, answered synchronously.
import type { Database } from 'better-sqlite3';
import { known } from '../op.js';
import type { DevicePort, DeviceRecord } from '../ports.js';

const COLUMNS = 'id, name, role, token_hash AS tokenHash, created_at AS createdAt, revoked_at AS revokedAt';

export function sqliteDevices(sqlite: Database): DevicePort {
  const byTokenHash = sqlite.prepare(`SELECT ${COLUMNS} FROM devices WHERE token_hash = ?`);
  const byId = sqlite.prepare(`SELECT ${COLUMNS} FROM devices WHERE id = ?`);
  const all = sqlite.prepare(`SELECT ${COLUMNS} FROM devices ORDER BY created_at, id`);
  const count = sqlite.prepare('SELECT COUNT(*) AS n FROM devices').pluck();
  const insert = sqlite.prepare(
    'INSERT INTO devices (id, name, role, token_hash, created_at, revoked_at) VALUES (@id, @name, @role, @tokenHash, @createdAt, @revokedAt)',
  );
  const revoke = sqlite.prepare('UPDATE devices SET revoked_at = ? WHERE id = ?');
  return {
    findByTokenHash: (tokenHash) => known(byTokenHash.get(tokenHash) as DeviceRecord | undefined),
    find: (id) => known(byId.get(id) as DeviceRecord | undefined),
    list: () => known(all.all() as DeviceRecord[]),
    count: () => known(count.get() as number),
    // The one Writer already runs units of work one at a time.
    lockFirstDevice: () => known(undefined),
    insert: (device) => known(void insert.run(device)),
    markRevoked: (id, at) => known(void revoke.run(at, id)),
  };
}
