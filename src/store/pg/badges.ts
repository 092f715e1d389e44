// The badges port on PostgreSQL: signing keys' public halves, issued badges and attendees' badge versions.
import { known } from '../op.js';
import type { BadgeKeyRecord, BadgePort, BadgeRecord } from '../ports.js';
import { rows, type Queryable } from './query.js';

export function pgBadges(db: Queryable): BadgePort {
  return {
    keys: () =>
      rows<BadgeKeyRecord>(
        db,
        'badge_keys_all',
        'SELECT kid, private_key_pem AS "privateKeyPem", public_key_pem AS "publicKeyPem", created_at AS "createdAt", retired_at AS "retiredAt" FROM badge_keys ORDER BY created_at, kid',
      ),
    *lockKeys() {
      // An advisory transaction lock, not FOR UPDATE: the first key has no row to lock, and a
      // rotation on another node must see this one's new key before it retires the active ones.
      yield* rows(db, 'badge_keys_lock', "SELECT pg_advisory_xact_lock(hashtextextended('eventday.badge_keys', 0))");
    },
    *insertKey(kid, publicKeyPem, at) {
      yield* rows(db, 'badge_keys_insert', 'INSERT INTO badge_keys (kid, public_key_pem, created_at) VALUES ($1, $2, $3)', [kid, publicKeyPem, at]);
    },
    *retireActiveKeys(at) {
      // RETURNING has no order: the kids come back oldest first, as SQLite lists them.
      const found = yield* rows<{ kid: string }>(
        db,
        'badge_keys_retire',
        'WITH retired AS (UPDATE badge_keys SET retired_at = $1 WHERE retired_at IS NULL RETURNING kid, created_at) SELECT kid FROM retired ORDER BY created_at, kid',
        [at],
      );
      return found.map((r) => r.kid);
    },
    *deleteKey(kid) {
      yield* rows(db, 'badge_keys_delete', 'DELETE FROM badge_keys WHERE kid = $1', [kid]);
    },
    *countValidSignedBy(kid) {
      const found = yield* rows<{ n: number }>(db, 'badges_valid_signed_by', 'SELECT COUNT(*)::int AS n FROM badges WHERE kid = $1 AND revoked_at IS NULL', [kid]);
      return found[0]?.n ?? 0;
    },
    // A PostgreSQL store never held private keys (see the schema): nothing to scrub.
    scrubPrivateKeys: () => known(undefined),
    *insert(attendeeId, version, kid, code, at) {
      yield* rows(db, 'badges_insert', 'INSERT INTO badges (attendee_id, version, kid, code, issued_at) VALUES ($1, $2, $3, $4, $5)', [
        attendeeId,
        version,
        kid,
        code,
        at,
      ]);
    },
    *current(attendeeId) {
      const found = yield* rows<BadgeRecord>(
        db,
        'badges_current',
        'SELECT code, version, issued_at AS "issuedAt" FROM badges WHERE attendee_id = $1 AND revoked_at IS NULL ORDER BY version DESC LIMIT 1',
        [attendeeId],
      );
      return found[0];
    },
    *versionOf(attendeeId) {
      const found = yield* rows<{ version: number }>(db, 'badges_version_of', 'SELECT badge_version AS version FROM attendees WHERE id = $1', [attendeeId]);
      return found[0]?.version;
    },
    *nextVersion(attendeeId, at) {
      // Atomic: two reprints at once on two nodes get two versions, never the same one twice.
      const found = yield* rows<{ version: number }>(
        db,
        'badges_next_version',
        'UPDATE attendees SET badge_version = badge_version + 1, updated_at = $2 WHERE id = $1 RETURNING badge_version AS version',
        [attendeeId, at],
      );
      return found[0]?.version;
    },
    *revokeAll(attendeeId, at) {
      yield* rows(db, 'badges_revoke_all', 'UPDATE badges SET revoked_at = $1 WHERE attendee_id = $2 AND revoked_at IS NULL', [at, attendeeId]);
    },
  };
}
