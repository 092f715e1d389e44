// Leader election among nodes sharing one PostgreSQL database: whoever holds a session advisory lock runs the jobs.
//
// The lock lives as long as the session of a dedicated connection. When the leader's process dies
// (even by SIGKILL) its kernel closes the socket, the backend sees end-of-file and exits, and
// PostgreSQL releases the session's advisory locks: the next node's try (every `retryMs`) takes it.
//
// When the leader's machine vanishes without closing the socket (power cut, cable, a frozen VM)
// no end-of-file ever arrives, and TCP keepalive on the server side would take the operating
// system's default (hours) to notice. So the leader's session sets `idle_session_timeout`: the
// leader runs a heartbeat every `retryMs`, and a session that has been silent for
// `sessionTimeoutMs` is ended by the server, which frees the lock for another node. Keepalive on
// our side (`keepAlive: true`) lets the leader's own socket fail when the server is the one that
// vanished.
//
// A leader that loses the lock must stop its jobs before another node can start them. onChange(false)
// fires as soon as a heartbeat fails or the connection errors or ends, before any reconnect; a
// heartbeat times out after sessionTimeoutMs / 2, and retryMs < sessionTimeoutMs / 2, so a cut-off
// leader steps down before the server ends its session. `isLeader` is also a lease: it turns false
// once no heartbeat has succeeded for sessionTimeoutMs / 2, which covers a leader whose event loop
// stalled and whose timers would fire before the connection's error is processed. Jobs should check
// `isLeader` before each run.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

export interface LeaderOptions {
  /** The dedicated connection that holds the lock (never a pooled one: the lock belongs to the session). */
  connection: pg.ClientConfig;
  /** Schema of the store: nodes on the same schema elect one leader; other schemas (tests) never contend. */
  schema: string;
  onChange?: (isLeader: boolean) => void;
  onError?: (err: Error) => void;
  /** How often a follower tries the lock, and a leader sends its heartbeat. */
  retryMs?: number;
  /** The leader session's idle_session_timeout: how long a vanished leader keeps the lock. */
  sessionTimeoutMs?: number;
}

/** The advisory lock key for a schema: 64 bits of a digest of its name, as the signed bigint PostgreSQL takes. */
export function leaderKey(schema: string): string {
  const digest = createHash('sha256').update(`eventday:leader:${schema}`).digest('hex');
  return BigInt.asIntN(64, BigInt(`0x${digest.slice(0, 16)}`)).toString();
}

export class LeaderElection {
  private held = false;
  /** When a lock query or heartbeat last succeeded (monotonic ms): the lease behind `isLeader`. */
  private confirmedAt = 0;
  private running = false;
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly key: string;
  private readonly retryMs: number;
  private readonly sessionTimeoutMs: number;

  constructor(private readonly options: LeaderOptions) {
    this.key = leaderKey(options.schema);
    this.retryMs = options.retryMs ?? 1000;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    if (this.retryMs >= this.sessionTimeoutMs / 2) {
      throw new Error('LeaderElection: retryMs must be under sessionTimeoutMs / 2, or a cut-off leader could outlive its lock');
    }
  }

  get isLeader(): boolean {
    return this.held && performance.now() - this.confirmedAt < this.sessionTimeoutMs / 2;
  }

  /** Starts trying for the lock at once, then every retryMs. */
  start(): void {
    if (this.running) throw new Error('LeaderElection already started');
    this.running = true;
    this.schedule(0);
  }

  /** Steps down (onChange(false) before the lock is released), unlocks and closes the connection. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    const client = this.client;
    this.client = null;
    if (this.held) {
      this.stepDown();
      await client?.query('SELECT pg_advisory_unlock($1::bigint)', [this.key]).catch(() => undefined);
    }
    await client?.end().catch(() => undefined);
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        if (this.running) this.schedule(this.retryMs);
      });
    }, delay);
  }

  private async tick(): Promise<void> {
    const client = this.client ?? (await this.connect());
    if (client === null || !this.running) return;
    try {
      if (this.held) {
        await client.query('SELECT 1');
        this.confirmedAt = performance.now();
        return;
      }
      const result = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [this.key]);
      if (result.rows[0]?.ok === true && this.client === client) {
        this.held = true;
        this.confirmedAt = performance.now();
        this.options.onChange?.(true);
      }
    } catch (err) {
      // Whatever state the session is in (a timed-out try may still have taken the lock), it is
      // dropped: ending it releases anything it holds.
      this.lose(client, err as Error);
    }
  }

  private async connect(): Promise<pg.Client | null> {
    const client = new pg.Client({
      ...this.options.connection,
      keepAlive: true,
      query_timeout: this.sessionTimeoutMs / 2,
    });
    client.on('error', (err) => this.lose(client, err));
    client.on('end', () => this.lose(client, new Error('leader election: connection ended')));
    this.client = client;
    try {
      await client.connect();
      await client.query("SELECT set_config('idle_session_timeout', $1, false)", [String(this.sessionTimeoutMs)]);
    } catch (err) {
      this.lose(client, err as Error);
      return null;
    }
    return this.client === client ? client : null;
  }

  /** The connection failed or ended: no longer leader at once (callback first), then a fresh connection at the next try. */
  private lose(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.held) this.stepDown();
    client.end().catch(() => undefined);
    if (this.running) this.options.onError?.(err);
  }

  private stepDown(): void {
    this.held = false;
    this.options.onChange?.(false);
  }
}
