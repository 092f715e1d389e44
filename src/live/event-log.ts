// The append-only event log: seq allocation, the hash chain, and reads for replay and audit.
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Sqlite } from '../db/open.js';
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

/** The content a row's hash covers, in a fixed order so the chain can be verified later. */
export function canonicalContent(r: EventRecord): string {
  return JSON.stringify([r.seq, r.epoch, r.at, r.topic, r.name, r.visibility, r.actorDeviceId, r.roomIds, r.payloadJson]);
}

export function chainHash(previousHash: string, r: EventRecord): string {
  return createHash('sha256').update(previousHash).update(canonicalContent(r)).digest('hex');
}

interface EventRow {
  seq: number;
  epoch: string;
  at: number;
  topic: string;
  name: string;
  visibility: Visibility;
  actor_device_id: string | null;
  room_ids: string | null;
  payload: string;
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

export class EventLog {
  private head: LogHead;
  private readonly insertStmt;
  private readonly afterStmt;
  private readonly firstStmt;
  private readonly topicHeadStmt;
  private readonly namedStmts = new Map<string, Statement>();

  constructor(
    private readonly sqlite: Sqlite,
    readonly epoch: string,
  ) {
    this.head = readHead(sqlite);
    this.insertStmt = sqlite.prepare(
      `INSERT INTO events (seq, epoch, at, topic, name, visibility, actor_device_id, room_ids, payload, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.afterStmt = sqlite.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.topicHeadStmt = sqlite.prepare('SELECT MAX(seq) AS seq FROM events WHERE topic = ?');
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
    const record: EventRecord = {
      seq: this.head.seq + 1,
      epoch: this.epoch,
      at: input.at,
      topic: input.topic,
      name: input.name,
      visibility: input.visibility,
      actorDeviceId: input.actorDeviceId,
      roomIds: input.roomIds,
      payloadJson: input.payloadJson,
    };
    const hash = chainHash(this.head.hash, record);
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
      hash,
    );
    this.head = { seq: record.seq, hash };
    return record;
  }

  readAfter(since: number, limit: number): EventRecord[] {
    return (this.afterStmt.all(since, limit) as EventRow[]).map(rowToRecord);
  }

  /**
   * Events after `since` with one of these names (and, given `kinds`, whose payload's `kind` is one
   * of them), oldest first: how services read history without knowing how the log stores it.
   */
  readNamed(since: number, limit: number, filter: EventFilter): EventRecord[] {
    const key = JSON.stringify(filter);
    let stmt = this.namedStmts.get(key);
    if (!stmt) {
      const list = (values: readonly string[]): string => values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
      const kinds = filter.kinds ? ` AND json_extract(payload, '$.kind') IN (${list(filter.kinds)})` : '';
      stmt = this.sqlite.prepare(`SELECT * FROM events WHERE seq > ? AND name IN (${list(filter.names)})${kinds} ORDER BY seq LIMIT ?`);
      this.namedStmts.set(key, stmt);
    }
    return (stmt.all(since, limit) as EventRow[]).map(rowToRecord);
  }

  /** The newest seq of a topic (0 when it has none): what a cache of that topic's state is versioned by. */
  latestSeqOf(topic: string): number {
    return (this.topicHeadStmt.get(topic) as { seq: number | null }).seq ?? 0;
  }

  /**
   * Replaces stored payloads (a purge redacting personal data) and re-chains every row from the
   * first changed one, so the chain verifies again; seq, epoch and the rest of each row stay.
   * `rewrite` returns the payload to keep (the same string when nothing changes). Must run
   * inside the caller's transaction; a rollback must be followed by `reset(mark)`.
   */
  rewritePayloads(rewrite: (record: EventRecord) => string): { rewritten: number; rechained: number } {
    const update = this.sqlite.prepare('UPDATE events SET payload = ?, hash = ? WHERE seq = ?');
    let rewritten = 0;
    let rechained = 0;
    let previous = GENESIS_HASH;
    let rechaining = false;
    let after = 0;
    for (;;) {
      const rows = this.afterStmt.all(after, REWRITE_CHUNK) as EventRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const record = rowToRecord(row);
        const payloadJson = rewrite(record);
        if (payloadJson !== row.payload) {
          rewritten += 1;
          rechaining = true;
        }
        if (rechaining) {
          const hash = chainHash(previous, { ...record, payloadJson });
          update.run(payloadJson, hash, row.seq);
          rechained += 1;
          previous = hash;
        } else {
          previous = row.hash;
        }
        after = row.seq;
      }
    }
    if (rechained > 0) this.head = { seq: after, hash: previous };
    return { rewritten, rechained };
  }
}

export interface ChainReport {
  ok: boolean;
  checked: number;
  /** The first row whose stored hash does not match its content and predecessor. */
  firstBadSeq: number | null;
}

/** Walks the whole log and recomputes every hash; an edited, inserted or deleted row breaks it. */
export function verifyChain(sqlite: Sqlite): ChainReport {
  let previous = GENESIS_HASH;
  let expectedSeq: number | null = null;
  let checked = 0;
  for (const row of sqlite.prepare('SELECT * FROM events ORDER BY seq').iterate() as Iterable<EventRow>) {
    const record = rowToRecord(row);
    const gap = expectedSeq !== null && row.seq !== expectedSeq;
    if (gap || chainHash(previous, record) !== row.hash) {
      return { ok: false, checked, firstBadSeq: row.seq };
    }
    previous = row.hash;
    expectedSeq = row.seq + 1;
    checked += 1;
  }
  return { ok: true, checked, firstBadSeq: null };
}
