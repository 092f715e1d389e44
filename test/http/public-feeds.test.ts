// The public schedule feeds: no token needed, strong ETags and 304s (not counted), cache headers, CORS, per-client rate limits behind trusted proxies.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { build, testClock, type Built } from '../helper.js';

const FEEDS = ['/api/schedule.json', '/api/schedule.xml', '/api/schedule.ics', '/api/schedule/now', '/api/schedule/changes'];

async function programme(built: Built): Promise<{ roomId: string; sessionId: string }> {
  const { app, auth } = built;
  const room = await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('ops'), payload: { name: 'Main hall', capacity: 100 } });
  const roomId = room.json<{ id: string }>().id;
  const session = await app.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: auth('ops'),
    payload: { title: 'Opening plenary', startsAt: '2026-02-15T09:00:00Z', endsAt: '2026-02-15T10:00:00Z', roomId },
  });
  return { roomId, sessionId: session.json<{ id: string }>().id };
}

const get = (app: FastifyInstance, url: string, headers: Record<string, string> = {}, remoteAddress?: string) =>
  app.inject({ method: 'GET', url, headers, ...(remoteAddress ? { remoteAddress } : {}) });

t.test('every feed answers without a token, publicly cacheable, with CORS and a strong ETag', async (t) => {
  const built = await build(t, { deps: { clock: testClock() } });
  await programme(built);
  for (const url of FEEDS) {
    const res = await get(built.app, url);
    t.equal(res.statusCode, 200, `${url} without a token`);
    t.match(res.headers.etag, /^"[A-Za-z0-9_-]{20,}"$/, `${url} has a strong ETag`);
    t.equal(res.headers['cache-control'], 'public, max-age=10');
    t.equal(res.headers['access-control-allow-origin'], '*');
    t.match(String(res.headers.vary), /Authorization/);
  }
  const json = await get(built.app, '/api/schedule.json');
  t.match(json.headers['content-type'], /^application\/json/);
  t.match(JSON.stringify(json.json()), /Opening plenary/);
  const ics = await get(built.app, '/api/schedule.ics');
  t.match(ics.headers['content-type'], /^text\/calendar/);
  t.match(ics.body, /BEGIN:VCALENDAR/);
});

t.test('a token still works: the answer is private and varies by Authorization', async (t) => {
  const built = await build(t, { deps: { clock: testClock() } });
  await programme(built);
  for (const role of ['kiosk', 'ops'] as const) {
    const res = await get(built.app, '/api/schedule.json', built.auth(role));
    t.equal(res.statusCode, 200, role);
    t.equal(res.headers['cache-control'], 'private, no-cache');
    t.match(String(res.headers.vary), /Authorization/);
  }
});

t.test('an invalid or revoked token is 401, with CORS so a browser can read it', async (t) => {
  const built = await build(t, { deps: { clock: testClock() } });
  const bad = await get(built.app, '/api/schedule.json', { authorization: 'Bearer not-a-token-at-all' });
  t.equal(bad.statusCode, 401);
  t.equal(bad.json<{ code: string }>().code, 'unauthorized');
  t.equal(bad.headers['access-control-allow-origin'], '*');
  const malformed = await get(built.app, '/api/schedule/now', { authorization: 'Basic abc' });
  t.equal(malformed.statusCode, 401);
  const devices = await built.app.inject({ method: 'GET', url: '/api/devices', headers: built.auth('admin') });
  const kiosk = devices.json<{ id: string; role: string }[]>().find((d) => d.role === 'kiosk')!;
  await built.app.inject({ method: 'DELETE', url: `/api/devices/${kiosk.id}`, headers: built.auth('admin') });
  t.equal((await get(built.app, '/api/schedule.ics', built.auth('kiosk'))).statusCode, 401, 'revoked');
});

t.test('If-None-Match answers 304 until the schedule changes; the ETag follows an edit', async (t) => {
  const built = await build(t, { deps: { clock: testClock() } });
  const { sessionId } = await programme(built);
  for (const url of FEEDS) {
    const first = await get(built.app, url);
    const etag = first.headers.etag as string;
    const again = await get(built.app, url, { 'if-none-match': etag });
    t.equal(again.statusCode, 304, `${url} 304`);
    t.equal(again.body, '');
    t.equal(again.headers.etag, etag);
    t.equal(again.headers['cache-control'], 'public, max-age=10');
    t.equal((await get(built.app, url, { 'if-none-match': `"other", W/${etag}` })).statusCode, 304, 'a list, compared weakly');
  }
  const before = await get(built.app, '/api/schedule.json');
  const patched = await built.app.inject({
    method: 'PATCH',
    url: `/api/sessions/${sessionId}`,
    headers: built.auth('ops'),
    payload: { version: 1, title: 'Opening plenary (new title)' },
  });
  t.equal(patched.statusCode, 200);
  const after = await get(built.app, '/api/schedule.json', { 'if-none-match': before.headers.etag as string });
  t.equal(after.statusCode, 200, 'the old ETag no longer matches');
  t.not(after.headers.etag, before.headers.etag);
  t.match(after.body, /new title/);
});

t.test('/now expires at the next session start or end by itself', async (t) => {
  const clock = testClock(Date.parse('2026-02-15T08:00:00Z'));
  const built = await build(t, { deps: { clock } });
  await programme(built);
  const before = await get(built.app, '/api/schedule/now');
  t.equal(before.json<{ current: unknown }[]>()[0]!.current, null);
  clock.set(Date.parse('2026-02-15T09:05:00Z'));
  const during = await get(built.app, '/api/schedule/now', { 'if-none-match': before.headers.etag as string });
  t.equal(during.statusCode, 200);
  t.equal(during.json<{ current: { title: string } }[]>()[0]!.current.title, 'Opening plenary');
});

t.test('CORS preflight for the feeds', async (t) => {
  const built = await build(t, { deps: { clock: testClock() } });
  for (const url of FEEDS) {
    const res = await built.app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin: 'https://app.example.org', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    t.equal(res.statusCode, 204, url);
    t.equal(res.headers['access-control-allow-origin'], '*');
    t.match(String(res.headers['access-control-allow-methods']), /GET/);
    t.match(String(res.headers['access-control-allow-headers']), /Authorization/);
  }
  const other = await built.app.inject({ method: 'OPTIONS', url: '/api/devices' });
  t.equal(other.statusCode, 404, 'no preflight for routes that are not feeds');
  const plain = await built.app.inject({ method: 'GET', url: '/api/rooms', headers: built.auth('kiosk') });
  t.notOk(plain.headers['access-control-allow-origin'], 'no CORS on other routes');
});

t.test('rate limits per client; 304s are not counted; X-Forwarded-For only from a trusted proxy', async (t) => {
  const built = await build(t, { env: { EVENTDAY_FEED_RATE_LIMIT: '3', EVENTDAY_TRUSTED_PROXIES: '10.0.0.1' }, deps: { clock: testClock() } });
  const { app } = built;
  const first = await get(app, '/api/schedule.json', {}, '192.0.2.7');
  const etag = first.headers.etag as string;
  for (let i = 0; i < 10; i++) t.equal((await get(app, '/api/schedule.json', { 'if-none-match': etag }, '192.0.2.7')).statusCode, 304);
  t.equal((await get(app, '/api/schedule/now', {}, '192.0.2.7')).statusCode, 200, 'second counted request');
  t.equal((await get(app, '/api/schedule.ics', {}, '192.0.2.7')).statusCode, 200, 'third');
  const limited = await get(app, '/api/schedule.json', {}, '192.0.2.7');
  t.equal(limited.statusCode, 429);
  t.equal(limited.json<{ code: string }>().code, 'rate_limited');
  t.ok(Number(limited.headers['retry-after']) >= 1);
  t.equal((await get(app, '/api/schedule.json', { 'if-none-match': etag }, '192.0.2.7')).statusCode, 304, 'a 304 still answers past the limit');
  t.equal((await get(app, '/api/schedule.json', {}, '192.0.2.8')).statusCode, 200, 'another client has its own budget');

  // An untrusted client cannot choose its address with X-Forwarded-For.
  for (let i = 0; i < 3; i++) t.equal((await get(app, '/api/schedule.json', { 'x-forwarded-for': `198.51.100.${i}` }, '192.0.2.9')).statusCode, 200);
  t.equal((await get(app, '/api/schedule.json', { 'x-forwarded-for': '198.51.100.99' }, '192.0.2.9')).statusCode, 429, 'the forged header is ignored');

  // Behind the trusted proxy, each forwarded client has its own budget.
  for (let i = 0; i < 3; i++) t.equal((await get(app, '/api/schedule.json', { 'x-forwarded-for': '203.0.113.1' }, '10.0.0.1')).statusCode, 200);
  t.equal((await get(app, '/api/schedule.json', { 'x-forwarded-for': '203.0.113.1' }, '10.0.0.1')).statusCode, 429);
  t.equal((await get(app, '/api/schedule.json', { 'x-forwarded-for': '203.0.113.2' }, '10.0.0.1')).statusCode, 200, 'another client behind the proxy');

  // A device is limited by its device, not by the address it shares.
  t.equal((await get(app, '/api/schedule.json', built.auth('kiosk'), '192.0.2.7')).statusCode, 200, 'a token has its own budget');
});

t.test('EVENTDAY_PUBLIC_SCHEDULE=off: a token is required, as before', async (t) => {
  const built = await build(t, { env: { EVENTDAY_PUBLIC_SCHEDULE: 'false' }, deps: { clock: testClock() } });
  for (const url of FEEDS) {
    t.equal((await get(built.app, url)).statusCode, 401, `${url} without a token`);
    const answer = await get(built.app, url, built.auth('kiosk'));
    t.equal(answer.statusCode, 200, `${url} with a kiosk token`);
    t.equal(answer.headers['access-control-allow-origin'], undefined, `${url}: no CORS, as any other route`);
  }
  t.equal((await built.app.inject({ method: 'OPTIONS', url: '/api/schedule.json', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } })).statusCode, 404, 'no preflight');
});

t.test('a varying query string neither builds a new document nor escapes the limit; a 429 carries no ETag', async (t) => {
  const built = await build(t, { env: { EVENTDAY_FEED_RATE_LIMIT: '3' }, deps: { clock: testClock() } });
  await programme(built);
  const plain = await get(built.app, '/api/schedule.json', {}, '192.0.2.20');
  const busted = await get(built.app, '/api/schedule.json?z=1', {}, '192.0.2.20');
  t.equal(busted.statusCode, 200, 'an unknown parameter is ignored, not refused');
  t.equal(busted.headers.etag, plain.headers.etag, 'the same document');
  t.equal((await get(built.app, '/api/schedule.json?z=2', { 'if-none-match': plain.headers.etag as string }, '192.0.2.20')).statusCode, 304, 'and the same cached answer');
  t.equal((await get(built.app, '/api/schedule.ics?z=3', {}, '192.0.2.20')).statusCode, 200, 'third counted request');
  const limited = await get(built.app, '/api/schedule.xml?z=4', {}, '192.0.2.20');
  t.equal(limited.statusCode, 429, 'the fourth, whatever its query, is over the limit');
  t.equal(limited.headers.etag, undefined, 'a 429 has no ETag a client could keep');
});

t.test('an import that changes only the conference settings gives the feeds a new ETag', async (t) => {
  const built = await build(t, { deps: { clock: testClock() } });
  const xml = `<?xml version="1.0"?><schedule><conference><title>Zone test</title><start>2026-02-15</start><end>2026-02-15</end><days>1</days></conference>
<day index="1" date="2026-02-15"><room name="Hall"><event id="1" guid="11111111-1111-4111-8111-111111111111"><date>2026-02-15T10:00:00+01:00</date><start>10:00</start><duration>01:00</duration><room>Hall</room><title>Talk</title><type>talk</type><language>en</language></event></room></day></schedule>`;
  const importAs = (query: string) =>
    built.app.inject({ method: 'POST', url: `/api/schedule/import${query}`, headers: { ...built.auth('admin'), 'content-type': 'application/xml' }, payload: xml });
  t.equal((await importAs('')).statusCode, 200);
  const before = await get(built.app, '/api/schedule.json');
  const again = await importAs('?timeZone=Europe/Brussels');
  t.equal(again.statusCode, 200, again.body);
  const after = await get(built.app, '/api/schedule.json');
  t.not(after.headers.etag, before.headers.etag, 'the ETag moved');
  t.match(after.body, /"time_zone_name":"Europe\/Brussels"/, 'and the document names the new zone');
});
