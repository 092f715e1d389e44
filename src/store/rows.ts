// Row shapes shared by the SQLite and PostgreSQL adapters: both store JSON as text, so both map a row the same way.
import type {
  AttendeeExportRecord,
  CheckinExportRecord,
  PlanRecord,
  RoomRecord,
  ScanAttendeeRecord,
  SessionRecord,
  SessionSourceRecord,
  SettingsRecord,
} from './ports.js';

/** A session row as read: the JSON columns are text. */
export type SessionRowText = Omit<SessionRecord, 'speakers' | 'access' | 'requiredFeatures'> & { speakers: string; access: string; requiredFeatures: string };

export const toSessionRecord = (row: SessionRowText): SessionRecord => ({
  ...row,
  speakers: JSON.parse(row.speakers) as SessionRecord['speakers'],
  access: JSON.parse(row.access) as SessionRecord['access'],
  requiredFeatures: JSON.parse(row.requiredFeatures) as SessionRecord['requiredFeatures'],
});

/** An attendee row as read: the flags are text. */
export type Raw<R extends { flags: string[] }> = Omit<R, 'flags'> & { flags: string };

export function fromRaw<R extends { flags: string[] }>(raw: Raw<R>): R {
  return { ...raw, flags: JSON.parse(raw.flags) as string[] } as R;
}

export type PlanRow = Omit<PlanRecord, 'request' | 'result'> & { request: string; result: string };

export const toPlanRecord = (row: PlanRow | undefined): PlanRecord | undefined =>
  row === undefined ? undefined : { ...row, request: JSON.parse(row.request) as PlanRecord['request'], result: JSON.parse(row.result) as PlanRecord['result'] };

export type SourceRow = Omit<SessionSourceRecord, 'source'> & { source: string };

export const toSource = (row: SourceRow): SessionSourceRecord => ({ ...row, source: JSON.parse(row.source) as SessionSourceRecord['source'] });

export type SettingsRow = Omit<SettingsRecord, 'days' | 'roomGuids'> & { days: string; roomGuids: string | null };

export const toSettingsRecord = (row: SettingsRow): SettingsRecord => ({ ...row, days: JSON.parse(row.days) as string[], roomGuids: parseGuids(row.roomGuids) });

const parseGuids = (text: string | null): Record<string, string> | null => (text === null ? null : (JSON.parse(text) as Record<string, string>));
export const stringifyGuids = (guids: Record<string, string> | null): string | null => (guids === null ? null : JSON.stringify(guids));

/** The scan path's attendee row: its flags are text until parsed in place. */
export type ScanAttendeeRow = Omit<ScanAttendeeRecord, 'flags'> & { flags: string | string[] };

export function toScanAttendee(row: ScanAttendeeRow | undefined): ScanAttendeeRecord | undefined {
  // Parsed in place: the row is fresh from the driver and nobody else holds it.
  if (row !== undefined) row.flags = JSON.parse(row.flags as string) as string[];
  return row as ScanAttendeeRecord | undefined;
}

/** The occupancy path's room row: its features are text until parsed in place. */
export type OccupancyRoomRow = Omit<RoomRecord, 'features'> & { features: string | string[] };

export function toOccupancyRoom(row: OccupancyRoomRow | undefined): RoomRecord | undefined {
  // Parsed in place: the row is fresh from the driver and nobody else holds it.
  if (row !== undefined) row.features = JSON.parse(row.features as string) as string[];
  return row as RoomRecord | undefined;
}

export type AttendeeExportRow = Omit<AttendeeExportRecord, 'flags'> & { flags: string };
export type CheckinExportRow = Omit<CheckinExportRecord, 'forced'> & { forced: number };

export const toAttendeeExport = (r: AttendeeExportRow): AttendeeExportRecord => ({ ...r, flags: JSON.parse(r.flags) as string[] });
export const toCheckinExport = (r: CheckinExportRow): CheckinExportRecord => ({ ...r, forced: r.forced === 1 });

/** A room as read: its features are JSON text. */
export type RoomRow = Omit<RoomRecord, 'features'> & { features: string };

export const toRoomRecord = (row: RoomRow): RoomRecord => ({ ...row, features: JSON.parse(row.features) as string[] });
