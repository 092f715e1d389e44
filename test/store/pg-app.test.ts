// Two whole eventday apps on one PostgreSQL schema, as two nodes behind a load balancer: shared devices and data, one live log, revocation everywhere, shared budgets, one leader.
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { build, listen, liveClient, type Built } from '../helper.js';

/** Polls until `check` holds, or fails the test after `timeoutMs` (the condition is the behaviour; the bound is generous). */
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

async function twoNodes(t: Test): Promise<[Built, Built]> {
  const dir = t.testdir();
  const a = await build(t, { dir, store: 'postgres' });
  const b = await build(t, { dir, store: 'postgres' });
  return [a, b];
}

t.test('a write on one node reaches a live client of the other, with the same seq and epoch', async (t) => {
  const [a, b] = await twoNodes(t);
  t.equal(a.app.settings.epoch, b.app.settings.epoch, 'one database, one epoch');
  const { ws } = await listen(b.app);
  const client = liveClient(`${ws}/api/live`, { headers: b.auth('ops') });
  const welcome = await client.next((m) => m.type === 'welcome');
  t.equal(welcome.epoch, a.app.settings.epoch);
  await client.next((m) => m.type === 'snapshot');

  // A token made on node a works on node b: devices are in the shared database.
  const made = await a.app.inject({ method: 'POST', url: '/api/announcements', headers: a.auth('ops'), payload: { text: 'Plenary moves to Hall B', severity: 'info' } });
  t.equal(made.statusCode, 201, made.body);
  const event = await client.next((m) => m.type === 'event' && m.name === 'announcement.created', 5_000);
  t.equal((event.data as { id: string }).id, made.json().id);

  // Node a's own hub hears it from the log as well, at the same seq.
  const { ws: wsA } = await listen(a.app);
  const resumed = liveClient(`${wsA}/api/live?since=${(event.seq as number) - 1}&epoch=${a.app.settings.epoch}`, { headers: a.auth('ops') });
  const replayed = await resumed.next((m) => m.type === 'event', 5_000);
  t.equal(replayed.seq, event.seq, 'a replay on the other node starts at the same seq');
  t.same(replayed.data, event.data);
  client.ws.close();
  resumed.ws.close();
});

t.test('a device revoked on one node is refused and its sockets closed with 4403 on the other', async (t) => {
  const [a, b] = await twoNodes(t);
  const { ws } = await listen(b.app);
  const client = liveClient(`${ws}/api/live`, { headers: a.auth('kiosk') });
  await client.next((m) => m.type === 'snapshot');
  const devices = (await a.app.inject({ method: 'GET', url: '/api/devices', headers: a.auth('admin') })).json() as { id: string; name: string }[];
  const kiosk = devices.find((d) => d.name === 'kiosk device')!;
  const revokedAt = Date.now();
  t.equal((await a.app.inject({ method: 'DELETE', url: `/api/devices/${kiosk.id}`, headers: a.auth('admin') })).statusCode, 204);
  const closed = await client.closed;
  t.equal(closed.code, 4403);
  t.ok(Date.now() - revokedAt < 1_000, 'closed on the other node within a second');
  const refused = await b.app.inject({ method: 'GET', url: '/api/announcements', headers: a.auth('kiosk') });
  t.equal(refused.statusCode, 401, 'the revoked token no longer works on the other node');
});

t.test("a device's search budget holds across nodes: alternating nodes does not double it", async (t) => {
  const [a, b] = await twoNodes(t);
  const statuses: number[] = [];
  for (let i = 0; i < 70; i++) {
    const node = i % 2 === 0 ? a : b;
    const res = await node.app.inject({ method: 'GET', url: '/api/attendees?q=ma', headers: a.auth('desk') });
    statuses.push(res.statusCode);
  }
  // 60 a minute per device: which request meets the limit depends on where the minute's window began.
  const allowed = statuses.filter((s) => s === 200).length;
  t.ok(allowed <= 60, `at most the one budget of 60 in total (${allowed} allowed)`);
  t.ok(statuses.includes(429), 'the budget ran out although each node saw only half the requests');
  t.same(new Set(statuses), new Set([200, 429]));
});

t.test('one node runs the shared jobs; when it closes the other takes over', async (t) => {
  const [a, b] = await twoNodes(t);
  await a.app.ready();
  await b.app.ready();
  await until(() => a.app.isLeader() !== b.app.isLeader(), 10_000, 'exactly one leader');
  const [leader, follower] = a.app.isLeader() ? [a, b] : [b, a];
  await leader.app.close();
  await until(() => follower.app.isLeader(), 5_000, 'the other node leads');
  const metrics = await follower.app.inject({ method: 'GET', url: '/metrics', headers: follower.auth('admin') });
  t.match(metrics.body, /^eventday_leader 1$/m);
});

t.test("a device's failed-scan budget holds across nodes", async (t) => {
  const [a, b] = await twoNodes(t);
  const statuses: number[] = [];
  for (let i = 0; i < 16; i++) {
    const node = i % 2 === 0 ? a : b;
    const res = await node.app.inject({ method: 'POST', url: '/api/checkins', headers: a.auth('desk'), payload: { scanId: `guess-${i}`, code: `NOT-A-BADGE-${i}` } });
    statuses.push(res.statusCode);
    if (res.statusCode === 200) t.equal(res.json().reason, 'invalid_code');
  }
  // Ten failures a minute per device in all; a window that turns over mid-test resets it once at most.
  const refused = statuses.filter((s) => s === 429).length;
  t.ok(refused >= 1, `refused past the one budget although each node saw 8 (${refused} refused)`);
  t.ok(statuses.slice(0, 10).every((s) => s === 200), 'the first ten are decided');
});
