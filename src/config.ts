// Environment → typed configuration: every default in one place, validated once at start.
import { z } from 'zod';
import { normalizeTimeZone } from './core/time.js';

const csv = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0));

const isTimeZone = (tz: string): boolean => normalizeTimeZone(tz) !== null;

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  EVENTDAY_DB: z.string().min(1).default('./data/eventday.db'),
  EVENTDAY_PG_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/u, 'lower-case letters, digits and _, starting with a letter or _')
    .default('public'),
  EVENTDAY_PG_POOL: z.coerce.number().int().min(2).max(200).default(10),
  EVENTDAY_KEY_DIR: z.string().min(1).default('./data/keys'),
  EVENTDAY_ADMIN_TOKEN: z.string().min(16, 'EVENTDAY_ADMIN_TOKEN must be at least 16 characters').optional(),
  EVENTDAY_ALLOWED_ORIGINS: csv,
  EVENTDAY_TIMEZONE: z.string().default('Europe/Amsterdam').refine(isTimeZone, 'not an IANA time zone'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EVENTDAY_WS_MAX_BUFFERED: z.coerce.number().int().positive().default(1024 * 1024),
  EVENTDAY_WS_PING_MS: z.coerce.number().int().positive().default(25_000),
  EVENTDAY_WS_MAX_PER_DEVICE: z.coerce.number().int().positive().default(8),
  EVENTDAY_PUBLIC_ORIGIN: csv.refine((list) => list.every((o) => URL.canParse(o)), 'a comma list of origins such as https://event.example.org'),
  EVENTDAY_REPLAY_MAX_EVENTS: z.coerce.number().int().positive().default(5_000),
  EVENTDAY_BODY_LIMIT: z.coerce.number().int().positive().default(1024 * 1024),
  EVENTDAY_DRAIN_MS: z.coerce.number().int().min(0).default(5_000),
  EVENTDAY_PUBLIC_SCHEDULE: z
    .enum(['true', 'false', 'on', 'off', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === 'on' || v === '1'),
  EVENTDAY_PUBLIC_RESTRICTED: z.enum(['hidden', 'listed']).default('hidden'),
  EVENTDAY_TRUSTED_PROXIES: csv,
  EVENTDAY_FEED_RATE_LIMIT: z.coerce.number().int().positive().default(2_000),
});

/** Where the data lives: an SQLite file (the default, one node) or a PostgreSQL database that several nodes share. */
export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | {
      kind: 'postgres';
      url: string;
      /** The schema holding eventday's tables; nodes of one event share it. */
      schema: string;
      /** Connections in this node's pool (the log tail and the leader election hold one more each). */
      poolSize: number;
    };

export interface Config {
  port: number;
  host: string;
  database: DatabaseConfig;
  /** EVENTDAY_DB as given: the SQLite file, or the PostgreSQL URL; the audit checkpoint file is named after it. */
  dbFile: string;
  /** Private keys (badge signing, audit checkpoints) and the checkpoint files: outside the database, 0700. */
  keyDir: string;
  adminToken: string | undefined;
  allowedOrigins: string[];
  timeZone: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Unsent bytes past which a live socket is closed with 4008. */
  wsMaxBuffered: number;
  wsPingIntervalMs: number;
  /** Live sockets one device may hold; one more closes its oldest with 4029. */
  wsMaxPerDevice: number;
  /**
   * The origins browsers reach the service at, for the WebSocket Origin check; empty means
   * http://localhost:<port> and http://127.0.0.1:<port> of the port actually listened on.
   */
  publicOrigins: string[];
  /** A client further behind than this many events gets a snapshot instead of a replay. */
  replayMaxEvents: number;
  bodyLimit: number;
  /** After SIGTERM, how long /readyz answers 503 while everything else still serves, before the listener closes. */
  drainMs: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  /** The schedule feeds (schedule.json/.xml/.ics, /now, /changes) answer without a token. */
  publicSchedule: boolean;
  /** Closed-door sessions on public surfaces (anonymous feeds, kiosks): left out, or listed without their room. */
  publicRestricted: PublicRestricted;
  /** Addresses or CIDR ranges of the proxies whose X-Forwarded-For is believed (client address for rate limits and logs). */
  trustedProxies: string[];
  /** Requests a minute to the public feeds: per client address without a token, per device with one. */
  feedRateLimit: { anonymousPerMinute: number; devicePerMinute: number };
}

export type PublicRestricted = 'hidden' | 'listed';

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${detail}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    database: /^postgres(ql)?:\/\//u.test(e.EVENTDAY_DB)
      ? { kind: 'postgres', url: e.EVENTDAY_DB, schema: e.EVENTDAY_PG_SCHEMA, poolSize: e.EVENTDAY_PG_POOL }
      : { kind: 'sqlite', file: e.EVENTDAY_DB },
    dbFile: e.EVENTDAY_DB,
    keyDir: e.EVENTDAY_KEY_DIR,
    adminToken: e.EVENTDAY_ADMIN_TOKEN,
    allowedOrigins: e.EVENTDAY_ALLOWED_ORIGINS,
    timeZone: e.EVENTDAY_TIMEZONE,
    logLevel: e.LOG_LEVEL,
    wsMaxBuffered: e.EVENTDAY_WS_MAX_BUFFERED,
    wsPingIntervalMs: e.EVENTDAY_WS_PING_MS,
    wsMaxPerDevice: e.EVENTDAY_WS_MAX_PER_DEVICE,
    publicOrigins: e.EVENTDAY_PUBLIC_ORIGIN.map((o) => new URL(o).origin),
    replayMaxEvents: e.EVENTDAY_REPLAY_MAX_EVENTS,
    bodyLimit: e.EVENTDAY_BODY_LIMIT,
    drainMs: e.EVENTDAY_DRAIN_MS,
    requestTimeoutMs: 30_000,
    headersTimeoutMs: 15_000,
    publicSchedule: e.EVENTDAY_PUBLIC_SCHEDULE,
    publicRestricted: e.EVENTDAY_PUBLIC_RESTRICTED,
    trustedProxies: e.EVENTDAY_TRUSTED_PROXIES,
    feedRateLimit: { anonymousPerMinute: e.EVENTDAY_FEED_RATE_LIMIT, devicePerMinute: 600 },
  };
}
