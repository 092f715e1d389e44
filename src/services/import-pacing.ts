// Between the parts of a big import: a turn for other work, and the WAL moved into the database a little at a time.
import { checkpoint, type Sqlite } from '../db/open.js';

/** Parts of an import between two WAL checkpoints: each then copies well under a megabyte (every 4 parts, one took up to 42 ms). */
const PARTS_PER_CHECKPOINT = 2;

/**
 * The periodic checkpoint (every 5 s) of a WAL that a running import has filled copies tens of
 * megabytes in one go and held the event loop for 65–145 ms at 100,000 attendees. Checkpointing
 * after every few parts, in a turn of its own so that requests waiting on I/O run first, moves
 * the same pages in small steps. Call it after each committed part, numbered from 1.
 */
export async function afterImportPart(sqlite: Sqlite | null, part: number): Promise<void> {
  // A turn of the event loop for requests that need several: the next part is submitted only after it.
  await new Promise((resolve) => setImmediate(resolve));
  // PostgreSQL (no SQLite file) checkpoints its WAL by itself.
  if (sqlite !== null && part % PARTS_PER_CHECKPOINT === 0) checkpoint(sqlite);
}
