// /api/live over real sockets: auth before upgrade, welcome, snapshot or exact replay, filters, close codes.
import t from 'tap';
import fc from '../property.js';
import { build, listen, liveClient, type Built, type LiveClient, storeSql } from '../helper.js';
import type { Role, Visibility } from '../../src/core/vocabulary.js';
import type { Tx } from '../../src/store/unit-of-work.js';

async function post(b: Built, role: Role, url: string, payload: object) {
  const res = await b.app.inject({ method: 'POST', url, headers: b.auth(role), payload });
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

t.test('no token, a bad token, or a foreign Origin get no socket', async (t) => {
  const b = await build(t);
  const { ws } = await listen(b.app);
  const noToken = liveClient(`${ws}/api/live`);
  await t.rejects(noToken.opened, /unexpected response 401/);
  const bad = liveClient(`${ws}/api/live`, { headers: { authorization: 'Bearer nope-nope-nope-nope' } });
  await t.rejects(bad.opened, /unexpected response 401/);
  const origin = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.kiosk}`, origin: 'https://evil.example' } });
  await t.rejects(origin.opened, /unexpected response 403/);
  const query = liveClient(`${ws}/api/live?token=${b.tokens.kiosk}`);
  await t.rejects(query.opened, /unexpected response 40\d/, 'a token in the query string is never accepted');
});

t.test('browsers authenticate with the bearer subprotocol; the server selects eventday.v1 only', async (t) => {
  const b = await build(t, { env: { EVENTDAY_ALLOWED_ORIGINS: 'https://screens.example' } });
  const { ws, base } = await listen(b.app);
  const c = liveClient(`${ws}/api/live`, { protocols: ['eventday.v1', `bearer.${b.tokens.kiosk}`], origin: 'https://screens.example' });
  await c.opened;
  t.equal(c.ws.protocol, 'eventday.v1');
  const welcome = await c.next();
  t.match(welcome, { type: 'welcome', role: 'kiosk', seq: Number, epoch: String });
  const own = liveClient(`${ws}/api/live`, { protocols: ['eventday.v1', `bearer.${b.tokens.kiosk}`], origin: base });
  await own.opened;
  t.equal((await own.next()).type, 'welcome', 'the service’s own origin is allowed');
  c.ws.close();
  own.ws.close();
});

t.test('snapshot on first connect is shaped per role', async (t) => {
  const b = await build(t);
  await post(b, 'ops', '/api/announcements', { text: 'Welcome to The Hague', severity: 'info' });
  const { ws } = await listen(b.app);
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.kiosk}` } });
  t.equal((await kiosk.next()).type, 'welcome');
  const snap = await kiosk.next();
  t.equal(snap.type, 'snapshot');
  const data = snap.data as { announcements: { text: string }[]; rooms: unknown[]; sessions: unknown[] };
  t.equal(data.announcements[0]?.text, 'Welcome to The Hague');
  t.same(Object.keys(data).sort(), ['announcements', 'event', 'nowNext', 'rooms', 'sessions'], 'the public keys only: no counts, no statistics, no alerts');
  kiosk.ws.close();
});

t.test('a client with the current epoch gets exactly what it missed; another epoch gets a snapshot', async (t) => {
  const b = await build(t);
  const { ws } = await listen(b.app);
  const first = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.kiosk}` } });
  const welcome = await first.next();
  await first.next((m) => m.type === 'snapshot');
  first.ws.close();
  await first.closed;
  const a = await post(b, 'ops', '/api/announcements', { text: 'one', severity: 'info' });
  await post(b, 'ops', '/api/announcements', { text: 'two', severity: 'warning' });
  const again = liveClient(`${ws}/api/live?since=${welcome.seq as number}&epoch=${welcome.epoch as string}`, {
    headers: { authorization: `Bearer ${b.tokens.kiosk}` },
  });
  await again.next((m) => m.type === 'welcome');
  const e1 = await again.next();
  const e2 = await again.next();
  t.match(e1, { type: 'event', topic: 'announcements', name: 'announcement.created', data: { id: a.id, text: 'one' } });
  const liveFrame = new Promise<boolean>((resolve) => again.ws.once('message', (_data, isBinary) => resolve(isBinary)));
  await post(b, 'ops', '/api/announcements', { text: 'three', severity: 'info' });
  t.equal(await liveFrame, false, 'live events are text frames, as browsers expect JSON');
  t.match(e2, { type: 'event', name: 'announcement.created', data: { text: 'two' } });
  t.ok((e2.seq as number) > (e1.seq as number));
  t.notOk(again.messages.some((m) => m.type === 'snapshot'), 'no snapshot on a replay');
  again.ws.close();

  const foreign = liveClient(`${ws}/api/live?since=${welcome.seq as number}&epoch=another-database`, {
    headers: { authorization: `Bearer ${b.tokens.kiosk}` },
  });
  await foreign.next((m) => m.type === 'welcome');
  t.equal((await foreign.next()).type, 'snapshot', 'a foreign epoch gets a snapshot');
  foreign.ws.close();
});

t.test('replay is exact: random bursts and random disconnects give every visible seq once, in order', async (t) => {
  const b = await build(t);
  const { ws } = await listen(b.app);
  const writer = b.app.writer;
  // The periodic jobs stay out of it: the check-in stats job answers attendees.imported with a checkins.stats of its own.
  await b.app.jobs.stop();
  const visibleTo: Record<Role, Set<string>> = {
    admin: new Set(['public', 'staff', 'personal', 'admin']),
    ops: new Set(['public', 'staff']),
    desk: new Set(['public', 'staff', 'personal']),
    door: new Set(['public', 'staff', 'personal']),
    kiosk: new Set(['public']),
  };
  const step = fc.record({
    burst: fc.array(fc.constantFrom<Visibility>('public', 'staff', 'personal', 'admin'), { minLength: 1, maxLength: 15 }),
    toggleAt: fc.option(fc.nat(15), { nil: null }),
    grouped: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom<Role>('kiosk', 'ops', 'desk', 'admin'), fc.array(step, { minLength: 1, maxLength: 6 }), async (role, plan) => {
      const headers = { authorization: `Bearer ${b.tokens[role]}` };
      const first = liveClient(`${ws}/api/live`, { headers });
      const welcome = (await first.next()) as { seq: number; epoch: string };
      first.ws.close();
      await first.closed;
      const received: number[] = [];
      let since = welcome.seq;
      const connect = async () => {
        const c = liveClient(`${ws}/api/live?since=${since}&epoch=${welcome.epoch}`, { headers });
        c.ws.on('message', (raw) => {
          const m = JSON.parse((raw as Buffer).toString()) as { type: string; seq: number };
          if (m.type === 'event') {
            received.push(m.seq);
            since = m.seq;
          } else if (m.type === 'snapshot') {
            received.push(-1);
          }
        });
        await c.next((m) => m.type === 'welcome');
        return c;
      };
      let client: LiveClient | null = await connect();
      let n = 0;
      for (const { burst, toggleAt, grouped } of plan) {
        const pending: Promise<unknown>[] = [];
        for (const [i, visibility] of burst.entries()) {
          if (toggleAt === i) {
            if (client) {
              client.ws.terminate();
              await client.closed;
              client = null;
            } else {
              client = await connect();
            }
          }
          n += 1;
          // One event of the catalogue per visibility class.
          const emit = (tx: Tx) =>
            visibility === 'public'
              ? tx.emit('announcement.removed', { id: `a${n}` })
              : visibility === 'staff'
                ? tx.emit('room.occupancy', { roomId: 'r1', occupancy: n, capacity: 100, occupancyLevel: 'normal' })
                : visibility === 'personal'
                  ? tx.emit('attendees.imported', { created: n, updated: 0 })
                  : tx.emit('badge.key_created', { kid: `k${n}` });
          if (grouped) pending.push(writer.submit(null, emit));
          else await writer.submit(null, emit);
        }
        await Promise.all(pending);
      }
      if (!client) client = await connect();
      const expected = (await storeSql(b.app).all<{ seq: number; visibility: string }>('SELECT seq, visibility FROM events WHERE seq > ? ORDER BY seq', welcome.seq))
        .filter((r) => visibleTo[role].has(r.visibility))
        .map((r) => r.seq);
      const deadline = Date.now() + 3000;
      while (received.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      client.ws.close();
      await client.closed;
      t.same(received, expected, `${role}: every visible seq exactly once, in order, no snapshot`);
    }),
    { numRuns: 25 },
  );
});
