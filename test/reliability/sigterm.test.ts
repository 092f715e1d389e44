// SIGTERM under load on a real server process: answers complete, sockets get 1001, exit within 10 s, nothing acknowledged lost, kiosks resume by replay.
import t from 'tap';
import { Client, startServer, TransportError, type ServerProcess } from '../../scripts/reliability/lib.js';
import { ADMIN_TOKEN, liveClient, type LiveClient } from '../helper.js';

interface Outcome {
  scanId: string;
  body: { scanId: string; code: string };
  started: number;
  ended: number;
  /** 200, 503, … or a transport error code. */
  status: number | string;
  truncated: boolean;
}

t.test('SIGTERM under load', async (t) => {
  const dbFile = `${t.testdir()}/eventday.db`;
  let server: ServerProcess = await startServer({ dbFile, adminToken: ADMIN_TOKEN });
  t.teardown(() => {
    server.child.kill('SIGKILL');
  });
  const { port } = server;
  let http = new Client(port, 16);
  const device = async (role: string) => (await http.json<{ token: string }>('POST', '/api/devices', { token: ADMIN_TOKEN, body: { name: role, role } })).token;
  const desk = await device('desk');
  const ops = await device('ops');
  const kioskToken = await device('kiosk');
  const codes: string[] = [];
  for (let i = 0; i < 40; i++) {
    const r = await http.json<{ badge: { code: string } }>('POST', '/api/attendees', {
      token: desk,
      body: { name: `Term Person ${i}`, organization: 'Org', category: 'ngo' },
    });
    codes.push(r.badge.code);
  }

  const wsUrl = `ws://127.0.0.1:${port}/api/live`;
  const kiosks: LiveClient[] = [];
  for (let i = 0; i < 3; i++) {
    const k = liveClient(wsUrl, { headers: { authorization: `Bearer ${kioskToken}` } });
    await k.next((m) => m.type === 'snapshot');
    kiosks.push(k);
  }

  const outcomes: Outcome[] = [];
  const announced: string[] = [];
  let n = 0;
  let refused = false;
  const scanner = async () => {
    while (!refused) {
      const scanId = `term-${n++}`;
      const body = { scanId, code: codes[n % codes.length]! };
      const started = performance.now();
      try {
        const reply = await http.request('POST', '/api/checkins', { token: desk, body });
        outcomes.push({ scanId, body, started, ended: performance.now(), status: reply.status, truncated: false });
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        outcomes.push({ scanId, body, started, ended: performance.now(), status: err.code, truncated: err.truncated });
        if (err.code === 'ECONNREFUSED') refused = true;
      }
    }
  };
  const announcer = async () => {
    while (!refused) {
      try {
        const reply = await http.request('POST', '/api/announcements', { token: ops, body: { text: `before ${n}`, severity: 'info' } });
        if (reply.status === 201) announced.push((JSON.parse(reply.body) as { id: string }).id);
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        if (err.code === 'ECONNREFUSED') refused = true;
      }
    }
  };
  const load = Promise.all([...Array.from({ length: 8 }, scanner), announcer()]);
  await new Promise((r) => setTimeout(r, 700));

  const sigtermAt = performance.now();
  server.child.kill('SIGTERM');
  const exit = await server.exited;
  const exitMs = exit.at - sigtermAt;
  await load;
  t.equal(exit.code, 0, 'a clean exit');
  t.ok(exitMs < 10_000, `the process exited ${exitMs.toFixed(0)} ms after SIGTERM`);

  const closes = await Promise.all(kiosks.map((k) => k.closed));
  t.same(
    closes.map((c) => c.code),
    [1001, 1001, 1001],
    'every live socket got 1001',
  );

  const answered = outcomes.filter((o) => typeof o.status === 'number');
  const failed = outcomes.filter((o) => typeof o.status === 'string');
  const inFlight = outcomes.filter((o) => o.started < sigtermAt && o.ended > sigtermAt);
  t.equal(outcomes.filter((o) => o.truncated).length, 0, 'no answer was cut off once its headers were sent');
  t.same(
    answered.filter((o) => o.status !== 200 && o.status !== 503).map((o) => o.status),
    [],
    'every answer was a full 200, or 503 shutting_down once closing began',
  );
  t.ok(
    inFlight.every((o) => o.status === 200 || o.status === 503 || failed.includes(o)),
    `${inFlight.length} requests in flight at SIGTERM: ${inFlight.filter((o) => o.status === 200).length} answered 200`,
  );
  t.ok(answered.filter((o) => o.status === 200).length > 0, `${answered.filter((o) => o.status === 200).length} scans acknowledged`);

  const lastSeen = kiosks[0]!.messages.filter((m) => m.type === 'event' || m.type === 'welcome').map((m) => m.seq as number);
  const since = Math.max(...lastSeen);
  const welcome = kiosks[0]!.messages.find((m) => m.type === 'welcome')!;
  const seenLive = new Set(
    kiosks[0]!.messages.filter((m) => m.type === 'event' && m.name === 'announcement.created').map((m) => (m.data as { id: string }).id),
  );

  server = await startServer({ dbFile, adminToken: ADMIN_TOKEN, port });
  http.close();
  http = new Client(port, 16);
  const check = async (o: Outcome) => JSON.parse((await http.request('POST', '/api/checkins', { token: desk, body: o.body })).body) as { replayed: boolean };
  const acked = answered.filter((o) => o.status === 200);
  const replays = await Promise.all(acked.map(check));
  t.equal(replays.filter((r) => !r.replayed).length, 0, `all ${acked.length} acknowledged scans are there after the restart (replayed: true)`);
  const unanswered = [...answered.filter((o) => o.status === 503), ...failed];
  const retries = await Promise.all(unanswered.map(check));
  t.equal(
    retries.filter((r) => r.replayed).length,
    0,
    `none of the ${unanswered.length} scans answered 503 or cut off at the connection (${failed.map((o) => o.status).join(', ') || 'none'}) had been written: no request was processed without its answer`,
  );

  const after = await http.json<{ id: string }>('POST', '/api/announcements', { token: ops, body: { text: 'after the restart', severity: 'info' } });
  const resumed = liveClient(`${wsUrl}?since=${since}&epoch=${String(welcome.epoch)}`, { headers: { authorization: `Bearer ${kioskToken}` } });
  const again = await resumed.next((m) => m.type === 'welcome');
  t.equal(again.epoch, welcome.epoch, 'same database, same epoch');
  await resumed.next((m) => m.type === 'event' && (m.data as { id?: string }).id === after.id);
  t.notOk(resumed.messages.some((m) => m.type === 'snapshot'), 'the kiosk resumes with a replay, not a snapshot');
  const seqs = resumed.messages.filter((m) => m.type === 'event').map((m) => m.seq as number);
  t.ok(seqs.every((s, i) => s > since && (i === 0 || s > seqs[i - 1]!)), 'replayed events follow `since` in order');
  const replayed = new Set(resumed.messages.filter((m) => m.name === 'announcement.created').map((m) => (m.data as { id: string }).id));
  t.same(
    announced.filter((id) => !seenLive.has(id) && !replayed.has(id)),
    [],
    `every acknowledged announcement (${announced.length}) reached the kiosk live or in the replay`,
  );
  resumed.ws.close();
  http.close();
  server.child.kill('SIGTERM');
  await server.exited;
});
