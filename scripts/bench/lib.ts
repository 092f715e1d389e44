// Shared pieces of the benchmarks: the figures against the goals (read by npm run bench), and for fan-out the wall clock, the bench marker in messages, a latency histogram and a tiny IPC RPC.
import type { ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';

/** One figure of a benchmark against its goal (issue 15), as `npm run bench` prints it. */
export interface Figure {
  figure: string;
  value: number;
  unit: string;
  /** The goal as printed, with its unit: `< 2 ms`, `≥ 1.5×`. */
  goal: string;
  met: boolean;
}

/** Appends the figures to `file` as JSON lines, if one was given (`--json FILE`); npm run bench reads them. */
export function report(file: string | null | undefined, figures: Figure[]): void {
  if (!file) return;
  appendFileSync(file, figures.map((f) => `${JSON.stringify(f)}\n`).join(''));
}

/** Wall time in ms with sub-ms precision; comparable across processes on one machine. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** Every benchmark message carries `bench|<phase>|<index>|<stamp ms>|` in its announcement text. */
export const MARK = 'bench|';

export function benchText(phase: number, index: number, stamp: number): string {
  return `${MARK}${phase}|${index}|${stamp.toFixed(4)}|`;
}

export interface Parsed {
  phase: number;
  index: number;
  stamp: number;
}

/** Reads the marker straight from the frame bytes: no JSON.parse per message on the client side. */
export function parseMark(data: Buffer): Parsed | null {
  const at = data.indexOf(MARK);
  if (at < 0) return null;
  const start = at + MARK.length;
  const a = data.indexOf(124, start); // '|'
  const b = a < 0 ? -1 : data.indexOf(124, a + 1);
  const c = b < 0 ? -1 : data.indexOf(124, b + 1);
  if (c < 0) return null;
  return {
    phase: Number(data.toString('latin1', start, a)),
    index: Number(data.toString('latin1', a + 1, b)),
    stamp: Number(data.toString('latin1', b + 1, c)),
  };
}

const RATIO = 1.01;
const LN_RATIO = Math.log(RATIO);
const BUCKETS = 2200; // 1.01^2200 µs ≈ 3.2e9 µs: far past any drain timeout

/** Log-bucketed latency histogram (1 % wide buckets, in µs) that merges across processes. */
export class Histogram {
  counts = new Float64Array(BUCKETS);
  total = 0;
  max = 0;

  addMs(ms: number): void {
    const us = ms * 1000;
    const i = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / LN_RATIO));
    this.counts[i]! += 1;
    this.total += 1;
    if (ms > this.max) this.max = ms;
  }

  toWire(): HistWire {
    const pairs: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) pairs.push([i, this.counts[i]!]);
    return { pairs, total: this.total, max: this.max };
  }

  merge(w: HistWire): void {
    for (const [i, c] of w.pairs) this.counts[i]! += c;
    this.total += w.total;
    if (w.max > this.max) this.max = w.max;
  }

  /** The p-quantile in ms, counting `missing` samples as infinitely late (undelivered messages). */
  quantile(p: number, missing = 0): number {
    const n = this.total + missing;
    if (n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(p * n));
    if (rank > this.total) return Number.POSITIVE_INFINITY;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(RATIO ** i / 1000, this.max);
    }
    return this.max;
  }
}

export interface HistWire {
  pairs: [number, number][];
  total: number;
  max: number;
}

/** Request/response over a forked child's IPC channel; every call has a deadline. */
export class Rpc {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly unsolicited: Record<string, unknown>[] = [];
  private waiters: { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  private exited: Error | null = null;

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    child.on('message', (raw) => {
      const m = raw as { id?: number; result?: unknown; error?: string } & Record<string, unknown>;
      if (typeof m.id === 'number' && this.pending.has(m.id)) {
        const p = this.pending.get(m.id)!;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.error !== undefined) p.reject(new Error(`${name}: ${m.error}`));
        else p.resolve(m.result);
        return;
      }
      const w = this.waiters.shift();
      if (w) w.resolve(m);
      else this.unsolicited.push(m);
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`${name} exited (code ${code}, signal ${signal})`);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(this.exited);
      }
      this.pending.clear();
      for (const w of this.waiters.splice(0)) w.reject(this.exited);
    });
  }

  call<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: '${cmd}' timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.send({ id, cmd, ...args });
    });
  }

  /** The next message the child sends on its own (e.g. "ready"). */
  next(timeoutMs: number): Promise<Record<string, unknown>> {
    const queued = this.unsolicited.shift();
    if (queued) return Promise.resolve(queued);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no message within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }
}

type Handler = (msg: Record<string, unknown>) => unknown;

/** Child side of Rpc: answers `{id, cmd}` messages with `{id, result}` or `{id, error}`; exits when the parent goes. */
export function serveRpc(handlers: Record<string, Handler>): void {
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.on('message', (raw) => {
    const msg = raw as { id: number; cmd: string } & Record<string, unknown>;
    const handler = handlers[msg.cmd];
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown command ${msg.cmd}`);
        const result = await handler(msg);
        process.send?.({ id: msg.id, result: result ?? null });
      } catch (err) {
        process.send?.({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}
