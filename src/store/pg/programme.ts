// The programme port on PostgreSQL: now/next, import matching and session sources.
import type { ProgrammePort } from '../ports.js';
import { toSessionRecord, toSource, type SessionRowText, type SourceRow } from '../rows.js';
import type { SessionStatus } from '../../core/vocabulary.js';
import { rows, type Queryable } from './query.js';
import { SESSION_COLUMNS } from './sessions.js';

const OPEN = "((access::json ->> 'policy') = 'open')";

const candidates = (kind: string): string =>
  `SELECT ${SESSION_COLUMNS} FROM sessions
   WHERE status != 'cancelled' AND effective_ends_at > $1${kind}
     AND (effective_starts_at <= $1
       OR (room_id, effective_starts_at) IN (
         SELECT room_id, MIN(effective_starts_at) FROM sessions
         WHERE status != 'cancelled' AND effective_starts_at > $1${kind} GROUP BY room_id))`;

const SOURCE_COLUMNS = 'session_id AS "sessionId", guid, source';

export function pgProgramme(db: Queryable): ProgrammePort {
  return {
    *nowNextCandidates(now, open) {
      const found =
        open === undefined
          ? yield* rows<SessionRowText>(db, 'programme_candidates', candidates(''), [now])
          : yield* rows<SessionRowText>(db, 'programme_candidates_of_kind', candidates(` AND ${OPEN} = $2::boolean`), [now, open]);
      return found.map(toSessionRecord);
    },
    *nextChangeAfter(now) {
      const [row] = yield* rows<{ until: number | null }>(
        db,
        'programme_next_change',
        `SELECT MIN(CASE WHEN effective_starts_at > $1 THEN effective_starts_at ELSE effective_ends_at END) AS until
         FROM sessions WHERE status != 'cancelled' AND effective_ends_at > $1`,
        [now],
      );
      return row?.until ?? null;
    },
    *restrictedIds() {
      return (yield* rows<{ id: string }>(db, 'programme_restricted', `SELECT id FROM sessions WHERE NOT ${OPEN}`)).map((r) => r.id);
    },
    *anyRestricted() {
      return (yield* rows(db, 'programme_any_restricted', `SELECT 1 FROM sessions WHERE NOT ${OPEN} LIMIT 1`)).length > 0;
    },
    localSessions: () => rows<{ id: string; status: SessionStatus }>(db, 'programme_locals', 'SELECT id, status FROM sessions WHERE external_key IS NULL'),
    *countLiveImported() {
      const [row] = yield* rows<{ n: number }>(
        db,
        'programme_live_count',
        "SELECT count(*)::int AS n FROM sessions WHERE external_key IS NOT NULL AND status != 'cancelled'",
      );
      return row?.n ?? 0;
    },
    *statusByKey(key) {
      return (yield* rows<{ status: SessionStatus }>(db, 'programme_status_by_key', 'SELECT status FROM sessions WHERE external_key = $1', [key]))[0]?.status;
    },
    *keyByGuid(guid) {
      const [row] = yield* rows<{ key: string; status: SessionStatus }>(
        db,
        'programme_key_by_guid',
        `SELECT s.external_key AS key, s.status FROM session_sources ss JOIN sessions s ON s.id = ss.session_id
         WHERE ss.guid = $1 AND s.external_key IS NOT NULL`,
        [guid],
      );
      return row;
    },
    *findByKeyForUpdate(key) {
      // A row lock: an edit made meanwhile on another node is waited for and then compared, not written over.
      const [row] = yield* rows<SessionRowText>(db, 'programme_by_key_for_update', `SELECT ${SESSION_COLUMNS} FROM sessions WHERE external_key = $1 FOR UPDATE`, [key]);
      return row === undefined ? undefined : toSessionRecord(row);
    },
    *liveImportedAfterForUpdate(afterId, limit) {
      const found = yield* rows<SessionRowText>(
        db,
        'programme_live_after_for_update',
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE external_key IS NOT NULL AND status != 'cancelled' AND id > $1 ORDER BY id LIMIT $2 FOR UPDATE`,
        [afterId, limit],
      );
      return found.map(toSessionRecord);
    },
    *claimKey(sessionId, key) {
      yield* rows(db, 'programme_claim_key', 'UPDATE sessions SET external_key = $1 WHERE id = $2', [key, sessionId]);
    },
    *lockForImport() {
      // Two nodes importing at once would match the same new session twice (and clash on the unique key):
      // a transaction-scoped advisory lock makes every import part wait for the one before it, on any node.
      yield* rows(db, 'programme_import_lock', "SELECT pg_advisory_xact_lock(hashtext('schedule.import'))::text AS locked");
    },
    *source(sessionId) {
      const [row] = yield* rows<SourceRow>(db, 'programme_source', `SELECT ${SOURCE_COLUMNS} FROM session_sources WHERE session_id = $1`, [sessionId]);
      return row === undefined ? undefined : toSource(row);
    },
    *guidTaken(guid) {
      return (yield* rows(db, 'programme_guid_taken', 'SELECT 1 FROM session_sources WHERE guid = $1', [guid])).length > 0;
    },
    *keepSource(r) {
      // Atomic: one statement inserts or replaces, whichever transaction comes first.
      yield* rows(
        db,
        'programme_keep_source',
        'INSERT INTO session_sources (session_id, guid, source) VALUES ($1, $2, $3) ON CONFLICT (session_id) DO UPDATE SET source = excluded.source',
        [r.sessionId, r.guid, JSON.stringify(r.source)],
      );
    },
    *sources() {
      return (yield* rows<SourceRow>(db, 'programme_sources', `SELECT ${SOURCE_COLUMNS} FROM session_sources`)).map(toSource);
    },
    *span() {
      const [row] = yield* rows<{ first: number | null; last: number | null }>(
        db,
        'programme_span',
        'SELECT min(starts_at) AS first, max(greatest(starts_at, ends_at - 1)) AS last FROM sessions',
      );
      return row === undefined || row.first === null || row.last === null ? null : { first: row.first, last: row.last };
    },
    *setEventNameAndDays(name, days) {
      yield* rows(db, 'programme_event_name_days', 'UPDATE event_settings SET name = $1, days = $2 WHERE id = 1', [name, JSON.stringify(days)]);
    },
  };
}
