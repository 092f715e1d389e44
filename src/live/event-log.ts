// The append-only event log: seq allocation, the hash chain over payload digests, and reads for replay and audit.
import { createHash } from 'node:crypto';
import type { Database as Sqlite } from 'better-sqlite3';
import type { Visibility } from '../core/vocabulary.js';

export interface EventRecord {
  seq: number;
  epoch: string;
  at: number;
  topic: string;
  name: string;
  visibility: Visibility;
  actorDeviceId: string | null;
  roomIds: string[] | null;
  /** The payload exactly as stored (JSON text), so it is serialised once. */
  payloadJson: string;
}

export interface AppendInput {
  topic: string;
  name: string;
  visibility: Visibility;
  actorDeviceId: string | null;
  roomIds: string[] | null;
  payloadJson: string;
  at: number;
}

export interface EventFilter {
  names: readonly string[];
  kinds?: readonly string[];
}

export interface LogHead {
  seq: number;
  hash: string;
}

/** The hash the first row chains from; an empty log's head. */
export const GENESIS_HASH = '0'.repeat(64);

/** The last row's seq and hash, or seq 0 and the genesis hash for an empty log. */
export function readHead(sqlite: Sqlite): LogHead {
  const last = sqlite.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as LogHead | undefined;
  return last ?? { seq: 0, hash: GENESIS_HASH };
}

/** Rows re-chained per read, so a long log is never loaded at once. */
const REWRITE_CHUNK = 2_000;

/** The event that records a purge; its `redactedSeqs` name the rows whose payload no longer matches its digest. */
export const PURGE_EVENT = 'data.purged';
/** The event that records a signed checkpoint of the head before it. */
export const CHECKPOINT_EVENT = 'audit.checkpoint';

/** sha256 of a payload as first stored (JSON text), hex: what the chain covers, so a redaction keeps it. */
export function payloadDigest(payloadJson: string): string {
  return createHash('sha256').update(payloadJson).digest('hex');
}

/**
 * The content a row's hash covers, in a fixed order so the chain can be verified later. A row
 * with a payload digest (every row written since the chain covers digests) is chained over the
 * digest of its original payload; a legacy row (digest null) over the payload itself.
 */
export function canonicalContent(r: EventRecord, digest: string | null = payloadDigest(r.payloadJson)): string {
  const body = digest === null ? r.payloadJson : `sha256:${digest}`;
  return JSON.stringify([r.seq, r.epoch, r.at, r.topic, r.name, r.visibility, r.actorDeviceId, r.roomIds, body]);
}

/** sha256(previous hash + canonical content), hex; `digest` null is the legacy form over the payload text. */
export function chainHash(previousHash: string, r: EventRecord, digest: string | null = payloadDigest(r.payloadJson)): string {
  return createHash('sha256').update(previousHash).update(canonicalContent(r, digest)).digest('hex');
}

export interface EventRow {
  seq: number;
  epoch: string;
  at: number;
  topic: string;
  name: string;
  visibility: Visibility;
  actor_device_id: string | null;
  room_ids: string | null;
  payload: string;
  payload_digest: string | null;
  hash: string;
}

export function rowToRecord(row: EventRow): EventRecord {
  return {
    seq: row.seq,
    epoch: row.epoch,
    at: row.at,
    topic: row.topic,
    name: row.name,
    visibility: row.visibility,
    actorDeviceId: row.actor_device_id,
    roomIds: row.room_ids === null ? null : (JSON.parse(row.room_ids) as string[]),
    payloadJson: row.payload,
  };
}

/** The row after `previous`: its seq, its payload's digest and its hash in the chain (both stores append with it). */
export function nextRecord(previous: LogHead, epoch: string, input: AppendInput): { record: EventRecord; digest: string; hash: string } {
  const record: EventRecord = {
    seq: previous.seq + 1,
    epoch,
    at: input.at,
    topic: input.topic,
    name: input.name,
    visibility: input.visibility,
    actorDeviceId: input.actorDeviceId,
    roomIds: input.roomIds,
    payloadJson: input.payloadJson,
  };
  const digest = payloadDigest(record.payloadJson);
  return { record, digest, hash: chainHash(previous.hash, record, digest) };
}

/** Consecutive seqs folded into [first, last] pairs: how a purge names the rows it redacted. */
export type SeqRanges = [number, number][];

export function toRanges(seqs: readonly number[]): SeqRanges {
  const out: SeqRanges = [];
  for (const seq of seqs) {
    const last = out.at(-1);
    if (last && seq === last[1] + 1) last[1] = seq;
    else out.push([seq, seq]);
  }
  return out;
}

function inRanges(ranges: SeqRanges, seq: number): boolean {
  return ranges.some(([from, to]) => seq >= from && seq <= to);
}

function purgedRanges(payloadJson: string): SeqRanges {
  try {
    const value = (JSON.parse(payloadJson) as { redactedSeqs?: unknown }).redactedSeqs;
    if (!Array.isArray(value)) return [];
    return value.filter((r): r is [number, number] => Array.isArray(r) && r.length === 2 && r.every((n) => Number.isInteger(n)));
  } catch {
    return [];
  }
}

export interface LegacyUpgrade {
  /** Rows that were chained over their payload text and now are over its digest. */
  upgraded: number;
  /** False when the legacy chain was already broken and `evenIfBroken` was not given: nothing changed. */
  done: boolean;
}

/**
 * A database from before the chain covered payload digests: stores each row's digest and
 * re-chains the log over the digests, once, after checking the old chain (an altered log is left
 * as it is, so that the upgrade never launders it). Runs in its own transaction, or the caller's.
 */
export function upgradeLegacyChain(sqlite: Sqlite, options: { evenIfBroken?: boolean } = {}): LegacyUpgrade {
  const legacy = sqlite.prepare('SELECT 1 FROM events WHERE payload_digest IS NULL LIMIT 1').get();
  if (legacy === undefined) return { upgraded: 0, done: true };
  if (options.evenIfBroken !== true && !verifyChain(sqlite).ok) return { upgraded: 0, done: false };
  return sqlite.transaction(() => {
    const read = sqlite.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    const update = sqlite.prepare('UPDATE events SET payload_digest = ?, hash = ? WHERE seq = ?');
    let previous = GENESIS_HASH;
    let after = 0;
    let upgraded = 0;
    for (;;) {
      const rows = read.all(after, REWRITE_CHUNK) as EventRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const digest = row.payload_digest ?? payloadDigest(row.payload);
        const hash = chainHash(previous, rowToRecord(row), digest);
        if (row.payload_digest === null || hash !== row.hash) {
          update.run(digest, hash, row.seq);
          upgraded += 1;
        }
        previous = hash;
        after = row.seq;
      }
    }
    return { upgraded, done: true };
  })();
}

export class EventLog {
  private head: LogHead;
  private readonly insertStmt;
  private readonly afterStmt;
  private readonly firstStmt;

  constructor(
    private readonly sqlite: Sqlite,
    readonly epoch: string,
  ) {
    // Once, on a database from before the chain covered payload digests.
    upgradeLegacyChain(sqlite);
    this.head = readHead(sqlite);
    this.insertStmt = sqlite.prepare(
      `INSERT INTO events (seq, epoch, at, topic, name, visibility, actor_device_id, room_ids, payload, payload_digest, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.afterStmt = sqlite.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.firstStmt = sqlite.prepare('SELECT MIN(seq) AS seq FROM events');
  }

  get headSeq(): number {
    return this.head.seq;
  }

  /** Oldest seq still in the log (0 when empty): a client behind it cannot be replayed. */
  get oldestSeq(): number {
    return (this.firstStmt.get() as { seq: number | null }).seq ?? 0;
  }

  /** Marks where the log stands, so a failed transaction can put the in-memory head back. */
  mark(): LogHead {
    return { ...this.head };
  }

  reset(mark: LogHead): void {
    this.head = { ...mark };
  }

  /** Must run inside the transaction that makes the change the event describes. */
  append(input: AppendInput): EventRecord {
    const { record, digest, hash } = nextRecord(this.head, this.epoch, input);
    this.insertStmt.run(
      record.seq,
      record.epoch,
      record.at,
      record.topic,
      record.name,
      record.visibility,
      record.actorDeviceId,
      record.roomIds === null ? null : JSON.stringify(record.roomIds),
      record.payloadJson,
      digest,
      hash,
    );
    this.head = { seq: record.seq, hash };
    return record;
  }

  readAfter(since: number, limit: number): EventRecord[] {
    return (this.afterStmt.all(since, limit) as EventRow[]).map(rowToRecord);
  }

  /**
   * Replaces stored payloads (a purge redacting personal data). The chain covers each row's
   * digest of its ORIGINAL payload, so no hash changes: the chain, and every signed checkpoint of
   * it, still verify. The rows changed are returned as `redactedSeqs`, for the caller to record in
   * the event that closes the purge (verification accepts a payload that no longer matches its
   * digest only when a later `data.purged` event names its seq). `rechained` counts rows whose
   * hash changed: always 0 (kept for the report). `rewrite` returns the payload to keep (the same
   * string when nothing changes). Must run inside the caller's transaction.
   */
  rewritePayloads(rewrite: (record: EventRecord) => string): { rewritten: number; rechained: number; redactedSeqs: SeqRanges } {
    const update = this.sqlite.prepare('UPDATE events SET payload = ? WHERE seq = ?');
    const changed: number[] = [];
    let after = 0;
    for (;;) {
      const rows = this.afterStmt.all(after, REWRITE_CHUNK) as EventRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const payloadJson = rewrite(rowToRecord(row));
        if (payloadJson !== row.payload) {
          update.run(payloadJson, row.seq);
          changed.push(row.seq);
        }
        after = row.seq;
      }
    }
    return { rewritten: changed.length, rechained: 0, redactedSeqs: toRanges(changed) };
  }
}

export interface ChainReport {
  ok: boolean;
  checked: number;
  /** The first row whose stored hash does not match its content and predecessor. */
  firstBadSeq: number | null;
}

/** A signed checkpoint found in the log, with the row it attests (the one before it). */
export interface LoggedCheckpoint {
  seq: number;
  payloadJson: string;
  previous: LogHead;
}

export interface ChainInspection extends ChainReport {
  head: LogHead;
  /** Rows whose payload was redacted by a purge that names them (their original digest is what is chained). */
  redacted: number;
  /** Seqs of the `data.purged` events that named redacted rows. */
  purges: number[];
  checkpoints: LoggedCheckpoint[];
  /** The stored hash at a seq, for comparing with a signed checkpoint; null when no such row. */
  hashAt(seq: number): string | null;
}

/**
 * Walks the whole log: every row's hash must follow from its predecessor and its content (its
 * original payload's digest), seqs must be consecutive, and every payload must match its digest
 * unless a later `data.purged` event names the row as redacted. An edited, inserted or deleted
 * row breaks it; what it cannot see (the last rows deleted, or an edit with every later hash
 * recomputed) the signed checkpoints catch (services/audit.ts).
 */
export function inspectChain(sqlite: Sqlite): ChainInspection {
  let previous: LogHead = { seq: 0, hash: GENESIS_HASH };
  let expectedSeq: number | null = null;
  let checked = 0;
  let redacted = 0;
  /** Rows whose payload differs from its digest, waiting for a purge that names them: seq → rows before it. */
  const unexplained = new Map<number, number>();
  const purges: number[] = [];
  const checkpoints: LoggedCheckpoint[] = [];
  const hashAtStmt = sqlite.prepare('SELECT hash FROM events WHERE seq = ?');
  const hashAt = (seq: number): string | null => (hashAtStmt.get(seq) as { hash: string } | undefined)?.hash ?? null;
  const result = (bad: { seq: number; checked: number } | null): ChainInspection => {
    const firstUnexplained = unexplained.entries().next();
    let first = bad;
    if (firstUnexplained.done !== true && (first === null || firstUnexplained.value[0] < first.seq)) {
      first = { seq: firstUnexplained.value[0], checked: firstUnexplained.value[1] };
    }
    return {
      ok: first === null,
      checked: first === null ? checked : first.checked,
      firstBadSeq: first === null ? null : first.seq,
      head: previous,
      redacted,
      purges,
      checkpoints,
      hashAt,
    };
  };
  for (const row of sqlite.prepare('SELECT * FROM events ORDER BY seq').iterate() as Iterable<EventRow>) {
    const record = rowToRecord(row);
    // Undefined on a file from before the column existed (an old backup opened read-only): a legacy row.
    const digest = row.payload_digest ?? null;
    const gap = expectedSeq !== null && row.seq !== expectedSeq;
    if (gap || chainHash(previous.hash, record, digest) !== row.hash) {
      return result({ seq: row.seq, checked });
    }
    if (digest !== null && payloadDigest(row.payload) !== digest) unexplained.set(row.seq, checked);
    if (row.name === PURGE_EVENT) {
      const ranges = purgedRanges(row.payload);
      if (ranges.length > 0) purges.push(row.seq);
      for (const seq of [...unexplained.keys()]) {
        if (inRanges(ranges, seq)) {
          unexplained.delete(seq);
          redacted += 1;
        }
      }
    } else if (row.name === CHECKPOINT_EVENT) {
      checkpoints.push({ seq: row.seq, payloadJson: row.payload, previous });
    }
    previous = { seq: row.seq, hash: row.hash };
    expectedSeq = row.seq + 1;
    checked += 1;
  }
  return result(null);
}

/** Walks the whole log and recomputes every hash; an edited, inserted or deleted row breaks it. */
export function verifyChain(sqlite: Sqlite): ChainReport {
  const { ok, checked, firstBadSeq } = inspectChain(sqlite);
  return { ok, checked, firstBadSeq };
}
