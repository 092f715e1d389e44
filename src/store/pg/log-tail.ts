// Tails a PostgreSQL event log for one node: LISTEN wakes it, a poll backs it up, and it hands on every seq once, in order.
//
// A notification only says "look again": what is delivered is always read from the table after the
// last seq delivered, so a lost notification (the listening connection dropped, a reconnect) costs
// at most one poll interval, never an event. Commit order equals seq order (event-log.ts), so the
// rows after `lastSeq` that a read sees are always a gap-free run; a gap can only mean rows removed
// from the table (retention, an operator's DELETE), and the tail then stops at it and re-reads
// rather than skip a seq.
import pg from 'pg';
import type { EventRecord } from '../../live/event-log.js';
import type { PgEventLog } from './event-log.js';

export interface LogTailOptions {
  log: PgEventLog;
  /** The dedicated listening connection (never a pooled one: a pool hands its clients to others). */
  connection: pg.ClientConfig;
  /** Called with consecutive records, oldest first; the next batch waits for a returned promise. */
  onEvents: (records: EventRecord[]) => void | Promise<void>;
  onError?: (err: Error) => void;
  /** The safety-net read, for notifications lost while the listener was away. */
  pollMs?: number;
  /** Rows per read. */
  batch?: number;
  /** Reconnect delay after the listener fails, doubled per failure up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** The rows after `expected - 1` do not start at `expected`: nothing past the hole is delivered. */
export class LogGapError extends Error {
  constructor(
    readonly expected: number,
    readonly found: number,
  ) {
    super(`event log gap: expected seq ${expected}, read ${found}; re-reading instead of delivering`);
    this.name = 'LogGapError';
  }
}

export class LogTail {
  private last = 0;
  private running = false;
  private client: pg.Client | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  /** The read in flight (one at a time), and whether a wake-up arrived while it ran. */
  private draining: Promise<void> | null = null;
  private again = false;
  /** The gap last reported, so a hole that persists is reported once, not every poll. */
  private reportedGap: number | null = null;
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: LogTailOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.batch = options.batch ?? 1000;
    this.minBackoffMs = options.minBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.backoffMs = this.minBackoffMs;
  }

  /** The last seq handed to onEvents: where a restarted tail resumes. */
  get lastSeq(): number {
    return this.last;
  }

  /** Listens, then catches up from `fromSeq`; resolves once listening (or once the first attempt failed and a retry is scheduled). */
  async start(fromSeq: number): Promise<void> {
    if (this.running) throw new Error('LogTail already started');
    this.running = true;
    this.last = fromSeq;
    this.pollTimer = setInterval(() => this.wake(), this.pollMs);
    await this.connect();
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.pollTimer = null;
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    await this.draining;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.options.connection, keepAlive: true });
    const lost = (err: Error): void => this.lose(client, err);
    client.on('error', lost);
    client.on('end', () => lost(new Error('log tail: listening connection ended')));
    client.on('notification', (message) => {
      // The payload is the notifier's last seq: nothing to read when we are already past it.
      const seq = Number(message.payload);
      if (!Number.isFinite(seq) || seq > this.last) this.wake();
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.options.log.channel)}`);
    } catch (err) {
      this.lose(client, err as Error);
      return;
    }
    if (this.client !== client) {
      // Stopped (or replaced) while connecting.
      await client.end().catch(() => undefined);
      return;
    }
    this.backoffMs = this.minBackoffMs;
    // Rows committed while no one listened carried notifications we never got: read once now.
    this.wake();
  }

  /** The listener failed or ended: report it, drop it, and listen again after a backoff (reads resume from lastSeq). */
  private lose(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    if (!this.running) return;
    this.report(err);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running) void this.connect();
    }, delay);
  }

  private wake(): void {
    if (!this.running) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = null;
    });
  }

  /** Reads until a read comes back empty (or short of a gap), then once more if woken meanwhile. */
  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        while (this.running && (await this.readOnce())) {
          // Each full read may have more behind it.
        }
      } catch (err) {
        // The next notification or poll retries from the same lastSeq.
        this.report(err as Error);
        return;
      }
    } while (this.again && this.running);
  }

  /** One read and delivery; true when there may be more to read right away. */
  private async readOnce(): Promise<boolean> {
    const records = await this.options.log.readAfter(this.last, this.batch);
    if (records.length === 0) return false;
    let run = 0;
    while (run < records.length && records[run]!.seq === this.last + run + 1) run += 1;
    if (run === 0) {
      const found = records[0]!.seq;
      if (this.reportedGap !== found) {
        this.reportedGap = found;
        this.report(new LogGapError(this.last + 1, found));
      }
      return false;
    }
    this.reportedGap = null;
    const delivered = run === records.length ? records : records.slice(0, run);
    // Advanced before the handler runs, so a handler that throws is never handed the same seqs again.
    this.last = delivered[delivered.length - 1]!.seq;
    try {
      await this.options.onEvents(delivered);
    } catch (err) {
      this.report(err as Error);
    }
    // Short of a gap: read again at once, so the gap is reported now rather than at the next poll.
    return run < records.length || run === this.batch;
  }

  private report(err: Error): void {
    this.options.onError?.(err);
  }
}
