// The exports port on PostgreSQL: keyset pages by primary key (PostgreSQL has no rowid), one short statement per page.
import type { CheckinFactRecord, ExportPort } from '../ports.js';
import { toAttendeeExport, toCheckinExport, type AttendeeExportRow, type CheckinExportRow } from '../rows.js';
import { rows, type Queryable } from './query.js';

// Every id sorts after the empty string, so '' is the key before the first page. `id > $1 ORDER
// BY id` keeps the primary key's collation, so each page is a range scan of its index.
const from = (after: number | string | null): string => (after === null ? '' : String(after));

export function pgExports(db: Queryable): ExportPort {
  return {
    *attendees(after, limit) {
      const found = yield* rows<AttendeeExportRow>(
        db,
        'exports_attendees',
        `SELECT a.id AS cursor, a.id, a.external_id AS "externalId", a.name, a.organization, a.category, a.delegation, a.email,
                a.flags, a.status, a.badge_version AS "badgeVersion", b.issued_at AS "badgeIssuedAt", a.checked_in_at AS "checkedInAt",
                r.name AS "inRoom", a.created_at AS "createdAt", a.updated_at AS "updatedAt"
         FROM attendees a
         LEFT JOIN badges b ON b.attendee_id = a.id AND b.version = a.badge_version
         LEFT JOIN presence p ON p.attendee_id = a.id
         LEFT JOIN rooms r ON r.id = p.room_id
         WHERE a.id > $1 ORDER BY a.id LIMIT $2`,
        [from(after), limit],
      );
      return found.map(toAttendeeExport);
    },
    *checkins(after, limit) {
      const found = yield* rows<CheckinExportRow>(
        db,
        'exports_checkins',
        `SELECT c.id AS cursor, c.id, c.scanned_at AS "scannedAt", c.received_at AS "receivedAt", c.attendee_id AS "attendeeId",
                a.name, a.organization, a.category, r.name AS room, c.kind, c.result, c.reason, c.method, c.manual_reason AS "manualReason", c.forced,
                lr.name AS "leftRoom", d.name AS device, c.undone_at AS "undoneAt"
         FROM checkins c
         LEFT JOIN attendees a ON a.id = c.attendee_id
         LEFT JOIN rooms r ON r.id = c.room_id
         LEFT JOIN rooms lr ON lr.id = c.left_room_id
         LEFT JOIN devices d ON d.id = c.device_id
         WHERE c.id > $1 ORDER BY c.id LIMIT $2`,
        [from(after), limit],
      );
      return found.map(toCheckinExport);
    },
    checkinFacts: (after, limit) =>
      rows<CheckinFactRecord>(
        db,
        'exports_checkin_facts',
        `SELECT c.id AS cursor, c.scanned_at AS "scannedAt", r.name AS room, c.kind, c.result, a.category
         FROM checkins c
         LEFT JOIN attendees a ON a.id = c.attendee_id
         LEFT JOIN rooms r ON r.id = c.room_id
         WHERE c.id > $1 AND c.undone_at IS NULL ORDER BY c.id LIMIT $2`,
        [from(after), limit],
      ),
  };
}
