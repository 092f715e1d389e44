// Test helper: an app on a fresh SQLite file in a temp folder, a pinned clock, devices per role, and live clients.
import path from 'node:path';
import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { pgExec, pgTestUrl } from './pg.js';
import type { SqliteAppStore } from '../src/app/store.js';
import { Writer } from '../src/store/sqlite/writer.js';
import { buildApp, type Deps } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import type { Role } from '../src/core/vocabulary.js';
import { createLogger } from '../src/logger.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestClock {
  now: number;
  (): number;
  set(ms: number): void;
  advance(ms: number): void;
}

export function testClock(start = Date.parse('2026-02-15T08:00:00Z')): TestClock {
  const clock = (() => clock.now) as TestClock;
  clock.now = start;
  clock.set = (ms) => {
    clock.now = ms;
  };
  clock.advance = (ms) => {
    clock.now += ms;
  };
  return clock;
}

export interface Built {
  app: FastifyInstance;
  config: Config;
  dir: string;
  tokens: Record<Role, string>;
  auth: (role: Role) => { authorization: string };
}

/**
 * The store the apps of this run are built on: EVENTDAY_TEST_STORE=postgres puts each test's app on
 * a PostgreSQL schema of its own (on EVENTDAY_TEST_DB's server), so the suite runs on both adapters.
 */
export function testStore(): 'sqlite' | 'postgres' {
  return process.env.EVENTDAY_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
}

/** One schema per test folder: an app built again on the same `dir` (a restart) finds its data. */
const schemas = new Map<string, string>();

async function pgEnvFor(t: Test, dir: string): Promise<Record<string, string>> {
  let schema = schemas.get(dir);
  if (schema === undefined) {
    schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
    schemas.set(dir, schema);
    await pgExec(`CREATE SCHEMA ${schema}`);
    // Registered before the app's close: tap runs teardowns last in, first out, so the schema goes after the app.
    t.teardown(async () => {
      await pgExec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });
  }
  return { EVENTDAY_DB: pgTestUrl(), EVENTDAY_PG_SCHEMA: schema, EVENTDAY_PG_POOL: '4' };
}

export async function build(
  t: Test,
  opts: { env?: Record<string, string>; deps?: Deps; dir?: string; close?: boolean; store?: 'sqlite' | 'postgres' } = {},
): Promise<Built> {
  const dir = opts.dir ?? t.testdir();
  const onPg = (opts.store ?? testStore()) === 'postgres';
  const config = loadConfig({
    EVENTDAY_DB: path.join(dir, 'eventday.db'),
    EVENTDAY_KEY_DIR: path.join(dir, 'keys'),
    EVENTDAY_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ...(onPg ? await pgEnvFor(t, dir) : {}),
    ...opts.env,
  });
  const app = await buildApp(config, { logger: createLogger('silent'), ...opts.deps });
  if (opts.close !== false) t.teardown(() => app.close());
  // A test that closes the app itself and fails before it does must not leave a pool or a listener holding the process open.
  else t.teardown(() => app.close().catch(() => undefined));
  const tokens = { admin: ADMIN_TOKEN } as Record<Role, string>;
  for (const role of ['ops', 'desk', 'door', 'kiosk'] as const) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/devices',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { name: `${role} device`, role },
    });
    tokens[role] = res.json().token;
  }
  return { app, config, dir, tokens, auth: (role) => ({ authorization: `Bearer ${tokens[role]}` }) };
}

/** A real `ws` client on a real port that records every message and the close code. */
export interface LiveClient {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
  next(predicate?: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function liveClient(url: string, options: WebSocket.ClientOptions & { protocols?: string[] } = {}): LiveClient {
  const { protocols, ...rest } = options;
  const ws = new WebSocket(url, protocols ?? [], rest);
  const messages: Record<string, unknown>[] = [];
  const waiters: { predicate: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  let cursor = 0;
  ws.on('message', (data) => {
    const message = JSON.parse((data as Buffer).toString()) as Record<string, unknown>;
    messages.push(message);
    for (const w of [...waiters]) {
      if (w.predicate(message)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(message);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
    ws.on('error', reject);
  });
  return {
    ws,
    messages,
    closed,
    opened,
    next(predicate = () => true, timeoutMs = 3_000) {
      for (let i = cursor; i < messages.length; i++) {
        if (predicate(messages[i]!)) {
          cursor = i + 1;
          return Promise.resolve(messages[i]!);
        }
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for a live message')), timeoutMs);
        waiters.push({
          predicate,
          resolve: (m) => {
            clearTimeout(timer);
            cursor = messages.length;
            resolve(m);
          },
        });
      });
    },
  };
}

export async function listen(app: FastifyInstance): Promise<{ base: string; ws: string }> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { base: `http://127.0.0.1:${address.port}`, ws: `ws://127.0.0.1:${address.port}` };
}

/** The SQLite store under an app, for tests about the file itself (pragmas, the chain, backups); such a test builds with `store: 'sqlite'`. */
export function sqliteOf(app: FastifyInstance): SqliteAppStore {
  if (app.store.kind !== 'sqlite') throw new Error('this test reads the SQLite file itself: build its app with { store: "sqlite" }');
  return app.store;
}

/** SQLite's Writer under an app, whose synchronous run() puts fixtures in place in one step. */
export function sqliteWriter(app: FastifyInstance): Writer {
  if (!(app.writer instanceof Writer)) throw new Error('this test writes through SQLite\'s Writer: build its app with { store: "sqlite" }');
  return app.writer;
}

/** Raw SQL on whichever store the app runs on, for a test's own checks: `?` placeholders, rows as plain objects (bigints as numbers). */
export interface StoreSql {
  all<R = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<R[]>;
  get<R = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<R | undefined>;
  run(sql: string, ...params: unknown[]): Promise<void>;
}

export function storeSql(app: FastifyInstance): StoreSql {
  const store = app.store;
  const all = async <R,>(sql: string, ...params: unknown[]): Promise<R[]> => {
    if (store.kind === 'sqlite') {
      const stmt = store.sqlite.prepare(sql);
      return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as R[];
    }
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    return (await store.pg.pool.query(text, params)).rows as R[];
  };
  return {
    all,
    get: async <R,>(sql: string, ...params: unknown[]) => (await all<R>(sql, ...params))[0],
    run: async (sql, ...params) => {
      await all(sql, ...params);
    },
  };
}
