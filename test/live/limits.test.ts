// Live socket limits an insider cannot get around: sockets per device (4029), snapshots under the buffer limit, the Origin check, 426.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import t from 'tap';
import { build, listen, liveClient } from '../helper.js';
import { addRoom, addSession, T0, minutes } from '../checkin/fixtures.js';

/** The status a raw upgrade request gets: 101 when the socket opens, else the HTTP answer. */
function upgradeStatus(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({
      // A fresh connection each time: a refused upgrade closes its socket.
      agent: false,
      host: '127.0.0.1',
      port,
      path: '/api/live',
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), ...headers },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

t.test('a device holds at most EVENTDAY_WS_MAX_PER_DEVICE sockets: one more closes its oldest with 4029', async (t) => {
  const b = await build(t, { env: { EVENTDAY_WS_MAX_PER_DEVICE: '3' } });
  const { ws } = await listen(b.app);
  const open = async (role: 'kiosk' | 'ops') => {
    const c = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens[role]}` } });
    await c.next((m) => m.type === 'snapshot');
    return c;
  };
  const kiosks = [await open('kiosk'), await open('kiosk'), await open('kiosk')];
  const ops = await open('ops');
  const fourth = await open('kiosk');
  t.equal((await kiosks[0]!.closed).code, 4029, 'the oldest socket of the device is closed with 4029');
  const fifth = await open('kiosk');
  t.equal((await kiosks[1]!.closed).code, 4029, 'and the next oldest on the next one');
  await b.app.inject({ method: 'POST', url: '/api/announcements', headers: b.auth('ops'), payload: { text: 'Still here', severity: 'info' } });
  for (const c of [kiosks[2]!, fourth, fifth, ops]) {
    t.match(await c.next((m) => m.type === 'event'), { name: 'announcement.created' }, 'the sockets within the allowance stay live');
  }
  for (const c of [kiosks[2]!, fourth, fifth, ops]) c.ws.close();
});

t.test('a snapshot larger than the buffer limit arrives whole, as fragments, and live events follow it', async (t) => {
  const b = await build(t, { env: { EVENTDAY_WS_MAX_BUFFERED: String(32 * 1024) } });
  const { ws } = await listen(b.app);
  const room = await addRoom(b.app);
  for (let i = 0; i < 400; i++) await addSession(b.app, { roomId: room, startsAt: T0 + minutes(i), endsAt: T0 + minutes(i + 1) });
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.kiosk}` } });
  await kiosk.next((m) => m.type === 'welcome');
  // Posted while the snapshot is still leaving: the event must come after it, not inside it.
  void b.app.inject({ method: 'POST', url: '/api/announcements', headers: b.auth('ops'), payload: { text: 'After the snapshot', severity: 'info' } });
  const snapshot = (await kiosk.next((m) => m.type === 'snapshot', 10_000)) as { data: { sessions: unknown[] } };
  t.equal(snapshot.data.sessions.length, 400, 'one message with every session');
  t.ok(JSON.stringify(snapshot).length > 4 * 32 * 1024, 'several times the buffer limit');
  t.match(await kiosk.next((m) => m.type === 'event'), { name: 'announcement.created', data: { text: 'After the snapshot' } });
  t.equal(kiosk.messages.findIndex((m) => m.type === 'snapshot'), 1, 'welcome, then the snapshot, then events');
  kiosk.ws.close();
});

t.test('the Origin check trusts the configured public origin, never the Host header', async (t) => {
  const b = await build(t);
  const { base } = await listen(b.app);
  const port = Number(new URL(base).port);
  const auth = { authorization: `Bearer ${b.tokens.kiosk}` };
  t.equal(await upgradeStatus(port, { ...auth, host: 'evil.example', origin: 'http://evil.example' }), 403, 'Origin evil + Host evil is refused');
  t.equal(await upgradeStatus(port, { ...auth, origin: base }), 101, 'the service on the port it listens on is its own origin');
  t.equal(await upgradeStatus(port, auth), 101, 'no Origin: a non-browser client, judged by its token');

  const behindProxy = await build(t, { env: { EVENTDAY_PUBLIC_ORIGIN: 'https://event.example.org', EVENTDAY_ALLOWED_ORIGINS: 'https://screens.example.org' } });
  const proxied = Number(new URL((await listen(behindProxy.app)).base).port);
  const kiosk = { authorization: `Bearer ${behindProxy.tokens.kiosk}` };
  t.equal(await upgradeStatus(proxied, { ...kiosk, origin: 'https://event.example.org' }), 101, 'the configured public origin');
  t.equal(await upgradeStatus(proxied, { ...kiosk, origin: 'https://screens.example.org' }), 101, 'an allowed extra origin');
  t.equal(await upgradeStatus(proxied, { ...kiosk, origin: `http://127.0.0.1:${proxied}`, host: `127.0.0.1:${proxied}` }), 403, 'once configured, the listening address is not an origin');
});

t.test('GET /api/live without an upgrade answers 426 problem+json; a junk body to rotate is refused', async (t) => {
  const b = await build(t);
  const plain = await b.app.inject({ method: 'GET', url: '/api/live', headers: b.auth('kiosk') });
  t.equal(plain.statusCode, 426);
  t.equal(plain.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(plain.json().code, 'upgrade_required');
  const rotate = await b.app.inject({ method: 'POST', url: '/api/badges/keys/rotate', headers: b.auth('admin'), payload: { junk: true } });
  t.equal(rotate.statusCode, 400, 'a rotate request with a body it does not define is refused');
  t.equal(rotate.json().code, 'validation_failed');
  const keys = (await b.app.inject({ method: 'GET', url: '/api/badges/public-key', headers: b.auth('admin') })).json<{ keys: unknown[] }>();
  t.equal(keys.keys.length, 1, 'and rotates nothing');
  const ok = await b.app.inject({ method: 'POST', url: '/api/badges/keys/rotate', headers: b.auth('admin') });
  t.equal(ok.statusCode, 201, 'without a body it rotates');
});
