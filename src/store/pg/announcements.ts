// The announcements port on PostgreSQL.
import type { AnnouncementPort, AnnouncementRecord } from '../ports.js';
import { rows, type Queryable } from './query.js';

const COLUMNS =
  'id, text, severity, room_ids AS "roomIds", created_at AS "createdAt", expires_at AS "expiresAt", removed_at AS "removedAt", created_by AS "createdBy"';

type Row = Omit<AnnouncementRecord, 'roomIds'> & { roomIds: string | null };

const toRecord = (row: Row): AnnouncementRecord => ({ ...row, roomIds: row.roomIds === null ? null : (JSON.parse(row.roomIds) as string[]) });

export function pgAnnouncements(db: Queryable): AnnouncementPort {
  return {
    *find(id) {
      const [row] = yield* rows<Row>(db, 'announcements_by_id', `SELECT ${COLUMNS} FROM announcements WHERE id = $1`, [id]);
      return row === undefined ? undefined : toRecord(row);
    },
    *insert(a) {
      yield* rows(
        db,
        'announcements_insert',
        'INSERT INTO announcements (id, text, severity, room_ids, created_at, expires_at, removed_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [a.id, a.text, a.severity, a.roomIds === null ? null : JSON.stringify(a.roomIds), a.createdAt, a.expiresAt, a.removedAt, a.createdBy],
      );
    },
    *markRemoved(id, at) {
      yield* rows(db, 'announcements_remove', 'UPDATE announcements SET removed_at = $1 WHERE id = $2', [at, id]);
    },
    *listActive(now) {
      const found = yield* rows<Row>(
        db,
        'announcements_active',
        `SELECT ${COLUMNS} FROM announcements WHERE removed_at IS NULL AND (expires_at IS NULL OR expires_at > $1) ORDER BY created_at, id`,
        [now],
      );
      return found.map(toRecord);
    },
    *listDue(now) {
      const found = yield* rows<Row>(
        db,
        'announcements_due',
        `SELECT ${COLUMNS} FROM announcements WHERE removed_at IS NULL AND expires_at IS NOT NULL AND expires_at <= $1`,
        [now],
      );
      return found.map(toRecord);
    },
  };
}
