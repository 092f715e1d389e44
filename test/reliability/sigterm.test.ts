// SIGTERM on a real server process: the drain (/readyz 503, everything else served), then under load answers complete, sockets get 1001, exit within 10 s, nothing lost, kiosks resume by replay.
import http from 'node:http';
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
  // A short drain: the load below runs through it and then meets the close.
  let server: ServerProcess = await startServer({ dbFile, adminToken: ADMIN_TOKEN, env: { EVENTDAY_DRAIN_MS: '1000' } });
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

  server = await startServer({ dbFile, adminToken: ADMIN_TOKEN, port, env: { EVENTDAY_DRAIN_MS: '0' } });
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

/** One request on a new connection (no keep-alive): proves the listener still accepts, not just that an old socket lives on. */
function fresh(port: number, method: string, url: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: string } | { error: string }> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers, agent: false, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(payload);
  });
}

t.test('SIGTERM drains first: /readyz 503 while /healthz 200 and new requests are served, then the listener closes', async (t) => {
  const DRAIN_MS = 2_000;
  const dbFile = `${t.testdir()}/eventday.db`;
  const server = await startServer({ dbFile, adminToken: ADMIN_TOKEN, env: { EVENTDAY_DRAIN_MS: String(DRAIN_MS) } });
  t.teardown(() => {
    server.child.kill('SIGKILL');
  });
  const { port } = server;
  const client = new Client(port, 4);
  t.teardown(() => client.close());
  const device = async (role: string) => (await client.json<{ token: string }>('POST', '/api/devices', { token: ADMIN_TOKEN, body: { name: role, role } })).token;
  const desk = await device('desk');
  const kioskToken = await device('kiosk');
  const codes: string[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await client.json<{ badge: { code: string } }>('POST', '/api/attendees', {
      token: desk,
      body: { name: `Drain Person ${i}`, organization: 'Org', category: 'ngo' },
    });
    codes.push(r.badge.code);
  }
  const kiosk = liveClient(`ws://127.0.0.1:${port}/api/live`, { headers: { authorization: `Bearer ${kioskToken}` } });
  await kiosk.next((m) => m.type === 'snapshot');
  interface Probe {
    at: number;
    readyz: number | string;
    healthz: number | string;
    scan: number | string;
    socketOpen: boolean;
  }
  const code = (r: { status: number } | { error: string }) => ('status' in r ? r.status : r.error);
  t.equal(code(await fresh(port, 'GET', '/readyz')), 200, 'ready before the signal');
  const probes: Probe[] = [];
  const sigtermAt = performance.now();
  server.child.kill('SIGTERM');
  for (let i = 0; ; i++) {
    const [readyz, healthz, scan] = await Promise.all([
      fresh(port, 'GET', '/readyz'),
      fresh(port, 'GET', '/healthz'),
      fresh(port, 'POST', '/api/checkins', { token: desk, body: { scanId: `drain-${i}`, code: codes[i % codes.length]! } }),
    ]);
    probes.push({ at: performance.now() - sigtermAt, readyz: code(readyz), healthz: code(healthz), scan: code(scan), socketOpen: kiosk.ws.readyState === kiosk.ws.OPEN });
    if (probes.at(-1)!.readyz === 'ECONNREFUSED') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const exit = await server.exited;
  const exitMs = exit.at - sigtermAt;
  const closed = await kiosk.closed;

  // The drain: from the first 503 (the signal takes a moment to arrive) through the first 80% of
  // the drain, every probe must show "not ready, but serving".
  const first503 = probes.findIndex((p) => p.readyz === 503);
  t.ok(first503 >= 0 && probes[first503]!.at < 1_000, `/readyz answered 503 ${probes[first503]?.at.toFixed(0)} ms after SIGTERM`);
  const during = probes.slice(first503).filter((p) => p.at < DRAIN_MS * 0.8);
  t.ok(during.length >= 3, `${during.length} probes during the first ${DRAIN_MS * 0.8} ms of the drain`);
  t.same(
    during.map((p) => p.readyz),
    during.map(() => 503),
    '/readyz answers 503 from then on',
  );
  t.same(
    during.map((p) => p.healthz),
    during.map(() => 200),
    '/healthz keeps answering 200 during the drain',
  );
  t.same(
    during.map((p) => p.scan),
    during.map(() => 200),
    'new requests on new connections are still served (scans acknowledged) during the drain',
  );
  t.ok(
    during.every((p) => p.socketOpen),
    'live sockets stay open during the drain',
  );
  t.notOk(
    probes.slice(first503).some((p) => p.readyz === 200),
    'readiness never comes back once the drain has begun',
  );
  const lastServed = Math.max(...probes.filter((p) => p.healthz === 200).map((p) => p.at));
  t.ok(lastServed >= DRAIN_MS * 0.8, `the listener still answered ${lastServed.toFixed(0)} ms after SIGTERM (drain ${DRAIN_MS} ms)`);
  const refusedAt = probes.at(-1)!.at;
  t.ok(refusedAt >= DRAIN_MS, `the listener closed only after the drain (${refusedAt.toFixed(0)} ms)`);

  // Then the close it always did.
  t.equal(closed.code, 1001, 'after the drain the live socket gets 1001');
  t.equal(exit.code, 0, 'a clean exit');
  t.ok(exitMs >= DRAIN_MS && exitMs < DRAIN_MS + 10_000, `the process exited ${exitMs.toFixed(0)} ms after SIGTERM`);
});
