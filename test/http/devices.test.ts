// Devices and roles: bootstrap admin, create/list/revoke, tokens as hashes, every role allowed or denied.
import t from 'tap';
import path from 'node:path';
import { ADMIN_TOKEN, build, storeSql, testStore } from '../helper.js';
import { pgTestUrl, withPgSchema } from '../pg.js';
import { hashToken } from '../../src/services/devices.js';

t.test('create, list and revoke devices; the token is shown once and stored as a hash', async (t) => {
  const { app, auth } = await build(t);
  const created = await app.inject({ method: 'POST', url: '/api/devices', headers: auth('admin'), payload: { name: 'Desk 7', role: 'desk' } });
  t.equal(created.statusCode, 201);
  const body = created.json();
  t.match(body, { id: String, name: 'Desk 7', role: 'desk', token: String });

  const list = await app.inject({ method: 'GET', url: '/api/devices', headers: auth('admin') });
  t.equal(list.statusCode, 200);
  const devices = list.json() as Record<string, unknown>[];
  t.equal(devices.length, 6, 'bootstrap admin + 4 helper devices + Desk 7');
  t.notOk(JSON.stringify(devices).includes(body.token), 'no token in the list');
  for (const d of devices) t.same(Object.keys(d).sort(), ['createdAt', 'id', 'name', 'revokedAt', 'role']);

  const stored = await storeSql(app).get<{ token_hash: string }>('SELECT token_hash FROM devices WHERE id = ?', body.id);
  t.equal(stored!.token_hash, hashToken(body.token));

  const ok = await app.inject({ method: 'GET', url: '/api/announcements', headers: { authorization: `Bearer ${body.token}` } });
  t.equal(ok.statusCode, 200);
  const del = await app.inject({ method: 'DELETE', url: `/api/devices/${body.id}`, headers: auth('admin') });
  t.equal(del.statusCode, 204);
  const after = await app.inject({ method: 'GET', url: '/api/announcements', headers: { authorization: `Bearer ${body.token}` } });
  t.equal(after.statusCode, 401);
  t.equal(after.json().code, 'unauthorized');
  const missing = await app.inject({ method: 'DELETE', url: '/api/devices/nope', headers: auth('admin') });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'not_found');
});

t.test('the bootstrap admin token comes from the environment', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/api/devices', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  t.equal(res.statusCode, 200);
});

t.test('a generated admin token is logged once and works', async (t) => {
  const lines: string[] = [];
  const { createLogger } = await import('../../src/logger.js');
  const logger = createLogger('info', { write: (s: string) => lines.push(s) });
  const { buildApp } = await import('../../src/app.js');
  const { loadConfig } = await import('../../src/config.js');
  // The generated token is the store's first device: on PostgreSQL runs, a schema of its own.
  const db = testStore() === 'postgres' ? { EVENTDAY_DB: pgTestUrl(), EVENTDAY_PG_SCHEMA: (await withPgSchema(t)).schema } : { EVENTDAY_DB: path.join(t.testdir(), 'e.db') };
  const config = loadConfig({ ...db, EVENTDAY_KEY_DIR: path.join(t.testdir(), 'keys') });
  const app = await buildApp(config, { logger });
  t.teardown(() => app.close());
  const line = lines.map((l) => JSON.parse(l) as { adminToken?: string }).find((l) => l.adminToken);
  t.ok(line?.adminToken, 'token logged');
  const res = await app.inject({ method: 'GET', url: '/api/devices', headers: { authorization: `Bearer ${line!.adminToken}` } });
  t.equal(res.statusCode, 200);
  await app.close();
  const lines2: string[] = [];
  const again = await buildApp(config, { logger: createLogger('info', { write: (s: string) => lines2.push(s) }) });
  await again.close();
  t.notOk(lines2.some((l) => l.includes('adminToken')), 'not logged on a second start');
});

const routes: { method: 'GET' | 'POST' | 'DELETE'; url: string; allowed: string[]; payload?: object }[] = [
  { method: 'GET', url: '/api/devices', allowed: ['admin'] },
  { method: 'POST', url: '/api/devices', allowed: ['admin'], payload: { name: 'x', role: 'kiosk' } },
  { method: 'DELETE', url: '/api/devices/unknown-id', allowed: ['admin'] },
  { method: 'GET', url: '/api/announcements', allowed: ['admin', 'ops', 'desk', 'door', 'kiosk'] },
  { method: 'POST', url: '/api/announcements', allowed: ['admin', 'ops'], payload: { text: 'hello', severity: 'info' } },
  { method: 'DELETE', url: '/api/announcements/unknown-id', allowed: ['admin', 'ops'] },
  { method: 'GET', url: '/metrics', allowed: ['admin', 'ops'] },
];

t.test('every role × every spine route: allowed, denied, or unauthenticated', async (t) => {
  const { app, auth } = await build(t);
  for (const route of routes) {
    const anon = await app.inject({ method: route.method, url: route.url, ...(route.payload ? { payload: route.payload } : {}) });
    t.equal(anon.statusCode, 401, `${route.method} ${route.url} without a token`);
    const bogus = await app.inject({ method: route.method, url: route.url, headers: { authorization: 'Bearer not-a-real-token-at-all' } });
    t.equal(bogus.statusCode, 401, `${route.method} ${route.url} with an unknown token`);
    for (const role of ['admin', 'ops', 'desk', 'door', 'kiosk'] as const) {
      const res = await app.inject({ method: route.method, url: route.url, headers: auth(role), ...(route.payload ? { payload: route.payload } : {}) });
      if (route.allowed.includes(role)) {
        t.not(res.statusCode, 401, `${role} ${route.method} ${route.url}`);
        t.not(res.statusCode, 403, `${role} ${route.method} ${route.url}`);
      } else {
        t.equal(res.statusCode, 403, `${role} denied ${route.method} ${route.url}`);
        t.equal(res.json().code, 'forbidden');
      }
    }
  }
});

t.test('a route without a role list cannot be registered', async (t) => {
  const { buildApp } = await import('../../src/app.js');
  const { loadConfig } = await import('../../src/config.js');
  const { createLogger } = await import('../../src/logger.js');
  const app = await buildApp(loadConfig({ EVENTDAY_DB: path.join(t.testdir(), 'e.db'), EVENTDAY_ADMIN_TOKEN: ADMIN_TOKEN }), {
    logger: createLogger('silent'),
  });
  t.teardown(() => app.close());
  t.throws(() => app.get('/api/naked', async () => 'hi'), /declares no roles/);
});
