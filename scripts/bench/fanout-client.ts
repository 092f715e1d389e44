// Fan-out benchmark client child: holds its share of the WebSockets and records commit-to-receive latency of bench messages.
import WebSocket from 'ws';
import { cpuMs, Histogram, parseMark, serveRpc, sleep, wallNow } from './lib.js';

/** Sockets grouped by server URL: both servers' sockets stay open so their phases can alternate. */
const groups = new Map<string, Set<WebSocket>>();
const group = (url: string): Set<WebSocket> => {
  let g = groups.get(url);
  if (!g) groups.set(url, (g = new Set()));
  return g;
};
const openCount = (): number => [...groups.values()].reduce((n, g) => n + g.size, 0);
let armed = -1;
let hist = new Histogram();
let received = 0;
let stray = 0;
let negative = 0;
let sampleBytes = 0;
let closes: Record<string, number> = {};
let phaseCpu = process.cpuUsage();
let phaseWall = performance.now();

function onMessage(data: Buffer): void {
  const now = wallNow();
  const mark = parseMark(data);
  if (mark === null) return;
  if (mark.phase !== armed) {
    stray += 1;
    return;
  }
  const ms = now - mark.stamp;
  if (ms < 0) negative += 1;
  hist.addMs(Math.max(0, ms));
  received += 1;
  sampleBytes = data.length;
}

function openOne(url: string, headers: Record<string, string>): Promise<void> {
  const sockets = group(url);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: 30_000 });
    let welcomed = false;
    ws.on('message', (data: Buffer) => {
      if (!welcomed) {
        // The first frame is the welcome: only now has the server registered the socket.
        welcomed = true;
        sockets.add(ws);
        resolve();
        return;
      }
      onMessage(data);
    });
    ws.on('close', (code) => {
      if (sockets.delete(ws) && armed >= 0) closes[code] = (closes[code] ?? 0) + 1;
      if (!welcomed) reject(new Error(`closed before welcome (${code})`));
    });
    ws.on('unexpected-response', (_req, res) => {
      reject(new Error(`HTTP ${res.statusCode}`));
      ws.terminate();
    });
    ws.on('error', (err) => {
      if (!welcomed) reject(err);
    });
  });
}

async function connect(url: string, count: number, token: string | null, concurrency: number) {
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  let started = 0;
  let opened = 0;
  let failed = 0;
  let firstError: string | null = null;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started += 1;
      try {
        await openOne(url, headers);
        opened += 1;
      } catch (err) {
        failed += 1;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { opened, failed, firstError, open: group(url).size };
}

async function disconnect(url: string, timeoutMs: number): Promise<number> {
  const sockets = group(url);
  for (const ws of sockets) ws.terminate();
  const deadline = performance.now() + timeoutMs;
  while (sockets.size > 0 && performance.now() < deadline) await sleep(20);
  const left = sockets.size;
  groups.delete(url);
  return left;
}

serveRpc({
  connect: (msg) => connect(msg.url as string, msg.count as number, msg.token as string | null, msg.concurrency as number),
  arm(msg) {
    armed = msg.phase as number;
    hist = new Histogram();
    received = 0;
    stray = 0;
    negative = 0;
    closes = {};
    phaseCpu = process.cpuUsage();
    phaseWall = performance.now();
    return { open: group(msg.url as string).size };
  },
  count: () => ({ received, open: openCount() }),
  report() {
    const out = {
      hist: hist.toWire(),
      received,
      stray,
      negative,
      closes,
      open: openCount(),
      sampleBytes,
      cpuMs: cpuMs(process.cpuUsage(phaseCpu)),
      wallMs: performance.now() - phaseWall,
    };
    armed = -1;
    return out;
  },
  disconnect: (msg) => disconnect(msg.url as string, msg.timeoutMs as number),
  clock: () => wallNow(),
  exit() {
    setImmediate(() => process.exit(0));
  },
});

process.send?.({ ready: true, pid: process.pid });
