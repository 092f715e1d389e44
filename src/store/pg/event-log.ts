// The PostgreSQL event log: seq and hash chain allocated under the event_head row lock, NOTIFY at commit, reads for replay.
//
// Why commit order equals seq order, and why no reader ever sees seq N+1 without N
// ---------------------------------------------------------------------------------
// Every appender runs `SELECT seq, hash FROM event_head WHERE id = 1 FOR UPDATE` as the first of
// its final statements, and COMMITs right after them. Let A take seqs ..N and B take
// N+1.. (B read A's head, so B locked the row after A).
//
// 1. B holds the row lock only after A's transaction ended. A row lock is held until the end of
//    the transaction; a second locker waits for the first "to commit or roll back" and then, in
//    Read Committed, applies its operation "to the updated version of the row" (PostgreSQL docs,
//    13.2.1 Read Committed Isolation Level: UPDATE, DELETE, SELECT FOR UPDATE). So B's FOR UPDATE
//    returns A's head even though B's statement snapshot predates A's commit: the wait is not
//    answered from a snapshot. (In Repeatable Read or Serializable the same wait ends with a
//    serialization failure, 40001, and the caller retries: never a stale head.)
// 2. A is visible to every new snapshot before B stops waiting. In CommitTransaction()
//    (src/backend/access/transam/xact.c) PostgreSQL calls RecordTransactionCommit() (clog, WAL),
//    then ProcArrayEndTransaction() — "Let others know about no transaction in progress by me.
//    Note that this must be done _before_ releasing locks we hold and _after_
//    RecordTransactionCommit" — and only then ResourceOwnerRelease(..., RESOURCE_RELEASE_LOCKS),
//    "at the point where any backend waiting for us will see our transaction as being fully
//    cleaned up". B's wait on the row is a wait on A's transaction lock, released there.
// 3. Hence A left the ProcArray (became visible) before B held the lock, B commits after that, and
//    B becomes visible only at its own ProcArrayEndTransaction: commit order = seq order. A reader
//    snapshot that sees B was taken after B left the ProcArray, so after A did: it sees A too. No
//    snapshot holds N+1 without N; an aborted B leaves no row and its seqs are taken again.
// 4. NOTIFY: pg_notify is queued in PreCommit_Notify() under a lock "that we hold till after
//    commit. This ensures that queue entries appear in commit order" (src/backend/commands/async.c),
//    and notifications of a transaction that does not commit are never delivered (docs, NOTIFY).
//    A listener that reads after a notification therefore finds every seq up to the notified one.
//
// Consequences for callers: appendInTx must run on the caller's open transaction, as its last
// statements before COMMIT (the head lock serialises every appender until that COMMIT, so work
// after it lengthens everyone's wait), in Read Committed (or retry on 40001).
import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  nextRecord,
  rowToRecord,
  type AppendInput,
  type EventFilter,
  type EventRecord,
  type LogHead,
} from '../../live/event-log.js';

/** What rowToRecord maps; node-postgres hands bigint columns over as strings, so seq and at are converted first. */
type StoredRow = Parameters<typeof rowToRecord>[0];
type PgEventRow = Omit<StoredRow, 'seq' | 'at'> & { seq: string | number; at: string | number };

function toRecord(row: PgEventRow): EventRecord {
  return rowToRecord({ ...row, seq: Number(row.seq), at: Number(row.at) });
}

/** A short hex digest of a schema name: channel names and prepared statement names must be identifiers under 64 bytes. */
export function schemaTag(schema: string, purpose: string): string {
  return createHash('sha256').update(`eventday:${purpose}:${schema}`).digest('hex').slice(0, 24);
}

/** The NOTIFY channel of a schema's log, so that logs in different schemas (tests, tenants) never wake each other. */
export function logChannel(schema: string): string {
  return `eventday_log_${schemaTag(schema, 'log')}`;
}

export class PgEventLog {
  readonly channel: string;
  private readonly events: string;
  private readonly eventHead: string;
  private readonly tag: string;

  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
  ) {
    this.channel = logChannel(schema);
    this.tag = schemaTag(schema, 'stmt');
    // Qualified names, so the log does not depend on the connection's search_path.
    const ns = pg.escapeIdentifier(schema);
    this.events = `${ns}.events`;
    this.eventHead = `${ns}.event_head`;
  }

  /**
   * Appends `inputs` on the caller's transaction (BEGIN already sent), as its last statements
   * before COMMIT: locks the head (see the top of this file), chains, inserts every row in one
   * statement, moves the head and queues the NOTIFY that commit delivers.
   */
  async appendInTx(client: pg.PoolClient, epoch: string, inputs: readonly AppendInput[]): Promise<EventRecord[]> {
    if (inputs.length === 0) return [];
    const locked = await client.query<{ seq: string; hash: string }>({
      name: `eventday_head_${this.tag}`,
      text: `SELECT seq, hash FROM ${this.eventHead} WHERE id = 1 FOR UPDATE`,
    });
    const headRow = locked.rows[0];
    if (headRow === undefined) throw new Error(`${this.eventHead} has no row 1: the migrations did not seed it`);
    let previous: LogHead = { seq: Number(headRow.seq), hash: headRow.hash };
    const records: EventRecord[] = [];
    // Column arrays for unnest: one statement inserts the whole batch.
    const cols = {
      seq: [] as number[],
      at: [] as number[],
      topic: [] as string[],
      name: [] as string[],
      visibility: [] as string[],
      actor: [] as (string | null)[],
      rooms: [] as (string | null)[],
      payload: [] as string[],
      digest: [] as string[],
      hash: [] as string[],
    };
    for (const input of inputs) {
      const { record, digest, hash } = nextRecord(previous, epoch, input);
      records.push(record);
      cols.seq.push(record.seq);
      cols.at.push(record.at);
      cols.topic.push(record.topic);
      cols.name.push(record.name);
      cols.visibility.push(record.visibility);
      cols.actor.push(record.actorDeviceId);
      cols.rooms.push(record.roomIds === null ? null : JSON.stringify(record.roomIds));
      cols.payload.push(record.payloadJson);
      cols.digest.push(digest);
      cols.hash.push(hash);
      previous = { seq: record.seq, hash };
    }
    // One round trip for the rows, the head and the notification: arrays keep the statement text
    // (and so its prepared plan) the same whatever the batch size.
    await client.query({
      name: `eventday_append_${this.tag}`,
      text: `WITH inserted AS (
               INSERT INTO ${this.events} (seq, epoch, at, topic, name, visibility, actor_device_id, room_ids, payload, payload_digest, hash)
               SELECT r.seq, $2::text, r.at, r.topic, r.name, r.visibility, r.actor, r.rooms, r.payload, r.digest, r.hash
               FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
                 AS r(seq, at, topic, name, visibility, actor, rooms, payload, digest, hash)
             ), moved AS (
               UPDATE ${this.eventHead} SET seq = $13::bigint, hash = $14::text WHERE id = 1
             )
             SELECT pg_notify($1::text, $13::bigint::text)`,
      values: [
        this.channel,
        epoch,
        cols.seq,
        cols.at,
        cols.topic,
        cols.name,
        cols.visibility,
        cols.actor,
        cols.rooms,
        cols.payload,
        cols.digest,
        cols.hash,
        previous.seq,
        previous.hash,
      ],
    });
    return records;
  }

  async readAfter(since: number, limit: number): Promise<EventRecord[]> {
    const result = await this.pool.query<PgEventRow>({
      name: `eventday_after_${this.tag}`,
      text: `SELECT * FROM ${this.events} WHERE seq > $1 ORDER BY seq LIMIT $2`,
      values: [since, limit],
    });
    return result.rows.map(toRecord);
  }

  /**
   * Events after `since` with one of these names (and, given `kinds`, whose payload's `kind` is one
   * of them), oldest first. `db` is a unit of work's client when read inside one: a read waiting
   * for a second connection while the transaction holds the first could exhaust the pool.
   */
  async readNamed(since: number, limit: number, filter: EventFilter, db: pg.Pool | pg.PoolClient = this.pool): Promise<EventRecord[]> {
    const result = await db.query<PgEventRow>({
      name: `eventday_named_${this.tag}`,
      // The payload is stored as text (its exact bytes are what the chain's digest covers), so the
      // kind is read through a jsonb cast.
      text: `SELECT * FROM ${this.events}
             WHERE seq > $1 AND name = ANY($2::text[]) AND ($3::text[] IS NULL OR (payload::jsonb ->> 'kind') = ANY($3::text[]))
             ORDER BY seq LIMIT $4`,
      values: [since, filter.names, filter.kinds ?? null, limit],
    });
    return result.rows.map(toRecord);
  }

  /** The newest seq of a topic (0 when it has none). */
  async latestSeqOf(topic: string, db: pg.Pool | pg.PoolClient = this.pool): Promise<number> {
    const result = await db.query<{ seq: string | null }>({
      name: `eventday_topic_${this.tag}`,
      text: `SELECT MAX(seq) AS seq FROM ${this.events} WHERE topic = $1`,
      values: [topic],
    });
    return Number(result.rows[0]?.seq ?? 0);
  }

  /** Oldest seq still in the log (0 when empty): a client behind it cannot be replayed. */
  async oldestSeq(): Promise<number> {
    const result = await this.pool.query<{ seq: string | null }>(`SELECT MIN(seq) AS seq FROM ${this.events}`);
    return Number(result.rows[0]?.seq ?? 0);
  }

  /** The committed head: the last seq and hash (seq 0 and the genesis hash for an empty log). */
  async head(db: pg.Pool | pg.PoolClient = this.pool): Promise<LogHead> {
    const result = await db.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${this.eventHead} WHERE id = 1`);
    const row = result.rows[0];
    if (row === undefined) throw new Error(`${this.eventHead} has no row 1: the migrations did not seed it`);
    return { seq: Number(row.seq), hash: row.hash };
  }
}

/**
 * Runs `fn` in one transaction on a pooled client: COMMIT when it resolves, ROLLBACK when it
 * throws. A client whose ROLLBACK fails is destroyed rather than returned to the pool half-open.
 * A COMMIT that fails on a broken connection leaves the outcome unknown: the caller learns it
 * from the log (its events are there or not), never from this error.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const value = await fn(client);
    await client.query('COMMIT');
    return value;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
