// Fan-out benchmark server child: eventday (buildApp on a temp database) or a bare `ws` broadcast, both producing the same events on command.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { WebSocket, WebSocketServer } from 'ws';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { EventRecord } from '../../src/live/event-log.js';
import { createLogger } from '../../src/logger.js';
import { benchText, cpuMs, Histogram, serveRpc, sleep, wallNow } from './lib.js';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
// eventday's default heartbeat (or --ping-ms); the bare server runs the `ws` README heartbeat at the same pace.
const PING_MS = Number(process.argv[3] ?? 25_000);
const MAX_BUFFERED = 1024 * 1024;

interface Target {
  port: number;
  path: string;
  /** Query string of a resuming client (eventday: replay from seq 0 in this epoch instead of a snapshot). */
  resume: string;
  token: string | null;
  sockets(): number;
  /**
   * A batch of events that came due in one tick, each stamped as it is created: eventday submits
   * them (one group commit, one publish), bare serialises and broadcasts them one after the other.
   * The promise settles after the commit.
   */
  emit(phase: number, first: number, count: number): Promise<unknown> | void;
  close(): Promise<void>;
}

/** Stamp → start of fan-out (eventday: submit, group-commit tick, SQLite transaction with fsync) and fan-out duration per publish. */
let commitToFanout = new Histogram();
let fanoutMs = new Histogram();
let emitErrors = 0;
/** CPU time (whole process, user + system) spent inside fan-outs, and how many fan-outs. */
let fanoutCpuMs = 0;
let fanouts = 0;
/** eventday only: stamp → transaction start (the event's `at`, ms resolution), transaction start → fan-out, and WAL checkpoints. */
let queueMs = new Histogram();
let txMs = new Histogram();
let checkpoints = { count: 0, totalMs: 0, maxMs: 0 };
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function timedFanout(fanout: () => void): void {
  const t = wallNow();
  const c = process.cpuUsage();
  fanout();
  fanoutCpuMs += cpuMs(process.cpuUsage(c));
  fanouts += 1;
  fanoutMs.addMs(wallNow() - t);
}

async function eventday(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'eventday-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({
    EVENTDAY_DB: join(dir, 'bench.db'),
    EVENTDAY_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    PORT: '0',
    EVENTDAY_WS_PING_MS: String(PING_MS),
    EVENTDAY_WS_MAX_BUFFERED: String(MAX_BUFFERED),
    // Every socket of the bench shares one kiosk token: the per-device allowance would close all but 8.
    EVENTDAY_WS_MAX_PER_DEVICE: '1000000',
  });
  const app = await buildApp(config, { logger: createLogger('error') });
  const device = async (role: 'kiosk' | 'ops'): Promise<{ id: string; token: string }> => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/devices',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { name: `bench ${role}`, role },
    });
    if (res.statusCode !== 201) throw new Error(`POST /api/devices → ${res.statusCode} ${res.body}`);
    return res.json<{ id: string; token: string }>();
  };
  const kiosk = await device('kiosk');
  const ops = await device('ops');
  const actor = { deviceId: ops.id, role: 'ops' as const };

  // Observation only: the hub itself is untouched; this wraps the instance method the writer calls after commit.
  const hub = app.hub;
  const publish = hub.publish.bind(hub);
  const stampRe = /bench\|\d+\|\d+\|([\d.]+)\|/;
  hub.publish = (events: EventRecord[]): void => {
    const t = wallNow();
    for (const e of events) {
      const m = stampRe.exec(e.payloadJson);
      if (m) {
        const stamp = Number(m[1]);
        commitToFanout.addMs(t - stamp);
        queueMs.addMs(Math.max(0, e.at - stamp));
        txMs.addMs(Math.max(0, t - e.at));
      }
    }
    timedFanout(() => publish(events));
  };

  if (app.store.kind !== 'sqlite') throw new Error('this benchmark measures the SQLite node');
  const { sqlite } = app.store;
  const pragma = sqlite.pragma.bind(sqlite);
  sqlite.pragma = (source: string, options?: { simple?: boolean }) => {
    if (!source.startsWith('wal_checkpoint')) return pragma(source, options);
    const t = performance.now();
    try {
      return pragma(source, options);
    } finally {
      const ms = performance.now() - t;
      checkpoints.count += 1;
      checkpoints.totalMs += ms;
      checkpoints.maxMs = Math.max(checkpoints.maxMs, ms);
    }
  };

  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return {
    port,
    path: '/api/live',
    resume: `?since=0&epoch=${encodeURIComponent(app.settings.epoch)}`,
    token: kiosk.token,
    sockets: () => hub.size,
    emit(phase, first, count) {
      const created: Promise<unknown>[] = [];
      for (let index = first; index < first + count; index++) {
        const stamp = wallNow();
        created.push(
          app.services.announcements.create(actor, { text: benchText(phase, index, stamp), severity: 'info' }).catch(() => {
            emitErrors += 1;
          }),
        );
      }
      return Promise.all(created);
    },
    async close() {
      await Promise.race([app.close(), sleep(5_000)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function bare(): Promise<Target> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 });
  const alive = new WeakMap<WebSocket, boolean>();
  wss.on('connection', (ws) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', () => {});
    ws.send(JSON.stringify({ type: 'welcome', role: 'kiosk', seq: 0, epoch: 'bare' }));
  });
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, PING_MS);
  heartbeat.unref();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let seq = 0;
  return {
    port: (server.address() as AddressInfo).port,
    path: '/',
    resume: '',
    token: null,
    sockets: () => wss.clients.size,
    emit(phase, first, count) {
      const batch: { stamp: number; message: Buffer }[] = [];
      for (let index = first; index < first + count; index++) {
        const stamp = wallNow();
        // The same bytes eventday sends: the announcement wire object inside the event envelope, serialised once.
        const iso = new Date().toISOString();
        const data = { id: randomUUID(), text: benchText(phase, index, stamp), severity: 'info', roomIds: null, createdAt: iso, expiresAt: null };
        seq += 1;
        const message = Buffer.from(
          `{"type":"event","seq":${seq},"at":${JSON.stringify(iso)},"topic":"announcements","name":"announcement.created","data":${JSON.stringify(data)}}`,
        );
        batch.push({ stamp, message });
      }
      const t = wallNow();
      for (const { stamp } of batch) commitToFanout.addMs(t - stamp);
      timedFanout(() => {
        for (const { message } of batch) {
          for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(message);
        }
      });
    },
    async close() {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const mode = process.argv[2];
if (mode !== 'eventday' && mode !== 'bare') throw new Error('usage: fanout-server.ts eventday|bare');
const target = mode === 'eventday' ? await eventday() : await bare();

const gc = (globalThis as { gc?: () => void }).gc;
let phaseStart = { cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), wall: performance.now() };

/**
 * Events on an absolute schedule; a wake that finds itself behind emits at most 50 ms worth of
 * events and skips the rest, so an overloaded server shows up as a lower achieved rate, not as an
 * ever-growing burst.
 */
async function run(phase: number, rate: number, seconds: number): Promise<{ emitted: number; skipped: number }> {
  commitToFanout = new Histogram();
  fanoutMs = new Histogram();
  emitErrors = 0;
  fanoutCpuMs = 0;
  fanouts = 0;
  queueMs = new Histogram();
  txMs = new Histogram();
  checkpoints = { count: 0, totalMs: 0, maxMs: 0 };
  loopDelay.reset();
  phaseStart = { cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), wall: performance.now() };
  const interval = 1000 / rate;
  const slots = Math.round(rate * seconds);
  const cap = Math.max(1, Math.ceil(rate / 20));
  const t0 = performance.now();
  const pending: Promise<unknown>[] = [];
  let slot = 0;
  let emitted = 0;
  let skipped = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(slots, Math.floor((performance.now() - t0) / interval) + 1) - slot;
      const n = Math.min(due, cap);
      if (n > 0) {
        const p = target.emit(phase, emitted, n);
        if (p) pending.push(p);
        emitted += n;
      }
      skipped += due - n;
      slot += due;
      if (slot >= slots) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, t0 + slot * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  return { emitted, skipped };
}

async function settledRss(): Promise<{ rss: number; heapUsed: number; external: number; newSpace: number; gc: boolean }> {
  if (gc) {
    // V8 and malloc hand pages back lazily after a collection: collect until RSS holds still (±256 KiB).
    let last = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 8; i++) {
      gc();
      await sleep(300);
      const now = process.memoryUsage.rss();
      if (Math.abs(now - last) < 256 * 1024) break;
      last = now;
    }
  } else {
    // No --expose-gc: wait for two readings within 1 % of each other.
    let last = process.memoryUsage.rss();
    for (let i = 0; i < 20; i++) {
      await sleep(250);
      const now = process.memoryUsage.rss();
      if (Math.abs(now - last) / last < 0.01) break;
      last = now;
    }
  }
  const m = process.memoryUsage();
  const newSpace = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.physical_space_size ?? 0;
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, newSpace, gc: gc !== undefined };
}

serveRpc({
  rss: () => settledRss(),
  sockets: () => target.sockets(),
  async waitSockets(msg) {
    const want = msg.count as number;
    const deadline = performance.now() + (msg.timeoutMs as number);
    while (target.sockets() !== want && performance.now() < deadline) await sleep(50);
    return target.sockets();
  },
  run: (msg) => run(msg.phase as number, msg.rate as number, msg.seconds as number),
  stats() {
    const cpu = cpuMs(process.cpuUsage(phaseStart.cpu));
    const elu = performance.eventLoopUtilization(phaseStart.elu);
    return {
      wallMs: performance.now() - phaseStart.wall,
      cpuMs: cpu,
      elu: elu.utilization,
      commitToFanout: commitToFanout.toWire(),
      fanoutMs: fanoutMs.toWire(),
      emitErrors,
      fanoutCpuMs,
      fanouts,
      queueMs: queueMs.toWire(),
      txMs: txMs.toWire(),
      checkpoints,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
      sockets: target.sockets(),
    };
  },
  clock: () => wallNow(),
  async exit() {
    await target.close();
    setImmediate(() => process.exit(0));
  },
});

process.send?.({ ready: true, port: target.port, path: target.path, resume: target.resume, token: target.token, pid: process.pid });
