// The check-ins port on PostgreSQL: the scan path's statements, with the row locks that let many nodes decide scans at once.
import type { CheckinPort, CheckinRef, DoorSessionRecord, MovementRecord, PresenceRecord, ScanRoomRecord } from '../ports.js';
import { toScanAttendee, type ScanAttendeeRow } from '../rows.js';
import { rows, type Queryable } from './query.js';

// Lock order, everywhere a scan, a batch or an undo takes locks: the check-in (undo), then
// attendees by id, then rooms by id. A headcount locks only its room; so no two units of work
// ever wait on each other in a circle.
//
// PostgreSQL has no rowid: `ctid` stands for SQLite's insertion order where two scans of one
// attendee share scannedAt and receivedAt. The rows read here are never updated (an undone one is
// left out), so each still sits where it was inserted; only space freed by VACUUM can be reused
// out of order.
export function pgCheckins(db: Queryable): CheckinPort {
  return {
    *attendee(id) {
      const [row] = yield* rows<ScanAttendeeRow>(
        db,
        'checkins_attendee',
        `SELECT id, name, organization, category, delegation, flags, status, badge_version AS "badgeVersion",
         checked_in_at AS "checkedInAt" FROM attendees WHERE id = $1 FOR UPDATE`,
        [id],
      );
      return toScanAttendee(row);
    },
    *room(id, alsoLock) {
      const found = yield* rows<ScanRoomRecord>(
        db,
        'checkins_room',
        'SELECT id, status, capacity, occupancy FROM rooms WHERE id = $1 OR id = $2 ORDER BY id FOR UPDATE',
        [id, alsoLock],
      );
      return found.find((r) => r.id === id);
    },
    *lockMoves(attendeeIds, roomIds) {
      if (attendeeIds.length === 0 && roomIds.length === 0) return;
      yield* rows(db, 'checkins_lock_attendees', 'SELECT id FROM attendees WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [attendeeIds]);
      yield* rows(
        db,
        'checkins_lock_rooms',
        `SELECT id FROM rooms
         WHERE id = ANY($1::text[])
            OR id IN (SELECT room_id FROM presence WHERE attendee_id = ANY($2::text[]))
            OR id IN (SELECT room_id FROM checkins WHERE attendee_id = ANY($2::text[]) AND room_id IS NOT NULL)
            OR id IN (SELECT left_room_id FROM checkins WHERE attendee_id = ANY($2::text[]) AND left_room_id IS NOT NULL)
         ORDER BY id FOR UPDATE`,
        [roomIds, attendeeIds],
      );
    },
    *presence(attendeeId) {
      const [row] = yield* rows<PresenceRecord>(
        db,
        'checkins_presence',
        'SELECT room_id AS "roomId", since, checkin_id AS "checkinId" FROM presence WHERE attendee_id = $1',
        [attendeeId],
      );
      return row;
    },
    *lastLeftAt(attendeeId) {
      const [row] = yield* rows<{ at: number | null }>(
        db,
        'checkins_last_left',
        'SELECT MAX(scanned_at) AS at FROM checkins WHERE attendee_id = $1 AND left_room_id IS NOT NULL AND undone_at IS NULL',
        [attendeeId],
      );
      return row?.at ?? null;
    },
    doorSessions: (roomId, t, lead) =>
      rows<DoorSessionRecord>(
        db,
        'checkins_door_sessions',
        `SELECT id, room_id AS "roomId", starts_at AS "startsAt", ends_at AS "endsAt", delay_minutes AS "delayMinutes", status, access
         FROM sessions
         WHERE room_id = $1 AND status != 'cancelled' AND effective_ends_at > $2 AND effective_starts_at - $3 <= $2`,
        [roomId, t, lead],
      ),
    *firstSessionStart() {
      const [row] = yield* rows<{ at: number | null }>(db, 'checkins_first_session', 'SELECT MIN(starts_at) AS at FROM sessions');
      return row?.at ?? null;
    },
    *insert(id, scanId, deviceId, attendeeId, badgeVersion, kind, roomId, scannedAt, receivedAt, result, reason, forced, leftRoomId, responseJson, method, manualReason) {
      // A concurrent insert of the same scanId waits for the other transaction and then does nothing.
      const inserted = yield* rows(
        db,
        'checkins_insert',
        `INSERT INTO checkins (id, scan_id, device_id, attendee_id, badge_version, kind, room_id, scanned_at, received_at,
           result, reason, forced, left_room_id, response, method, manual_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (scan_id) DO NOTHING RETURNING id`,
        [id, scanId, deviceId, attendeeId, badgeVersion, kind, roomId, scannedAt, receivedAt, result, reason, forced ? 1 : 0, leftRoomId, responseJson, method, manualReason],
      );
      return inserted.length > 0;
    },
    *response(scanId) {
      const [row] = yield* rows<{ response: string }>(db, 'checkins_response', 'SELECT response FROM checkins WHERE scan_id = $1', [scanId]);
      return row?.response;
    },
    *setCheckedInAt(attendeeId, at) {
      yield* rows(db, 'checkins_set_checked_in', 'UPDATE attendees SET checked_in_at = $1 WHERE id = $2', [at, attendeeId]);
    },
    *putPresence(attendeeId, roomId, since, checkinId) {
      yield* rows(
        db,
        'checkins_put_presence',
        `INSERT INTO presence (attendee_id, room_id, since, checkin_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (attendee_id) DO UPDATE SET room_id = excluded.room_id, since = excluded.since, checkin_id = excluded.checkin_id`,
        [attendeeId, roomId, since, checkinId],
      );
    },
    *removePresence(attendeeId) {
      yield* rows(db, 'checkins_remove_presence', 'DELETE FROM presence WHERE attendee_id = $1', [attendeeId]);
    },
    *find(id) {
      const [row] = yield* rows<CheckinRef>(
        db,
        'checkins_by_id',
        `SELECT id, scan_id AS "scanId", attendee_id AS "attendeeId", kind, room_id AS "roomId", scanned_at AS "scannedAt", result,
         left_room_id AS "leftRoomId", undone_at AS "undoneAt" FROM checkins WHERE id = $1 FOR UPDATE`,
        [id],
      );
      return row;
    },
    *markUndone(id, at, by) {
      yield* rows(db, 'checkins_mark_undone', 'UPDATE checkins SET undone_at = $1, undone_by = $2 WHERE id = $3', [at, by, id]);
    },
    *firstArrivalAt(attendeeId) {
      const [row] = yield* rows<{ at: number | null }>(
        db,
        'checkins_first_arrival',
        `SELECT MIN(scanned_at) AS at FROM checkins
         WHERE attendee_id = $1 AND room_id IS NULL AND kind = 'entry' AND result <> 'rejected' AND undone_at IS NULL`,
        [attendeeId],
      );
      return row?.at ?? null;
    },
    movements: (attendeeId) =>
      rows<MovementRecord>(
        db,
        'checkins_movements',
        `SELECT id, kind, room_id AS "roomId", scanned_at AS "scannedAt" FROM checkins
         WHERE attendee_id = $1 AND result <> 'rejected' AND undone_at IS NULL AND (room_id IS NOT NULL OR kind = 'exit')
         ORDER BY scanned_at, received_at, ctid`,
        [attendeeId],
      ),
    // Quarter hours, so that zones offset by 30 or 45 minutes still land in the right local hour.
    arrivalsByCategoryQuarter: () =>
      rows<{ category: string; quarter: number; n: number }>(
        db,
        'checkins_by_category_quarter',
        `SELECT category, checked_in_at / 900000 AS quarter, COUNT(*) AS n FROM attendees
         WHERE checked_in_at IS NOT NULL GROUP BY category, quarter`,
      ),
    // The arrival is the venue entry whose scannedAt is checkedInAt (the earliest received, if two share it).
    arrivalsByDevice: () =>
      rows<{ deviceId: string; n: number }>(
        db,
        'checkins_by_device',
        `SELECT c.device_id AS "deviceId", COUNT(*) AS n
         FROM attendees a
         JOIN LATERAL (
           SELECT c2.device_id FROM checkins c2
           WHERE c2.attendee_id = a.id AND c2.scanned_at = a.checked_in_at AND c2.room_id IS NULL AND c2.kind = 'entry'
             AND c2.result <> 'rejected' AND c2.undone_at IS NULL
           ORDER BY c2.received_at, c2.ctid
           LIMIT 1) c ON true
         WHERE a.checked_in_at IS NOT NULL
         GROUP BY c.device_id`,
      ),
  };
}
