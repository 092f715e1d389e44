// Organiser exports read in keyset chunks: attendees and scans for the admin, hourly scan counts for ops.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { formatDate, formatLocalIso, formatOffset, offsetMinutesAt, toWallClock, type Zone } from '../core/time.js';
import { attendeeExportColumns, checkinAggregateColumns, checkinExportColumns } from '../contract/exports.js';
import type { Cell, Table } from '../interop/export-table.js';
import type { Op } from '../store/op.js';
import type { ExportCursor, StorePorts, StoreReader } from '../store/ports.js';

/**
 * Rows per read. Each chunk is one short query (about a millisecond at this size on SQLite);
 * between chunks the event loop runs other requests and the response stream drains, so a
 * 100k-row export neither stalls the service nor sits in memory.
 */
export const EXPORT_CHUNK_ROWS = 250;
/** Aggregation reads narrow rows and keeps only counts: larger chunks, same short holds. */
const AGGREGATE_CHUNK_ROWS = 1000;
const QUARTER_MS = 900_000;

/** One keyset page of an export on the store's ports. */
type Page<T> = (store: StorePorts, after: ExportCursor | null, limit: number) => Op<T[]>;

/** Every row of a keyset-paged read, a chunk at a time, yielding to the event loop between chunks. */
async function* pages<T extends { cursor: ExportCursor }>(reader: StoreReader, page: Page<T>, size: number): AsyncGenerator<T[]> {
  let after: ExportCursor | null = null;
  for (;;) {
    const from: ExportCursor | null = after;
    const rows: T[] = await reader.read((store) => page(store, from, size));
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < size) return;
    after = rows[rows.length - 1]!.cursor;
    // SQLite answers at once: without this the whole export would run in one turn of the loop.
    await yieldToLoop();
  }
}

export class ExportService {
  private readonly zone: Zone;
  private readonly reader: StoreReader;

  constructor(store: { readonly reader: StoreReader }, timeZone: string) {
    this.zone = { kind: 'iana', name: timeZone };
    this.reader = store.reader;
  }

  /** Every attendee, cancelled ones included, in the order they were added (on PostgreSQL, which keeps no such order: by id). */
  attendees(): Table {
    return { columns: attendeeExportColumns, chunks: this.attendeeChunks() };
  }

  /** Every scan, rejected and undone ones included (the audit trail), in the order they arrived (on PostgreSQL: by id). */
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
    for await (const rows of pages(this.reader, (store, after, limit) => store.exports.attendees(after, limit), EXPORT_CHUNK_ROWS)) {
      yield rows.map((r) => [
        r.id,
        r.externalId,
        r.name,
        r.organization,
        r.category,
        r.delegation,
        r.email,
        // Spelled as the importer reads flags, so the file can be edited and imported again.
        r.flags.join(';'),
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
    for await (const rows of pages(this.reader, (store, after, limit) => store.exports.checkins(after, limit), EXPORT_CHUNK_ROWS)) {
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
        r.forced ? 'yes' : 'no',
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
    for await (const rows of pages(this.reader, (store, after, limit) => store.exports.checkinFacts(after, limit), AGGREGATE_CHUNK_ROWS)) {
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
