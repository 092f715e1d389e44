// Budgets every node counts against together: a fixed window per key in PostgreSQL, one atomic upsert per hit, and a @fastify/rate-limit store on top.
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type pg from 'pg';
import type { FailureBudget } from '../../services/checkins.js';
import { awaited } from '../op.js';

export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window ends. */
  ttlMs: number;
}

/**
 * Counts one hit of `key` in the window of `windowMs` that holds `now`. Windows are aligned on
 * multiples of their length, so every node agrees on which window a hit is in without talking to
 * the others; the upsert takes the row's lock, so hits from every node add up exactly.
 */
export async function hitWindow(pool: pg.Pool, key: string, windowMs: number, now: number): Promise<WindowCount> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const { rows } = await pool.query<{ count: number }>({
    name: 'rate_window_hit',
    text: `INSERT INTO rate_windows AS w (key, window_start, window_ms, count) VALUES ($1, $2, $3, 1)
           ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN w.window_start = EXCLUDED.window_start THEN w.count + 1 ELSE 1 END,
             window_start = EXCLUDED.window_start,
             window_ms = EXCLUDED.window_ms
           RETURNING count`,
    values: [key, windowStart, windowMs],
  });
  return { count: rows[0]!.count, ttlMs: windowStart + windowMs - now };
}

/** Drops the rows of windows that have ended (a leader job): what keeps the table as small as the devices active now. */
export async function pruneWindows(pool: pg.Pool, now: number): Promise<number> {
  const { rowCount } = await pool.query({ name: 'rate_window_prune', text: 'DELETE FROM rate_windows WHERE window_start + window_ms <= $1', values: [now] });
  return rowCount ?? 0;
}

class PgRateLimitStore implements FastifyRateLimitStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: () => number,
    private readonly prefix: string,
  ) {}

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
    hitWindow(this.pool, `${this.prefix}${key}`, timeWindow, this.clock()).then(
      (hit) => callback(null, { current: hit.count, ttl: hit.ttlMs }),
      (err: Error) => callback(err),
    );
  }

  /**
   * Each route counts under its own prefix, as the plugin's own stores do. The plugin passes the
   * route's merged limit options with the route under `routeInfo` (its RedisStore reads it there),
   * whatever its type declarations say.
   */
  child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    const route = (routeOptions as unknown as { routeInfo: { method: string | string[]; url: string } }).routeInfo;
    return new PgRateLimitStore(this.pool, this.clock, `rate:${String(route.method)} ${route.url}:`);
  }
}

/** A @fastify/rate-limit store class on `rate_windows` (the plugin constructs it): a route's limit holds for a device across all nodes. */
export function pgRateLimitStore(pool: pg.Pool, clock: () => number): FastifyRateLimitStoreCtor {
  return class extends PgRateLimitStore {
    constructor() {
      super(pool, clock, 'rate:global:');
    }
  };
}

/** The count of `key` in the window that holds `now`, without counting a hit. */
export async function peekWindow(pool: pg.Pool, key: string, windowMs: number, now: number): Promise<WindowCount> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const { rows } = await pool.query<{ count: number }>({
    name: 'rate_window_peek',
    text: 'SELECT count FROM rate_windows WHERE key = $1 AND window_start = $2',
    values: [key, windowStart],
  });
  return { count: rows[0]?.count ?? 0, ttlMs: windowStart + windowMs - now };
}

/**
 * The failed-scan budget of every node together: a fixed window per device in `rate_windows`.
 * Its statements run on the pool beside the scan's transaction: a failed scan is counted whether
 * or not anything else commits, and two nodes checking at the same instant may each let one more through.
 */
export function pgFailureBudget(pool: pg.Pool, limit: number, windowMs: number): FailureBudget {
  const key = (deviceId: string): string => `failed-scans:${deviceId}`;
  return {
    *exhausted(deviceId, now) {
      const window = yield* awaited(peekWindow(pool, key(deviceId), windowMs, now));
      return window.count < limit ? null : Math.max(1, Math.ceil(window.ttlMs / 1000));
    },
    *record(deviceId, now) {
      yield* awaited(hitWindow(pool, key(deviceId), windowMs, now));
    },
  };
}
