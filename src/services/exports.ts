// Organiser exports read in keyset chunks: attendees and scans for the admin, hourly scan counts for ops.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Statement } from 'better-sqlite3';
import type { Store } from '../db/open.js';
import { formatDate, formatLocalIso, formatOffset, offsetMinutesAt, toWallClock, type Zone } from '../core/time.js';
import { attendeeExportColumns, checkinAggregateColumns, checkinExportColumns } from '../contract/exports.js';
import type { Cell, Table } from '../interop/export-table.js';

/**
 * Rows per read. Each chunk is one short synchronous query (about a millisecond at this size);
 * between chunks the event loop runs other requests and the response stream drains, so a
 * 100k-row export neither stalls the service nor sits in memory.
 */
export const EXPORT_CHUNK_ROWS = 250;
/** Aggregation reads narrow rows and keeps only counts: larger chunks, same short holds. */
const AGGREGATE_CHUNK_ROWS = 1000;
const QUARTER_MS = 900_000;

interface AttendeeExportRow {
  rowid: number;
  id: string;
  externalId: string | null;
  name: string;
  organization: string;
  category: string;
  delegation: string | null;
  email: string | null;
  flags: string;
  status: string;
  badgeVersion: number;
  badgeIssuedAt: number | null;
  checkedInAt: number | null;
  inRoom: string | null;
  createdAt: number;
  updatedAt: number;
}

interface CheckinExportRow {
  rowid: number;
  id: string;
  scannedAt: number;
  receivedAt: number;
  attendeeId: string | null;
  name: string | null;
  organization: string | null;
  category: string | null;
  room: string | null;
  kind: string;
  result: string;
  reason: string | null;
  method: string;
  manualReason: string | null;
  forced: number;
  leftRoom: string | null;
  device: string | null;
  undoneAt: number | null;
}

interface CheckinAggregateRow {
  rowid: number;
  scannedAt: number;
  room: string | null;
  kind: string;
  result: string;
  category: string | null;
}

type Page<T> = Statement<[number, number], T>;

/** Every row of a keyset-paged query, a chunk at a time, yielding to the event loop between chunks. */
async function* pages<T extends { rowid: number }>(statement: Page<T>, size: number): AsyncGenerator<T[]> {
  let after = -1;
  for (;;) {
    const rows = statement.all(after, size);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < size) return;
    after = rows[rows.length - 1]!.rowid;
    await yieldToLoop();
  }
}

export class ExportService {
  private readonly zone: Zone;
  private readonly attendeePage: Page<AttendeeExportRow>;
  private readonly checkinPage: Page<CheckinExportRow>;
  private readonly aggregatePage: Page<CheckinAggregateRow>;

  constructor(store: Store, timeZone: string) {
    this.zone = { kind: 'iana', name: timeZone };
    const sqlite = store.sqlite;
    this.attendeePage = sqlite.prepare(
      `SELECT a.rowid AS rowid, a.id, a.external_id AS externalId, a.name, a.organization, a.category, a.delegation, a.email,
              a.flags, a.status, a.badge_version AS badgeVersion, b.issued_at AS badgeIssuedAt, a.checked_in_at AS checkedInAt,
              r.name AS inRoom, a.created_at AS createdAt, a.updated_at AS updatedAt
       FROM attendees a
       LEFT JOIN badges b ON b.attendee_id = a.id AND b.version = a.badge_version
       LEFT JOIN presence p ON p.attendee_id = a.id
       LEFT JOIN rooms r ON r.id = p.room_id
       WHERE a.rowid > ? ORDER BY a.rowid LIMIT ?`,
    );
    this.checkinPage = sqlite.prepare(
      `SELECT c.rowid AS rowid, c.id, c.scanned_at AS scannedAt, c.received_at AS receivedAt, c.attendee_id AS attendeeId,
              a.name, a.organization, a.category, r.name AS room, c.kind, c.result, c.reason, c.method, c.manual_reason AS manualReason, c.forced,
              lr.name AS leftRoom, d.name AS device, c.undone_at AS undoneAt
       FROM checkins c
       LEFT JOIN attendees a ON a.id = c.attendee_id
       LEFT JOIN rooms r ON r.id = c.room_id
       LEFT JOIN rooms lr ON lr.id = c.left_room_id
       LEFT JOIN devices d ON d.id = c.device_id
       WHERE c.rowid > ? ORDER BY c.rowid LIMIT ?`,
    );
    this.aggregatePage = sqlite.prepare(
      `SELECT c.rowid AS rowid, c.scanned_at AS scannedAt, r.name AS room, c.kind, c.result, a.category
       FROM checkins c
       LEFT JOIN attendees a ON a.id = c.attendee_id
       LEFT JOIN rooms r ON r.id = c.room_id
       WHERE c.rowid > ? AND c.undone_at IS NULL ORDER BY c.rowid LIMIT ?`,
    );
  }

  /** Every attendee, cancelled ones included, in the order they were added. */
  attendees(): Table {
    return { columns: attendeeExportColumns, chunks: this.attendeeChunks() };
  }

  /** Every scan, rejected and undone ones included (the audit trail), in the order they arrived. */
  checkins(): Table {
    return { columns: checkinExportColumns, chunks: this.checkinChunks() };
  }

  /** Scan counts per local hour × room × kind × result × category, hours in order. */
  checkinCounts(): Table {
    return { columns: checkinAggregateColumns, chunks: this.aggregateChunks() };
  }

  private time(ms: number | null): string | null {
    return ms === null ? null : formatLocalIso(ms, this.zone);
  }

  private async *attendeeChunks(): AsyncGenerator<Cell[][]> {
    for await (const rows of pages(this.attendeePage, EXPORT_CHUNK_ROWS)) {
      yield rows.map((r) => [
        r.id,
        r.externalId,
        r.name,
        r.organization,
        r.category,
        r.delegation,
        r.email,
        // Spelled as the importer reads flags, so the file can be edited and imported again.
        (JSON.parse(r.flags) as string[]).join(';'),
        r.status,
        r.badgeVersion,
        this.time(r.badgeIssuedAt),
        this.time(r.checkedInAt),
        r.inRoom,
        this.time(r.createdAt),
        this.time(r.updatedAt),
      ]);
    }
  }

  private async *checkinChunks(): AsyncGenerator<Cell[][]> {
    for await (const rows of pages(this.checkinPage, EXPORT_CHUNK_ROWS)) {
      yield rows.map((r) => [
        this.time(r.scannedAt),
        this.time(r.receivedAt),
        r.id,
        r.attendeeId,
        r.name,
        r.organization,
        r.category,
        r.room,
        r.kind,
        r.result,
        r.reason,
        r.method,
        r.manualReason,
        r.forced === 1 ? 'yes' : 'no',
        r.leftRoom,
        r.device,
        this.time(r.undoneAt),
      ]);
    }
  }

  private async *aggregateChunks(): AsyncGenerator<Cell[][]> {
    const counts = new Map<string, number>();
    // Per export: a rejected scan may carry any scannedAt, so a cache kept between exports could only grow.
    const hourLabels = new Map<number, string>();
    for await (const rows of pages(this.aggregatePage, AGGREGATE_CHUNK_ROWS)) {
      for (const r of rows) {
        const key = [this.hourOf(r.scannedAt, hourLabels), r.room ?? '', r.kind, r.result, r.category ?? ''].join('\u0000');
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    const keys = [...counts.keys()].sort();
    for (let i = 0; i < keys.length; i += EXPORT_CHUNK_ROWS) {
      yield keys.slice(i, i + EXPORT_CHUNK_ROWS).map((key) => {
        const [hour, room, kind, result, category] = key.split('\u0000');
        return [hour!, room || null, kind!, result!, category || null, counts.get(key)!];
      });
    }
  }

  /** The local hour a scan falls in, with the zone's offset then (a DST night has two 02:00 hours). */
  private hourOf(ms: number, hourLabels: Map<number, string>): string {
    const quarter = Math.floor(ms / QUARTER_MS);
    let label = hourLabels.get(quarter);
    if (label === undefined) {
      const at = quarter * QUARTER_MS;
      const w = toWallClock(at, this.zone);
      label = `${formatDate(w)}T${String(w.hour).padStart(2, '0')}:00${formatOffset(offsetMinutesAt(this.zone, at))}`;
      hourLabels.set(quarter, label);
    }
    return label;
  }
}
