// Environment → typed configuration: every default in one place, validated once at start.
import { z } from 'zod';

const csv = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0));

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  EVENTDAY_DB: z.string().min(1).default('./data/eventday.db'),
  EVENTDAY_ADMIN_TOKEN: z.string().min(16, 'EVENTDAY_ADMIN_TOKEN must be at least 16 characters').optional(),
  EVENTDAY_ALLOWED_ORIGINS: csv,
  EVENTDAY_TIMEZONE: z.string().default('Europe/Amsterdam').refine(isTimeZone, 'not an IANA time zone'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EVENTDAY_WS_MAX_BUFFERED: z.coerce.number().int().positive().default(1024 * 1024),
  EVENTDAY_WS_PING_MS: z.coerce.number().int().positive().default(25_000),
  EVENTDAY_REPLAY_MAX_EVENTS: z.coerce.number().int().positive().default(5_000),
  EVENTDAY_BODY_LIMIT: z.coerce.number().int().positive().default(1024 * 1024),
});

export interface Config {
  port: number;
  host: string;
  dbFile: string;
  adminToken: string | undefined;
  allowedOrigins: string[];
  timeZone: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Unsent bytes past which a live socket is closed with 4008. */
  wsMaxBuffered: number;
  wsPingIntervalMs: number;
  /** A client further behind than this many events gets a snapshot instead of a replay. */
  replayMaxEvents: number;
  bodyLimit: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
}

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
    dbFile: e.EVENTDAY_DB,
    adminToken: e.EVENTDAY_ADMIN_TOKEN,
    allowedOrigins: e.EVENTDAY_ALLOWED_ORIGINS,
    timeZone: e.EVENTDAY_TIMEZONE,
    logLevel: e.LOG_LEVEL,
    wsMaxBuffered: e.EVENTDAY_WS_MAX_BUFFERED,
    wsPingIntervalMs: e.EVENTDAY_WS_PING_MS,
    replayMaxEvents: e.EVENTDAY_REPLAY_MAX_EVENTS,
    bodyLimit: e.EVENTDAY_BODY_LIMIT,
    requestTimeoutMs: 30_000,
    headersTimeoutMs: 15_000,
  };
}
