// The exports port on SQLite: keyset pages by rowid (the order rows were added), each statement prepared once.
import type { Database } from 'better-sqlite3';
import { known } from '../op.js';
import type { CheckinFactRecord, ExportPort } from '../ports.js';
import { toAttendeeExport, toCheckinExport, type AttendeeExportRow, type CheckinExportRow } from '../rows.js';

export function sqliteExports(sqlite: Database): ExportPort {
  const attendees = sqlite.prepare<[number, number], AttendeeExportRow>(
    `SELECT a.rowid AS cursor, a.id, a.external_id AS externalId, a.name, a.organization, a.category, a.delegation, a.email,
            a.flags, a.status, a.badge_version AS badgeVersion, b.issued_at AS badgeIssuedAt, a.checked_in_at AS checkedInAt,
            r.name AS inRoom, a.created_at AS createdAt, a.updated_at AS updatedAt
     FROM attendees a
     LEFT JOIN badges b ON b.attendee_id = a.id AND b.version = a.badge_version
     LEFT JOIN presence p ON p.attendee_id = a.id
     LEFT JOIN rooms r ON r.id = p.room_id
     WHERE a.rowid > ? ORDER BY a.rowid LIMIT ?`,
  );
  const checkins = sqlite.prepare<[number, number], CheckinExportRow>(
    `SELECT c.rowid AS cursor, c.id, c.scanned_at AS scannedAt, c.received_at AS receivedAt, c.attendee_id AS attendeeId,
            a.name, a.organization, a.category, r.name AS room, c.kind, c.result, c.reason, c.method, c.manual_reason AS manualReason, c.forced,
            lr.name AS leftRoom, d.name AS device, c.undone_at AS undoneAt
     FROM checkins c
     LEFT JOIN attendees a ON a.id = c.attendee_id
     LEFT JOIN rooms r ON r.id = c.room_id
     LEFT JOIN rooms lr ON lr.id = c.left_room_id
     LEFT JOIN devices d ON d.id = c.device_id
     WHERE c.rowid > ? ORDER BY c.rowid LIMIT ?`,
  );
  const facts = sqlite.prepare<[number, number], CheckinFactRecord>(
    `SELECT c.rowid AS cursor, c.scanned_at AS scannedAt, r.name AS room, c.kind, c.result, a.category
     FROM checkins c
     LEFT JOIN attendees a ON a.id = c.attendee_id
     LEFT JOIN rooms r ON r.id = c.room_id
     WHERE c.rowid > ? AND c.undone_at IS NULL ORDER BY c.rowid LIMIT ?`,
  );
  // Rowids start at 1: a page from the start is the page after rowid -1.
  const from = (after: number | string | null): number => (after === null ? -1 : Number(after));
  return {
    attendees: (after, limit) => known(attendees.all(from(after), limit).map(toAttendeeExport)),
    checkins: (after, limit) => known(checkins.all(from(after), limit).map(toCheckinExport)),
    checkinFacts: (after, limit) => known(facts.all(from(after), limit)),
  };
}
