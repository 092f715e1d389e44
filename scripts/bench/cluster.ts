// Cluster benchmark: scans/s under 16 and 50 desks and live fan-out latency, for 1, 2 and 3 PostgreSQL nodes behind nginx beside one SQLite node, in one run; prints a table.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { progress } from '../cli.js';
import { Cluster, freshSchema } from '../cluster/lib.js';
import { Client, numericFlags, quantile, startServer, TransportError, type ServerProcess } from '../reliability/lib.js';
import { benchText, Histogram, parseMark, Rpc, serveRpc, sleep, wallNow } from './lib.js';

const USAGE = `usage: npx tsx scripts/bench/cluster.ts [--seconds 5] [--warmup 1] [--desks 16] [--desks-max 50] [--attendees 500]
       [--sockets 500] [--rate 20] [--fanout-seconds 5] [--max-nodes 3]
  --seconds         measured seconds of each scan load (after --warmup seconds not counted)
  --desks           concurrent desks of the first scan load; --desks-max of the second
  --sockets         live sockets (kiosk role) for the fan-out; --rate announcements a second for --fanout-seconds
  --max-nodes       PostgreSQL setups from 1 node up to this many (at most 3: the nginx template has three slots; 0: SQLite only)
  The PostgreSQL server is EVENTDAY_BENCH_DB, else EVENTDAY_TEST_DB, else postgres://postgres@127.0.0.1:5432/test;
  each setup runs in a schema of its own, dropped afterwards.`;

const opts = numericFlags(
  process.argv.slice(2),
  { seconds: 5, warmup: 1, desks: 16, 'desks-max': 50, attendees: 500, sockets: 500, rate: 20, 'fanout-seconds': 5, 'max-nodes': 3 },
  USAGE,
);
const PG_URL = process.env.EVENTDAY_BENCH_DB ?? process.env.EVENTDAY_TEST_DB ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN_TOKEN = `bench-admin-${randomUUID()}`;
/** Every node: quiet logs, room for the bench's sockets on few devices, and no drain between setups. */
const NODE_ENV = { LOG_LEVEL: 'warn', EVENTDAY_WS_MAX_PER_DEVICE: '100000', EVENTDAY_DRAIN_MS: '0' };

interface ScanFigures {
  desks: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

interface FanoutFigures {
  events: number;
  sockets: number;
  p50: number;
  p99: number;
  delivered: number;
  /** From the POST being sent: the write's own time plus the fan-out. */
  writeP99: number;
}

interface Row {
  setup: string;
  scans: ScanFigures[];
  fanout: FanoutFigures;
  /** The machine's 1-minute load average when the setup was done: other work on it skews every figure. */
  load: number;
}

/** One way in (a node, or nginx in front of several) with the tokens the loads use. */
interface Target {
  port: number;
  desks: string[];
  kiosk: string;
  ops: string;
  codes: string[];
}

async function prepare(port: number): Promise<Target> {
  const client = new Client(port, 16);
  try {
    const device = async (role: string, name: string) => (await client.json<{ token: string }>('POST', '/api/devices', { token: ADMIN_TOKEN, body: { name, role } })).token;
    const desks: string[] = [];
    for (let i = 0; i < opts['desks-max']; i++) desks.push(await device('desk', `bench desk ${i}`));
    const kiosk = await device('kiosk', 'bench kiosk');
    const ops = await device('ops', 'bench ops');
    const codes: string[] = [];
    const make = async (from: number) => {
      for (let i = from; i < opts.attendees; i += 16) {
        const r = await client.json<{ badge: { code: string } }>('POST', '/api/attendees', { token: desks[0]!, body: { name: `Bench Person ${i}`, organization: 'Bench', category: 'industry' } });
        codes.push(r.badge.code);
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, i) => make(i)));
    return { port, desks, kiosk, ops, codes };
  } finally {
    client.close();
  }
}

/** `desks` concurrent desks, one scan after another each, for warmup + seconds; counts what the measured window answered. */
async function scanLoad(target: Target, desks: number): Promise<ScanFigures> {
  const client = new Client(target.port, desks, 10_000);
  const start = performance.now();
  const from = start + opts.warmup * 1000;
  const until = from + opts.seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const desk = async (i: number) => {
    while (performance.now() < until) {
      const sent = performance.now();
      const code = target.codes[(n++ * 7919) % target.codes.length]!;
      try {
        const reply = await client.request('POST', '/api/checkins', { token: target.desks[i]!, body: { scanId: randomUUID(), code } });
        if (sent >= from && reply.status === 200) latencies.push(reply.ms);
        else if (reply.status !== 200) errors += 1;
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: desks }, (_, i) => desk(i)));
  client.close();
  return { desks, perSecond: latencies.length / opts.seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), errors };
}

/** Processes holding the fan-out's sockets: the bench's own event loop would otherwise be what is measured. */
const CLIENT_PROCESSES = 2;
/** Set in the environment of this file's own children: they hold sockets instead of running the bench. */
const CLIENT_ENV = 'EVENTDAY_BENCH_CLUSTER_CLIENT';
let phase = 0;

/**
 * A client child: opens sockets on command and notes, per bench message of the armed phase, its
 * index and the wall time it arrived (flat pairs), for the parent to match with the write's times.
 */
function serveFanoutClient(): void {
  let armed = -1;
  let arrivals: number[] = [];
  const sockets: WebSocket[] = [];
  const openOne = (url: string, token: string) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, skipUTF8Validation: true });
      sockets.push(ws);
      ws.on('message', (raw) => {
        const data = raw as Buffer;
        const at = wallNow();
        const mark = parseMark(data);
        if (mark !== null) {
          if (mark.phase === armed) arrivals.push(mark.index, at);
        } else if (data.includes('"type":"snapshot"')) resolve();
      });
      ws.on('error', reject);
      ws.on('unexpected-response', (req, res) => {
        reject(new Error(`HTTP ${res.statusCode}`));
        req.destroy();
      });
    });
  serveRpc({
    async connect(msg) {
      const count = msg.count as number;
      for (let i = 0; i < count; i += 25) await Promise.all(Array.from({ length: Math.min(25, count - i) }, () => openOne(msg.url as string, msg.token as string)));
      return sockets.length;
    },
    arm(msg) {
      armed = msg.phase as number;
      arrivals = [];
    },
    count: () => arrivals.length / 2,
    report: () => arrivals,
    exit() {
      for (const ws of sockets) ws.terminate();
      setImmediate(() => process.exit(0));
    },
  });
  process.send?.({ ready: true });
}

/**
 * `sockets` kiosk sockets split over the client processes, then announcements at `rate` a second
 * (round robin by the way in). Fan-out latency: when a socket got the event, after the POST that
 * wrote it was answered (0 when the socket had it first), the other nodes' tail included;
 * write-to-socket: after the POST was sent, so the write's own time too. Undelivered events count
 * as infinitely late.
 */
async function fanout(target: Target): Promise<FanoutFigures> {
  phase += 1;
  const url = `ws://127.0.0.1:${target.port}/api/live`;
  const children = Array.from({ length: CLIENT_PROCESSES }, (_, i) => {
    const child = fork(fileURLToPath(import.meta.url), [], { execArgv: process.execArgv, env: { ...process.env, [CLIENT_ENV]: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Rpc(child, `fan-out client ${i}`);
  });
  try {
    await Promise.all(children.map((c) => c.next(30_000)));
    await Promise.all(
      children.map((c, i) =>
        c.call('connect', { url, count: Math.floor(opts.sockets / CLIENT_PROCESSES) + (i < opts.sockets % CLIENT_PROCESSES ? 1 : 0), token: target.kiosk }, 120_000),
      ),
    );
    await Promise.all(children.map((c) => c.call('arm', { phase })));
    const client = new Client(target.port, 8, 10_000);
    const events = Math.round(opts.rate * opts['fanout-seconds']);
    const sentAt: number[] = [];
    const answeredAt: number[] = [];
    const started = performance.now();
    const posts: Promise<void>[] = [];
    for (let i = 0; i < events; i++) {
      const wait = started + (i * 1000) / opts.rate - performance.now();
      if (wait > 0) await sleep(wait);
      const sent = wallNow();
      sentAt[i] = sent;
      posts.push(
        client.request('POST', '/api/announcements', { token: target.ops, body: { text: benchText(phase, i, sent), severity: 'info' } }).then((reply) => {
          answeredAt[i] = wallNow();
          if (reply.status !== 201) throw new Error(`announcement: ${reply.status} ${reply.body.slice(0, 200)}`);
        }),
      );
    }
    await Promise.all(posts);
    client.close();
    const expected = events * opts.sockets;
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      const counts = await Promise.all(children.map((c) => c.call<number>('count')));
      if (counts.reduce((n, c) => n + c, 0) >= expected) break;
      await sleep(100);
    }
    const afterAnswer = new Histogram();
    const afterSend = new Histogram();
    for (const pairs of await Promise.all(children.map((c) => c.call<number[]>('report')))) {
      for (let k = 0; k < pairs.length; k += 2) {
        const index = pairs[k]!;
        afterAnswer.addMs(Math.max(0, pairs[k + 1]! - answeredAt[index]!));
        afterSend.addMs(pairs[k + 1]! - sentAt[index]!);
      }
    }
    const missing = expected - afterAnswer.total;
    return {
      events,
      sockets: opts.sockets,
      p50: afterAnswer.quantile(0.5, missing),
      p99: afterAnswer.quantile(0.99, missing),
      writeP99: afterSend.quantile(0.99, missing),
      delivered: afterAnswer.total / expected,
    };
  } finally {
    await Promise.all(children.map((c) => c.call('exit', {}, 5_000).catch(() => c.child.kill('SIGKILL'))));
  }
}

async function measure(setup: string, port: number): Promise<Row> {
  progress('bench:cluster', `${setup}: preparing ${opts.attendees} attendees`);
  const target = await prepare(port);
  const scans: ScanFigures[] = [];
  for (const desks of [opts.desks, opts['desks-max']]) {
    progress('bench:cluster', `${setup}: ${desks} desks for ${opts.seconds} s`);
    scans.push(await scanLoad(target, desks));
  }
  progress('bench:cluster', `${setup}: fan-out to ${opts.sockets} sockets at ${opts.rate}/s`);
  const figures = await fanout(target);
  return { setup, scans, fanout: figures, load: loadavg()[0]! };
}

async function sqliteRow(): Promise<Row> {
  const dir = mkdtempSync(path.join(tmpdir(), 'eventday-bench-cluster-'));
  let server: ServerProcess | null = null;
  try {
    server = await startServer({ dbFile: path.join(dir, 'eventday.db'), adminToken: ADMIN_TOKEN, env: NODE_ENV });
    return await measure('SQLite, 1 node', server.port);
  } finally {
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pgRow(nodes: number, proxy: boolean): Promise<Row> {
  const dir = mkdtempSync(path.join(tmpdir(), 'eventday-bench-cluster-'));
  const { schema, drop } = await freshSchema(PG_URL, 'bench');
  let cluster: Cluster | null = null;
  try {
    cluster = await Cluster.start({ url: PG_URL, schema, nodes, adminToken: ADMIN_TOKEN, dir, proxy, env: NODE_ENV });
    const port = proxy ? cluster.proxy!.port : cluster.node(0).port;
    return await measure(`PostgreSQL, ${nodes} node${nodes > 1 ? 's' : ''}${proxy ? ' + nginx' : ''}`, port);
  } finally {
    await cluster?.stop();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [await sqliteRow()];
  // One node without nginx too: the proxy's own cost, apart from PostgreSQL's.
  if (opts['max-nodes'] >= 1) rows.push(await pgRow(1, false));
  for (let nodes = 1; nodes <= Math.min(3, opts['max-nodes']); nodes++) rows.push(await pgRow(nodes, true));

  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'lost');
  const header = [
    'setup',
    ...[opts.desks, opts['desks-max']].flatMap((d) => [`scans/s @${d}`, `p99 ms @${d}`]),
    'fan-out p50 ms',
    'fan-out p99 ms',
    'write→socket p99 ms',
    'delivered',
    'load',
  ];
  const table = rows.map((r) => [
    r.setup,
    ...r.scans.flatMap((s) => [`${Math.round(s.perSecond)}${s.errors > 0 ? ` (${s.errors} errors)` : ''}`, ms(s.p99)]),
    ms(r.fanout.p50),
    ms(r.fanout.p99),
    ms(r.fanout.writeP99),
    `${(r.fanout.delivered * 100).toFixed(1)} %`,
    r.load.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(
    `\n${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), load generator in this process; scans ${opts.seconds} s after ${opts.warmup} s warm-up; ` +
      `${opts.sockets} kiosk sockets (in ${CLIENT_PROCESSES} client processes), ${Math.round(opts.rate * opts['fanout-seconds'])} announcements at ${opts.rate}/s; ` +
      `fan-out: from the write's answer to the socket; write→socket: from the POST being sent; load: 1-minute load average after the setup\n`,
  );
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of table) console.log(line(row));
}

if (process.env[CLIENT_ENV] === '1') serveFanoutClient();
else await main();
