// The check-ins port on SQLite: the scan path's statements, prepared once, answered synchronously.
import type { Database } from 'better-sqlite3';
import type { CheckinMethod, ScanKind, ScanResult } from '../../core/vocabulary.js';
import { known } from '../op.js';
import type { CheckinPort, CheckinRef, DoorSessionRecord, MovementRecord, PresenceRecord, ScanRoomRecord } from '../ports.js';
import { toScanAttendee, type ScanAttendeeRow } from '../rows.js';

export function sqliteCheckins(sqlite: Database): CheckinPort {
  const attendeeById = sqlite.prepare<[string], ScanAttendeeRow>(
    `SELECT id, name, organization, category, delegation, flags, status, badge_version AS badgeVersion,
     checked_in_at AS checkedInAt FROM attendees WHERE id = ?`,
  );
  const roomById = sqlite.prepare<[string], ScanRoomRecord>('SELECT id, status, capacity, occupancy FROM rooms WHERE id = ?');
  const presenceOf = sqlite.prepare<[string], PresenceRecord>('SELECT room_id AS roomId, since, checkin_id AS checkinId FROM presence WHERE attendee_id = ?');
  const lastMove = sqlite
    .prepare<[string], number | null>('SELECT MAX(scanned_at) AS at FROM checkins WHERE attendee_id = ? AND left_room_id IS NOT NULL AND undone_at IS NULL')
    .pluck();
  const firstSessionStart = sqlite.prepare<[], number | null>('SELECT MIN(starts_at) AS at FROM sessions').pluck();
  const sessionsAt = sqlite.prepare<[{ roomId: string; t: number; lead: number }], DoorSessionRecord>(
    `SELECT id, room_id AS roomId, starts_at AS startsAt, ends_at AS endsAt, delay_minutes AS delayMinutes, status, access
     FROM sessions
     WHERE room_id = @roomId AND status != 'cancelled' AND effective_ends_at > @t AND effective_starts_at - @lead <= @t`,
  );
  const insert = sqlite.prepare<
    [string, string, string, string | null, number | null, ScanKind, string | null, number, number, ScanResult, string | null, number, string | null, string, CheckinMethod, string | null]
  >(
    `INSERT INTO checkins (id, scan_id, device_id, attendee_id, badge_version, kind, room_id, scanned_at, received_at,
       result, reason, forced, left_room_id, response, method, manual_reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (scan_id) DO NOTHING`,
  );
  const responseOf = sqlite.prepare<[string], string>('SELECT response FROM checkins WHERE scan_id = ?').pluck();
  const setCheckedInAt = sqlite.prepare<[number | null, string]>('UPDATE attendees SET checked_in_at = ? WHERE id = ?');
  const upsertPresence = sqlite.prepare<[string, string, number, string]>(
    `INSERT INTO presence (attendee_id, room_id, since, checkin_id) VALUES (?, ?, ?, ?)
     ON CONFLICT (attendee_id) DO UPDATE SET room_id = excluded.room_id, since = excluded.since, checkin_id = excluded.checkin_id`,
  );
  const deletePresence = sqlite.prepare<[string]>('DELETE FROM presence WHERE attendee_id = ?');
  const checkinById = sqlite.prepare<[string], CheckinRef>(
    `SELECT id, scan_id AS scanId, attendee_id AS attendeeId, kind, room_id AS roomId, scanned_at AS scannedAt, result,
     left_room_id AS leftRoomId, undone_at AS undoneAt FROM checkins WHERE id = ?`,
  );
  const markUndone = sqlite.prepare<[number, string, string]>('UPDATE checkins SET undone_at = ?, undone_by = ? WHERE id = ?');
  const firstArrival = sqlite
    .prepare<[string], number | null>(
      `SELECT MIN(scanned_at) AS at FROM checkins
       WHERE attendee_id = ? AND room_id IS NULL AND kind = 'entry' AND result <> 'rejected' AND undone_at IS NULL`,
    )
    .pluck();
  const movements = sqlite.prepare<[string], MovementRecord>(
    `SELECT id, kind, room_id AS roomId, scanned_at AS scannedAt FROM checkins
     WHERE attendee_id = ? AND result <> 'rejected' AND undone_at IS NULL AND (room_id IS NOT NULL OR kind = 'exit')
     ORDER BY scanned_at, received_at, rowid`,
  );
  // Quarter hours, so that zones offset by 30 or 45 minutes still land in the right local hour.
  const byCategoryQuarter = sqlite.prepare<[], { category: string; quarter: number; n: number }>(
    `SELECT category, checked_in_at / 900000 AS quarter, COUNT(*) AS n FROM attendees
     WHERE checked_in_at IS NOT NULL GROUP BY category, quarter`,
  );
  // The arrival is the venue entry whose scannedAt is checkedInAt (the earliest received, if two share it).
  const byDevice = sqlite.prepare<[], { deviceId: string; n: number }>(
    `SELECT c.device_id AS deviceId, COUNT(*) AS n
     FROM attendees a
     JOIN checkins c ON c.rowid = (
       SELECT MIN(c2.rowid) FROM checkins c2
       WHERE c2.attendee_id = a.id AND c2.scanned_at = a.checked_in_at AND c2.room_id IS NULL AND c2.kind = 'entry'
         AND c2.result <> 'rejected' AND c2.undone_at IS NULL)
     WHERE a.checked_in_at IS NOT NULL
     GROUP BY c.device_id`,
  );
  return {
    attendee: (id) => known(toScanAttendee(attendeeById.get(id))),
    // The Writer runs one unit of work at a time: nothing can change the rows before the commit.
    room: (id) => known(roomById.get(id)),
    lockMoves: () => known(undefined),
    presence: (attendeeId) => known(presenceOf.get(attendeeId)),
    lastLeftAt: (attendeeId) => known(lastMove.get(attendeeId) ?? null),
    doorSessions: (roomId, t, lead) => known(sessionsAt.all({ roomId, t, lead })),
    firstSessionStart: () => known(firstSessionStart.get() ?? null),
    insert: (id, scanId, deviceId, attendeeId, badgeVersion, kind, roomId, scannedAt, receivedAt, result, reason, forced, leftRoomId, responseJson, method, manualReason) =>
      known(
        insert.run(id, scanId, deviceId, attendeeId, badgeVersion, kind, roomId, scannedAt, receivedAt, result, reason, forced ? 1 : 0, leftRoomId, responseJson, method, manualReason)
          .changes > 0,
      ),
    response: (scanId) => known(responseOf.get(scanId)),
    setCheckedInAt: (attendeeId, at) => known(void setCheckedInAt.run(at, attendeeId)),
    putPresence: (attendeeId, roomId, since, checkinId) => known(void upsertPresence.run(attendeeId, roomId, since, checkinId)),
    removePresence: (attendeeId) => known(void deletePresence.run(attendeeId)),
    find: (id) => known(checkinById.get(id)),
    markUndone: (id, at, by) => known(void markUndone.run(at, by, id)),
    firstArrivalAt: (attendeeId) => known(firstArrival.get(attendeeId) ?? null),
    movements: (attendeeId) => known(movements.all(attendeeId)),
    arrivalsByCategoryQuarter: () => known(byCategoryQuarter.all()),
    arrivalsByDevice: () => known(byDevice.all()),
  };
}
