// The badges port on SQLite: signing keys' public halves, issued badges and attendees' badge versions; every statement prepared once.
import type { Database } from 'better-sqlite3';
import { known } from '../op.js';
import type { BadgeKeyRecord, BadgePort, BadgeRecord } from '../ports.js';

export function sqliteBadges(sqlite: Database): BadgePort {
  const keyRows = sqlite.prepare(
    'SELECT kid, private_key_pem AS privateKeyPem, public_key_pem AS publicKeyPem, created_at AS createdAt, retired_at AS retiredAt FROM badge_keys ORDER BY created_at, kid',
  );
  const activeKids = sqlite.prepare('SELECT kid FROM badge_keys WHERE retired_at IS NULL ORDER BY created_at, kid').pluck();
  const retire = sqlite.prepare('UPDATE badge_keys SET retired_at = ? WHERE retired_at IS NULL');
  const insertKey = sqlite.prepare('INSERT INTO badge_keys (kid, public_key_pem, created_at) VALUES (?, ?, ?)');
  const deleteKey = sqlite.prepare('DELETE FROM badge_keys WHERE kid = ?');
  const validSignedBy = sqlite.prepare('SELECT COUNT(*) AS n FROM badges WHERE kid = ? AND revoked_at IS NULL').pluck();
  const scrub = sqlite.prepare('UPDATE badge_keys SET private_key_pem = NULL WHERE private_key_pem IS NOT NULL');
  const insertBadge = sqlite.prepare('INSERT INTO badges (attendee_id, version, kid, code, issued_at) VALUES (?, ?, ?, ?, ?)');
  const badgeVersion = sqlite.prepare('SELECT badge_version AS version FROM attendees WHERE id = ?').pluck();
  const setBadgeVersion = sqlite.prepare('UPDATE attendees SET badge_version = ?, updated_at = ? WHERE id = ?');
  const revokeBadges = sqlite.prepare('UPDATE badges SET revoked_at = ? WHERE attendee_id = ? AND revoked_at IS NULL');
  const currentBadge = sqlite.prepare(
    'SELECT code, version, issued_at AS issuedAt FROM badges WHERE attendee_id = ? AND revoked_at IS NULL ORDER BY version DESC LIMIT 1',
  );
  return {
    keys: () => known(keyRows.all() as BadgeKeyRecord[]),
    // The Writer runs one unit of work at a time.
    lockKeys: () => known(undefined),
    insertKey: (kid, publicKeyPem, at) => known(void insertKey.run(kid, publicKeyPem, at)),
    retireActiveKeys: (at) => {
      const kids = activeKids.all() as string[];
      retire.run(at);
      return known(kids);
    },
    deleteKey: (kid) => known(void deleteKey.run(kid)),
    countValidSignedBy: (kid) => known(validSignedBy.get(kid) as number),
    scrubPrivateKeys: () => {
      // The old key bytes must be in neither the free pages nor the WAL: overwrite on delete, then rewrite the file.
      sqlite.pragma('secure_delete = ON');
      try {
        scrub.run();
      } finally {
        sqlite.pragma('secure_delete = OFF');
      }
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      sqlite.exec('VACUUM');
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      return known(undefined);
    },
    insert: (attendeeId, version, kid, code, at) => known(void insertBadge.run(attendeeId, version, kid, code, at)),
    current: (attendeeId) => known(currentBadge.get(attendeeId) as BadgeRecord | undefined),
    versionOf: (attendeeId) => known(badgeVersion.get(attendeeId) as number | undefined),
    nextVersion: (attendeeId, at) => {
      const version = badgeVersion.get(attendeeId) as number | undefined;
      if (version === undefined) return known(undefined);
      setBadgeVersion.run(version + 1, at, attendeeId);
      return known(version + 1);
    },
    revokeAll: (attendeeId, at) => known(void revokeBadges.run(at, attendeeId)),
  };
}
