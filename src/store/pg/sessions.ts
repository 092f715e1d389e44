// The sessions port on PostgreSQL: named statements, JSON columns as text as in SQLite.
import type { SessionPort, SessionRecord } from '../ports.js';
import { toSessionRecord, type SessionRowText } from '../rows.js';
import { rows, type Queryable } from './query.js';

export const SESSION_COLUMNS = `id, external_key AS "externalKey", title, theme, type, starts_at AS "startsAt", ends_at AS "endsAt", room_id AS "roomId",
  speakers, status, delay_minutes AS "delayMinutes", access, expected_attendance AS "expectedAttendance", required_features AS "requiredFeatures",
  description, language, version, change_note AS "changeNote", created_at AS "createdAt", updated_at AS "updatedAt"`;

const ORDER = 'ORDER BY starts_at, id';

/** The columns an insert and an update both write, in the order of their placeholders ($3.. and $2..); JSON as text. */
const content = (s: SessionRecord): unknown[] => [
  s.title,
  s.theme,
  s.type,
  s.startsAt,
  s.endsAt,
  s.roomId,
  JSON.stringify(s.speakers),
  s.status,
  s.delayMinutes,
  JSON.stringify(s.access),
  s.expectedAttendance,
  JSON.stringify(s.requiredFeatures),
  s.description,
  s.language,
  s.version,
  s.changeNote,
];

export function pgSessions(db: Queryable): SessionPort {
  const select = function* (name: string, where: string, values: unknown[] = []) {
    return (yield* rows<SessionRowText>(db, name, `SELECT ${SESSION_COLUMNS} FROM sessions ${where}`, values)).map(toSessionRecord);
  };
  return {
    *find(id) {
      return (yield* select('sessions_by_id', 'WHERE id = $1', [id]))[0];
    },
    *findForUpdate(id) {
      // A row lock: a second edit of the same version waits for this commit, then reads the new version and is refused.
      return (yield* select('sessions_by_id_for_update', 'WHERE id = $1 FOR UPDATE', [id]))[0];
    },
    list({ startsWithin: span, roomId } = {}) {
      if (span === undefined) {
        return roomId === undefined ? select('sessions_all', ORDER) : select('sessions_in_room_ordered', `WHERE room_id = $1 ${ORDER}`, [roomId]);
      }
      return roomId === undefined
        ? select('sessions_within', `WHERE starts_at >= $1 AND starts_at < $2 ${ORDER}`, [span.start, span.end])
        : select('sessions_within_in_room', `WHERE starts_at >= $1 AND starts_at < $2 AND room_id = $3 ${ORDER}`, [span.start, span.end, roomId]);
    },
    inRoom: (roomId) => select('sessions_in_room', 'WHERE room_id = $1', [roomId]),
    due: (horizon) => select('sessions_due', "WHERE status IN ('scheduled', 'live') AND starts_at < $1", [horizon]),
    *insert(s) {
      yield* rows(
        db,
        'sessions_insert',
        `INSERT INTO sessions (id, external_key, title, theme, type, starts_at, ends_at, room_id, speakers, status, delay_minutes, access,
           expected_attendance, required_features, description, language, version, change_note, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
[s.id, s.externalKey, ...content(s), s.createdAt, s.updatedAt],
      );
    },
    *update(s, expectedVersion) {
      // Atomic: the version condition is checked by the UPDATE itself, so a writer that did not lock the row cannot write over a newer version.
      const written = yield* rows(
        db,
        'sessions_update',
        `UPDATE sessions SET title = $2, theme = $3, type = $4, starts_at = $5, ends_at = $6, room_id = $7, speakers = $8, status = $9,
           delay_minutes = $10, access = $11, expected_attendance = $12, required_features = $13, description = $14, language = $15,
           version = $16, change_note = $17, updated_at = $18
         WHERE id = $1 AND version = $19 RETURNING id`,
[s.id, ...content(s), s.updatedAt, expectedVersion],
      );
      return written.length === 1;
    },
    *setStatus(id, status) {
      yield* rows(db, 'sessions_set_status', 'UPDATE sessions SET status = $1 WHERE id = $2', [status, id]);
    },
  };
}
