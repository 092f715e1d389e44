// Hostile input against every write route of the OpenAPI document with every role: no 5xx, no internals, no pollution, nothing written by a 4xx.
import { createHash } from 'node:crypto';
import t from 'tap';
import fc from '../property.js';
import WebSocket from 'ws';
import type { InjectOptions } from 'fastify';
import { build, listen, liveClient, storeSql, testClock, type Built } from '../helper.js';

/** A JSON value whose objects are entry lists, so `__proto__` and duplicate keys reach the wire as written. */
type Json = null | boolean | number | string | Json[] | { entries: [string, Json][] };

function toJson(v: Json): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(',')}}`;
}

const SPECIAL_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf', ''];
const POLLUTION: Json = { entries: [['polluted', 'yes']] };
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u0000\u0001\u0007\b\u001b[2J\r\n\t',
  '\uD800',
  '\u202Eevil\u202C',
  '🇳🇱👩🏽‍💻',
  "Robert'); DROP TABLE attendees;--",
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%2e%2e',
  '{"$gt":""}',
  'NaN',
  '-0',
  '1e309',
  '2026-02-30T25:61:00Z',
  '9999-12-31T23:59:59Z',
  'a'.repeat(5_000),
  'ß'.repeat(70_000),
];

const leaf: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, 0, 1e308, -1e308, 0.5, 2 ** 31, -(2 ** 63)),
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

function jsonTree(keys: readonly string[]): fc.Arbitrary<Json> {
  const key = fc.oneof(fc.constantFrom(...keys, ...SPECIAL_KEYS), fc.string({ maxLength: 12 }));
  return fc.letrec<{ value: Json }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.array(fc.tuple(key, tie('value')), { maxLength: 6 }).map((entries) => ({ entries })),
    ),
  })).value;
}

/** Deep nesting that JSON.parse accepts and a recursive validator might not. */
const DEEP_ARRAY = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
const DEEP_OBJECT = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;

interface RawBody {
  payload?: string;
  contentType?: string;
}

/** Fixed hostile bodies every route gets, besides the generated ones. */
const FIXED: RawBody[] = [
  {},
  { payload: '', contentType: 'application/json' },
  { payload: '{', contentType: 'application/json' },
  { payload: 'null', contentType: 'application/json' },
  { payload: '"a string"', contentType: 'application/json' },
  { payload: '{"__proto__":{"polluted":"yes"}}', contentType: 'application/json' },
  { payload: '{"constructor":{"prototype":{"polluted":"yes"}}}', contentType: 'application/json' },
  { payload: DEEP_ARRAY, contentType: 'application/json' },
  { payload: DEEP_OBJECT, contentType: 'application/json' },
  { payload: `{"x":"${'y'.repeat(1_100_000)}"}`, contentType: 'application/json' },
  { payload: 'name,organization\n\u0000,"unterminated', contentType: 'text/csv' },
  { payload: 'a=1&__proto__[polluted]=yes', contentType: 'application/x-www-form-urlencoded' },
  { payload: '{"a":1}', contentType: 'text/plain' },
  { payload: '{"a":1}', contentType: 'application/json; charset=utf-16' },
];

interface Route {
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  keys: string[];
}

const LEAK = [
  /\n\s+at\s/, // a stack frame
  /SQLITE_|sqlite3?|constraint failed|no such (table|column)/i,
  /violates [a-z -]*constraint|duplicate key value|invalid input syntax for|syntax error at or near|relation "[^"]*" does not exist/i,
  /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[\s\S]*\b(FROM|VALUES|SET|WHERE)\b/,
  /node_modules|\/work\/|\/src\/|\.ts:\d+/,
];

const TIMER_EVENTS = new Set(['checkins.stats', 'room.occupancy', 'announcement.expired', 'announcement.removed']);

/**
 * Everything a request could change, except the event log (checked on its own), PostgreSQL's
 * record of the log's head, and its rate-limit windows (counters SQLite keeps in memory).
 */
async function fingerprinter(b: Built): Promise<() => Promise<{ seq: number; state: string }>> {
  const sql = storeSql(b.app);
  const onSqlite = b.app.store.kind === 'sqlite';
  const tables = (
    await sql.all<{ name: string }>(
      onSqlite
        ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'events' AND name NOT LIKE 'attendee_search_%' OR name = 'attendee_search_docs' ORDER BY name"
        : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name NOT IN ('events', 'event_head', 'rate_windows', 'attendee_search_terms') ORDER BY table_name",
    )
  ).map((r) => r.name);
  // PostgreSQL has no rowid, and a round trip per table per request would be most of the test's time: one statement, each table's rows as sorted text.
  const everyTable = `SELECT ${tables.map((table) => `(SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') FROM "${table}" x) AS "${table}"`).join(', ')}`;
  return async () => {
    const hash = createHash('sha256');
    if (onSqlite) for (const table of tables) hash.update(table).update(JSON.stringify(await sql.all(`SELECT * FROM "${table}" ORDER BY rowid`)));
    else hash.update(JSON.stringify(await sql.get(everyTable)));
    const seq = (await sql.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM events'))!.seq ?? 0;
    return { seq, state: hash.digest('hex') };
  };
}

const prototypeKeys = (): string => JSON.stringify([Object.getOwnPropertyNames(Object.prototype).sort(), Object.getOwnPropertyNames(Array.prototype).sort()]);

t.test('hostile bodies on every write route, with every role', async (t) => {
  const b = await build(t, { deps: { clock: testClock() } });
  const doc = (await b.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
  };
  const routes: Route[] = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      const method = m.toUpperCase();
      if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT' && method !== 'DELETE') continue;
      routes.push({ method, path: p, keys: Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {}) });
    }
  }
  t.ok(routes.length >= 15, `${routes.length} write routes in the OpenAPI document`);

  // Real ids, so that hostile bodies also reach the services behind the 404 checks.
  const call = async (role: 'admin' | 'ops' | 'desk', method: 'POST', url: string, payload: object) => (await b.app.inject({ method, url, headers: b.auth(role), payload })).json();
  const room = await call('ops', 'POST', '/api/rooms', { name: 'Hostile Hall', capacity: 50 });
  const session = await call('ops', 'POST', '/api/sessions', { title: 'S', startsAt: '2026-02-15T09:00:00Z', endsAt: '2026-02-15T10:00:00Z', roomId: room.id });
  const person = await call('desk', 'POST', '/api/attendees', { name: 'Hostile Person', organization: 'Org', category: 'media' });
  const announcement = await call('ops', 'POST', '/api/announcements', { text: 'hello', severity: 'info' });
  const scan = await call('desk', 'POST', '/api/checkins', { scanId: 'hostile-scan', code: person.badge.code });
  const sacrificial = await call('admin', 'POST', '/api/devices', { name: 'spare', role: 'kiosk' });
  const idsFor = (p: string): string[] => {
    if (p.startsWith('/api/rooms/')) return [room.id];
    if (p.startsWith('/api/sessions/')) return [session.id];
    if (p.startsWith('/api/attendees/')) return [person.attendee.id];
    if (p.startsWith('/api/announcements/')) return [announcement.id];
    if (p.startsWith('/api/checkins/')) return [scan.checkin.id];
    if (p.startsWith('/api/devices/')) return [sacrificial.id];
    return [];
  };
  const hostileIds = ['nope', '..%2F..%2Fetc%2Fpasswd', '%00', 'a'.repeat(3_000), '%F0%9F%92%A9', '%ZZ', "1'%20OR%20'1'%3D'1"];

  // Valid bodies with one field swapped for a nasty string: these pass validation and reach the services.
  const bases: Record<string, Record<string, unknown>> = {
    'POST /api/devices': { name: 'd', role: 'kiosk' },
    'POST /api/rooms': { name: 'r', capacity: 10 },
    'PATCH /api/rooms/{id}': { name: 'r2' },
    'POST /api/sessions': { title: 't', startsAt: '2026-02-15T11:00:00Z', endsAt: '2026-02-15T12:00:00Z', roomId: room.id, speakers: ['s'] },
    'POST /api/announcements': { text: 'a', severity: 'info' },
    'POST /api/attendees': { name: 'n', organization: 'o', category: 'other', email: 'e@example.org' },
    'PATCH /api/attendees/{id}': { name: 'n', organization: 'o' },
    'POST /api/checkins': { scanId: 's', code: person.badge.code },
  };
  const nasty = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 60 }));

  const headersFor = (who: string): Record<string, string> =>
    who === 'anonymous' ? {} : who === 'forged' ? { authorization: 'Bearer forged-token-forged-token' } : b.auth(who as 'admin');
  const everyone = ['admin', 'ops', 'desk', 'door', 'kiosk', 'anonymous', 'forged'];
  const protoBefore = prototypeKeys();
  const fingerprint = await fingerprinter(b);
  const sql = storeSql(b.app);
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let requests = 0;

  const send = async (route: Route, id: string, body: RawBody, who: string): Promise<void> => {
    const url = route.path.replace(/\{[^}]+\}/g, id);
    const before = await fingerprint();
    const options: InjectOptions = { method: route.method, url, headers: { ...headersFor(who), ...(body.contentType ? { 'content-type': body.contentType } : {}) } };
    if (body.payload !== undefined) options.payload = body.payload;
    const res = await b.app.inject(options);
    requests += 1;
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    const where = `${route.method} ${url.slice(0, 80)} as ${who} with ${(body.payload ?? '(none)').slice(0, 80)}`;
    if (res.statusCode >= 500) failures.push(`${res.statusCode} for ${where}: ${res.body.slice(0, 200)}`);
    const leaks = res.statusCode >= 400 ? LEAK : LEAK.slice(0, 1);
    for (const pattern of leaks) if (pattern.test(res.body)) failures.push(`${pattern} leaked for ${where}: ${res.body.slice(0, 200)}`);
    if (({} as Record<string, unknown>).polluted !== undefined || prototypeKeys() !== protoBefore) failures.push(`prototype polluted by ${where}`);
    if (res.statusCode >= 400) {
      const after = await fingerprint();
      if (after.state !== before.state) failures.push(`a ${res.statusCode} changed rows: ${where}`);
      const appended = await sql.all<{ name: string; actor: string | null }>('SELECT name, actor_device_id AS actor FROM events WHERE seq > ?', before.seq);
      const written = appended.filter((e) => e.actor !== null || !TIMER_EVENTS.has(e.name));
      if (written.length > 0) failures.push(`a ${res.statusCode} appended ${written.map((e) => e.name).join(', ')}: ${where}`);
    }
  };

  const started = Date.now();
  for (const route of routes) {
    const ids = [...idsFor(route.path), ...hostileIds];
    for (const body of FIXED) for (const who of everyone) await send(route, ids[0]!, body, who);
    await fc.assert(
      fc.asyncProperty(jsonTree(route.keys), fc.constantFrom(...ids), async (tree, id) => {
        // Mostly objects with the route's own keys (wrong types, extra and special keys), sometimes any JSON at all.
        const payload = toJson(tree && typeof tree === 'object' && !Array.isArray(tree) ? tree : { entries: [[route.keys[0] ?? 'x', tree]] });
        for (const who of everyone) await send(route, id, { payload, contentType: 'application/json' }, who);
        const withPollution = toJson({ entries: [['__proto__', POLLUTION], ['constructor', { entries: [['prototype', POLLUTION]] }], ...route.keys.map((k): [string, Json] => [k, tree])] });
        await send(route, id, { payload: withPollution, contentType: 'application/json' }, 'admin');
      }),
      { numRuns: 10, seed: 7 },
    );
    const base = bases[`${route.method} ${route.path}`];
    if (base === undefined) continue;
    const stringKeys = Object.keys(base).filter((k) => typeof base[k] === 'string');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...stringKeys), nasty, fc.nat(), async (key, value, n) => {
        const payload = JSON.stringify({ ...base, [key]: value, ...(key === 'scanId' ? {} : 'scanId' in base ? { scanId: `nasty-${n}` } : {}) });
        await send(route, ids[0]!, { payload, contentType: 'application/json' }, 'admin');
      }),
      { numRuns: 20, seed: 11 },
    );
  }
  const seconds = (Date.now() - started) / 1000;

  t.same(failures.slice(0, 20), [], 'no 5xx, no internals, no pollution, nothing written by a 4xx');
  t.pass(`${requests} requests over ${routes.length} routes in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
});

t.test('a client that stops answering pings is dropped; one that answers stays', async (t) => {
  const b: Built = await build(t, { env: { EVENTDAY_WS_PING_MS: '100' } });
  const { ws } = await listen(b.app);
  const headers = { authorization: `Bearer ${b.tokens.kiosk}` };
  const silent = liveClient(`${ws}/api/live`, { headers, autoPong: false });
  await silent.next((m) => m.type === 'snapshot');
  const healthy = liveClient(`${ws}/api/live`, { headers });
  await healthy.next((m) => m.type === 'snapshot');
  const started = Date.now();
  const closed = await silent.closed;
  const ms = Date.now() - started;
  t.equal(closed.code, 1006, 'terminated without a closing handshake');
  t.ok(ms < 5_000, `dropped after ${ms} ms (ping every 100 ms; the default 25 s works the same way)`);
  await new Promise((r) => setTimeout(r, 350));
  t.equal(healthy.ws.readyState, WebSocket.OPEN, 'a client that answers pings keeps its socket');
  t.equal(b.app.hub.size, 1, 'the hub holds only the live one');
  healthy.ws.close();
});
