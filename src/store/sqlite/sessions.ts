// The sessions port on SQLite: every statement prepared once (imports write thousands of sessions; PATCH is a hot path).
import type { Database, Statement } from 'better-sqlite3';
import { known } from '../op.js';
import type { SessionPort, SessionRecord } from '../ports.js';
import { toSessionRecord, type SessionRowText } from '../rows.js';

export const SESSION_COLUMNS = `id, external_key AS externalKey, title, theme, type, starts_at AS startsAt, ends_at AS endsAt, room_id AS roomId,
  speakers, status, delay_minutes AS delayMinutes, access, expected_attendance AS expectedAttendance, required_features AS requiredFeatures,
  description, language, version, change_note AS changeNote, created_at AS createdAt, updated_at AS updatedAt`;

/** Named parameters of the writes; JSON columns are stored as text. */
function toParams(row: SessionRecord): Record<string, string | number | null> {
  return {
    ...row,
    speakers: JSON.stringify(row.speakers),
    access: JSON.stringify(row.access),
    requiredFeatures: JSON.stringify(row.requiredFeatures),
  };
}

export function sqliteSessions(sqlite: Database): SessionPort {
  const select = (where: string): Statement<unknown[], SessionRowText> => sqlite.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions ${where}`);
  const byId = select('WHERE id = ?');
  const order = 'ORDER BY starts_at, id';
  const all = select(order);
  const within = select(`WHERE starts_at >= @start AND starts_at < @end ${order}`);
  const inRoom = select(`WHERE room_id = @roomId ${order}`);
  const withinInRoom = select(`WHERE starts_at >= @start AND starts_at < @end AND room_id = @roomId ${order}`);
  const byRoom = select('WHERE room_id = ?');
  const due = select("WHERE status IN ('scheduled', 'live') AND starts_at < ?");
  const insert = sqlite.prepare(
    `INSERT INTO sessions (id, external_key, title, theme, type, starts_at, ends_at, room_id, speakers, status, delay_minutes, access,
       expected_attendance, required_features, description, language, version, change_note, created_at, updated_at)
     VALUES (@id, @externalKey, @title, @theme, @type, @startsAt, @endsAt, @roomId, @speakers, @status, @delayMinutes, @access,
       @expectedAttendance, @requiredFeatures, @description, @language, @version, @changeNote, @createdAt, @updatedAt)`,
  );
  const update = sqlite.prepare(
    `UPDATE sessions SET title = @title, theme = @theme, type = @type, starts_at = @startsAt, ends_at = @endsAt,
       room_id = @roomId, speakers = @speakers, status = @status, delay_minutes = @delayMinutes, access = @access,
       expected_attendance = @expectedAttendance, required_features = @requiredFeatures, description = @description, language = @language,
       version = @version, change_note = @changeNote, updated_at = @updatedAt
     WHERE id = @id AND version = @expectedVersion`,
  );
  const status = sqlite.prepare('UPDATE sessions SET status = ? WHERE id = ?');
  const find = (id: string): SessionRecord | undefined => {
    const row = byId.get(id);
    return row === undefined ? undefined : toSessionRecord(row);
  };
  return {
    find: (id) => known(find(id)),
    // The Writer runs one unit of work at a time: the version read is the version written over.
    findForUpdate: (id) => known(find(id)),
    list({ startsWithin: span, roomId } = {}) {
      // One prepared statement per shape of the query: an index serves each.
      const found =
        span === undefined
          ? roomId === undefined
            ? all.all()
            : inRoom.all({ roomId })
          : roomId === undefined
            ? within.all(span)
            : withinInRoom.all({ ...span, roomId });
      return known(found.map(toSessionRecord));
    },
    inRoom: (roomId) => known(byRoom.all(roomId).map(toSessionRecord)),
    due: (horizon) => known(due.all(horizon).map(toSessionRecord)),
    insert: (session) => known(void insert.run(toParams(session))),
    update: (session, expectedVersion) => known(update.run({ ...toParams(session), expectedVersion }).changes === 1),
    setStatus: (id, to) => known(void status.run(to, id)),
  };
}
