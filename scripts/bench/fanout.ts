// Fan-out benchmark (issue 2): eventday's live hub against a bare `ws` broadcast, same messages, same client processes, servers in their own processes.
import { execSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Histogram, Rpc, report as reportFigures, sleep, wallNow, type Figure, type HistWire } from './lib.js';

const USAGE = `usage: npx tsx scripts/bench/fanout.ts [--sockets 1000,5000,10000] [--rates 10,100] [--seconds 10]
       [--clients 4] [--drain 5] [--concurrency 32] [--quick] [--max-minutes 15] [--quiet-wait 0] [--ping-ms 25000] [--profile DIR] [--json FILE]
  --quick        1,000 sockets only
  --clients      client processes holding the sockets (each gets an equal share)
  --drain        seconds to wait after the last event for deliveries; later ones count as lost
  --max-minutes  watchdog: the run aborts past this
  --quiet-wait   before each rate, wait up to this many seconds for the machine to be < 15 % busy (other work skews results)
  --ping-ms      heartbeat interval of both servers (eventday's default is 25 s)
  --profile      write V8 CPU profiles of the server children into DIR/eventday and DIR/bare (open in Chrome DevTools)
  --json         append the figures against the issue's goals to FILE (read by npm run bench)`;

interface Options {
  sockets: number[];
  rates: number[];
  seconds: number;
  clients: number;
  drain: number;
  concurrency: number;
  maxMinutes: number;
  profile: string | null;
  quietWait: number;
  pingMs: number;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sockets: [1000, 5000, 10000], rates: [10, 100], seconds: 10, clients: 4, drain: 5, concurrency: 32, maxMinutes: 15, profile: null, quietWait: 0, pingMs: 25_000, json: null };
  const list = (v: string | undefined): number[] => {
    const xs = (v ?? '').split(',').map((s) => Number(s.trim()));
    if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x <= 0)) throw new Error(`bad list: ${v}\n${USAGE}`);
    return xs;
  };
  const num = (v: string | undefined): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0) throw new Error(`bad number: ${v}\n${USAGE}`);
    return x;
  };
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--sockets': o.sockets = list(v).map(Math.round); i++; break;
      case '--rates': o.rates = list(v); i++; break;
      case '--seconds': o.seconds = num(v); i++; break;
      case '--clients': o.clients = Math.round(num(v)); i++; break;
      case '--drain': o.drain = num(v); i++; break;
      case '--concurrency': o.concurrency = Math.round(num(v)); i++; break;
      case '--max-minutes': o.maxMinutes = num(v); i++; break;
      case '--ping-ms': o.pingMs = Math.round(num(v)); i++; break;
      case '--quiet-wait': o.quietWait = Math.max(0, Number(v) || 0); i++; break;
      case '--profile':
        if (v === undefined) throw new Error(`--profile needs a folder\n${USAGE}`);
        o.profile = v;
        i++;
        break;
      case '--json': o.json = v ?? null; i++; break;
      case '--quick': quick = true; break;
      case '--help': case '-h': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  if (quick) o.sockets = [1000];
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const children: ChildProcess[] = [];

function killChildren(): void {
  // SIGTERM lets a child run its exit handlers (the eventday server removes its temp database).
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}
process.on('exit', killChildren);
const watchdog = setTimeout(() => {
  console.error(`\nwatchdog: the run passed --max-minutes ${opts.maxMinutes}; aborting`);
  killChildren();
  process.exit(2);
}, opts.maxMinutes * 60_000);

const SERVER_FLAGS = ['--expose-gc'];

function spawnChild(file: string, args: string[], name: string, server = false): Rpc {
  const prof = server && opts.profile !== null ? ['--cpu-prof', `--cpu-prof-dir=${opts.profile}/${args[0]}`] : [];
  const child = fork(here(file), args, {
    execArgv: [...process.execArgv, ...(server ? SERVER_FLAGS : []), ...prof],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Rpc(child, name);
}

// File descriptors: the server holds every socket, each client process its share. Node cannot raise its own limit.
function fdLimits(): { soft: number; hard: number } {
  const read = (flag: string): number => {
    const out = execSync(`ulimit ${flag}`, { shell: '/bin/sh', encoding: 'utf8' }).trim();
    return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out);
  };
  return { soft: read('-n'), hard: read('-Hn') };
}
const limits = fdLimits();
const headroom = 200;
/** Both servers keep their N sockets open at once: each client process holds 2N/clients, and 2N ephemeral ports are in use. */
function ephemeralPorts(): number {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return hi! - lo! + 1;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
const ports = ephemeralPorts();
const runnable = opts.sockets.filter((n) => {
  const need = Math.max(n, Math.ceil((2 * n) / opts.clients)) + headroom;
  if (2 * n > ports - 1000) {
    console.error(`${n} sockets: both servers' ${2 * n} client sockets need more than the ${ports} ephemeral ports (net.ipv4.ip_local_port_range). Skipping ${n}.`);
    return false;
  }
  if (limits.soft >= need) return true;
  console.error(
    `ulimit -n is ${limits.soft} (hard ${limits.hard}): ${n} sockets need about ${need} descriptors per process ` +
      `(the server holds ${n}, each of the ${opts.clients} client processes ${Math.ceil((2 * n) / opts.clients)}). ` +
      (limits.hard >= need
        ? `Raise it in this shell first (\`ulimit -n ${need}\`, allowed up to the hard limit) and run again, or add --clients.`
        : `That is above the hard limit, which only root can raise; use more --clients or fewer --sockets.`) +
      ` Skipping ${n}.`,
  );
  return false;
});
if (runnable.length === 0) {
  console.error('nothing to run within the descriptor and port limits');
  process.exit(1);
}

/** Busy and total CPU time of the whole machine, in ms (from /proc/stat; Linux only). */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
    const total = f.reduce((a, b) => a + b, 0);
    const idle = f[3]! + f[4]!;
    return { busy: (total - idle) * 10, total: total * 10 };
  } catch {
    return null;
  }
}

/** Waits (up to `maxMs`) for the machine to be nearly idle; returns the busy fraction last seen. */
async function quietMachine(maxMs: number): Promise<number> {
  const deadline = wallNow() + maxMs;
  for (;;) {
    const a = machineCpu();
    await sleep(500);
    const b = machineCpu();
    const busy = a && b && b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
    if (busy < 0.15 || wallNow() >= deadline) return busy;
  }
}

const fmtMs = (ms: number): string =>
  Number.isNaN(ms) ? 'n/a' : !Number.isFinite(ms) ? 'lost' : ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const pad = (s: string, n: number): string => s.padStart(n);

interface RateResult {
  rate: number;
  emitted: number;
  skipped: number;
  achieved: number;
  expected: number;
  received: number;
  p50: number;
  p99: number;
  max: number;
  serverCpu: number;
  elu: number;
  clientCpu: number;
  commitP50: number;
  commitP99: number;
  fanoutP50: number;
  fanoutP99: number;
  fanoutMax: number;
  /** Server CPU µs per socket send: CPU spent inside fan-outs / messages sent. */
  cpuPerSendUs: number;
  queueP50: number;
  queueP99: number;
  txP50: number;
  txP99: number;
  checkpoints: { count: number; totalMs: number; maxMs: number };
  loopDelayP99: number;
  loopDelayMax: number;
  closes: Record<string, number>;
  negative: number;
  bytes: number;
  /** Cores used by processes other than this benchmark's during the phase. */
  otherCores: number;
}

interface ModeResult {
  mode: 'eventday' | 'bare';
  sockets: number;
  connectMs: number;
  freshMsPerSocket: number;
  baseRss: number;
  idleRss: number;
  /** Physical size of V8's young generation at each reading: it follows the allocation rate, not the sockets held. */
  baseYoung: number;
  idleYoung: number;
  baseHeap: number;
  idleHeap: number;
  rates: RateResult[];
}

const clientCount = opts.clients;
let phaseId = 0;

interface ServerHandle {
  mode: 'eventday' | 'bare';
  rpc: Rpc;
  /** A fresh client: eventday answers with a snapshot. */
  url: string;
  /** A resuming client (`since` + `epoch`): eventday replays the (empty for kiosks) tail instead; the bulk of the sockets connect this way. */
  resumeUrl: string;
  token: string | null;
}

interface ServerStats {
  wallMs: number;
  cpuMs: number;
  elu: number;
  commitToFanout: HistWire;
  fanoutMs: HistWire;
  emitErrors: number;
  fanoutCpuMs: number;
  fanouts: number;
  queueMs: HistWire;
  txMs: HistWire;
  checkpoints: { count: number; totalMs: number; maxMs: number };
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

interface ClientReport {
  hist: HistWire;
  received: number;
  negative: number;
  closes: Record<string, number>;
  sampleBytes: number;
  cpuMs: number;
  wallMs: number;
}

async function main(): Promise<void> {
  const started = wallNow();
  console.log(
    `fan-out bench: node ${process.version}, ${cpus().length} cores, ${clientCount} client processes, ` +
      `sockets ${runnable.join('/')}, rates ${opts.rates.join('/')}/s, ${opts.seconds} s each, drain ${opts.drain} s, ulimit -n ${limits.soft}`,
  );
  const clients: Rpc[] = [];
  for (let i = 0; i < clientCount; i++) clients.push(spawnChild('./fanout-client.ts', [], `client ${i}`));
  await Promise.all(clients.map((c) => c.next(30_000)));

  const all = <T>(f: (c: Rpc, i: number) => Promise<T>): Promise<T[]> => Promise.all(clients.map(f));
  const share = (n: number, i: number): number => Math.floor(n / clientCount) + (i < n % clientCount ? 1 : 0);

  /** Opens `count` more sockets (split over the clients) and waits until the server holds `total`. */
  const connect = async (s: ServerHandle, url: string, count: number, total: number): Promise<number> => {
    const t0 = wallNow();
    const outs = await all((c, i) =>
      c.call<{ opened: number; failed: number; firstError: string | null }>(
        'connect',
        { url, count: share(count, i), token: s.token, concurrency: opts.concurrency },
        300_000,
      ),
    );
    const failed = outs.reduce((sum, o) => sum + o.failed, 0);
    if (failed > 0) throw new Error(`${s.mode}: ${failed} of ${count} sockets failed to open (${outs.find((o) => o.firstError)?.firstError})`);
    const seen = await s.rpc.call<number>('waitSockets', { count: total, timeoutMs: 30_000 }, 40_000);
    if (seen !== total) throw new Error(`${s.mode}: server holds ${seen} sockets, expected ${total}`);
    return wallNow() - t0;
  };
  const disconnect = async (s: ServerHandle, url: string): Promise<void> => {
    await all((c) => c.call('disconnect', { url, timeoutMs: 20_000 }, 30_000));
    await s.rpc.call('waitSockets', { count: 0, timeoutMs: 20_000 }, 30_000);
  };

  /** Warm-up (fresh clients: snapshot), RSS with no sockets, then N resuming sockets and RSS again. */
  const prepare = async (s: ServerHandle, n: number): Promise<ModeResult> => {
    // Warming the accept/upgrade path first keeps lazily compiled code out of the per-socket memory.
    const warm = Math.min(200, n);
    await connect(s, s.url, 100, 100);
    const freshMs = await connect(s, s.url, warm, 100 + warm); // timed once the path is warm
    await disconnect(s, s.url);
    type Rss = { rss: number; heapUsed: number; newSpace: number; gc: boolean };
    const base = await s.rpc.call<Rss>('rss');
    const connectMs = await connect(s, s.resumeUrl, n, n);
    await sleep(1_000);
    const idle = await s.rpc.call<Rss>('rss');
    const raw = (idle.rss - base.rss) / n;
    const exYoung = (idle.rss - idle.newSpace - (base.rss - base.newSpace)) / n;
    console.log(
      `${pad(String(n), 6)} sockets  ${s.mode.padEnd(8)}  connected in ${(connectMs / 1000).toFixed(1)} s ` +
        `(${(freshMs / warm).toFixed(2)} ms/socket fresh, ${(connectMs / n).toFixed(2)} resuming); ` +
        `RSS ${(base.rss / 2 ** 20).toFixed(1)} → ${(idle.rss / 2 ** 20).toFixed(1)} MiB = ${kib(raw)} KiB/socket, ` +
        `${kib(exYoung)} without the young generation${base.gc ? '' : ' (no --expose-gc: stable reading)'}`,
    );
    return {
      mode: s.mode,
      sockets: n,
      connectMs,
      freshMsPerSocket: freshMs / warm,
      baseRss: base.rss,
      idleRss: idle.rss,
      baseYoung: base.newSpace,
      idleYoung: idle.newSpace,
      baseHeap: base.heapUsed,
      idleHeap: idle.heapUsed,
      rates: [],
    };
  };

  /** One rate against one server: events for `seconds`, then up to `drain` seconds for deliveries. */
  const phase = async (s: ServerHandle, n: number, rate: number): Promise<RateResult> => {
    phaseId += 1;
    if (opts.quietWait > 0) await quietMachine(opts.quietWait * 1000);
    const cpu0 = machineCpu();
    const wall0 = wallNow();
    const armed = await all((c) => c.call<{ open: number }>('arm', { phase: phaseId, url: s.resumeUrl }));
    const run = await s.rpc.call<{ emitted: number; skipped: number }>('run', { phase: phaseId, rate, seconds: opts.seconds }, opts.seconds * 1000 + 120_000);
    const expected = run.emitted * armed.reduce((sum, a) => sum + a.open, 0);
    const deadline = wallNow() + opts.drain * 1000;
    while (wallNow() < deadline) {
      const counts = await all((c) => c.call<{ received: number }>('count'));
      if (counts.reduce((sum, x) => sum + x.received, 0) >= expected) break;
      await sleep(100);
    }
    const cpu1 = machineCpu();
    const phaseWall = wallNow() - wall0;
    const stats = await s.rpc.call<ServerStats>('stats');
    const reports = await all((c) => c.call<ClientReport>('report'));
    if (stats.emitErrors > 0) console.error(`${s.mode}: ${stats.emitErrors} announcement creates failed`);
    const hist = new Histogram();
    const closes: Record<string, number> = {};
    let received = 0;
    let negative = 0;
    let clientCpu = 0;
    let bytes = 0;
    for (const r of reports) {
      hist.merge(r.hist);
      received += r.received;
      negative += r.negative;
      clientCpu += r.cpuMs / r.wallMs;
      bytes = Math.max(bytes, r.sampleBytes);
      for (const [code, count] of Object.entries(r.closes)) closes[code] = (closes[code] ?? 0) + count;
    }
    const missing = Math.max(0, expected - received);
    const ours = stats.cpuMs + reports.reduce((sum, r) => sum + r.cpuMs, 0);
    const otherCores = cpu0 && cpu1 ? Math.max(0, (cpu1.busy - cpu0.busy - ours) / phaseWall) : 0;
    const h = (w: HistWire): Histogram => {
      const x = new Histogram();
      x.merge(w);
      return x;
    };
    const commit = h(stats.commitToFanout);
    const fan = h(stats.fanoutMs);
    const queue = h(stats.queueMs);
    const tx = h(stats.txMs);
    const rr: RateResult = {
      rate,
      emitted: run.emitted,
      skipped: run.skipped,
      achieved: run.emitted / opts.seconds,
      expected,
      received,
      p50: hist.quantile(0.5, missing),
      p99: hist.quantile(0.99, missing),
      max: missing > 0 ? Number.POSITIVE_INFINITY : hist.max,
      serverCpu: stats.cpuMs / stats.wallMs,
      elu: stats.elu,
      clientCpu,
      commitP50: commit.quantile(0.5),
      commitP99: commit.quantile(0.99),
      fanoutP50: fan.quantile(0.5),
      fanoutP99: fan.quantile(0.99),
      fanoutMax: fan.max,
      queueP50: queue.quantile(0.5),
      queueP99: queue.quantile(0.99),
      txP50: tx.quantile(0.5),
      txP99: tx.quantile(0.99),
      checkpoints: stats.checkpoints,
      loopDelayP99: stats.loopDelayP99Ms,
      loopDelayMax: stats.loopDelayMaxMs,
      cpuPerSendUs: expected > 0 ? (stats.fanoutCpuMs * 1000) / expected : Number.NaN,
      closes,
      negative,
      bytes,
      otherCores,
    };
    const closeText = Object.keys(closes).length > 0 ? `, closes ${JSON.stringify(closes)}` : '';
    console.log(
      `${pad(String(n), 6)} sockets  ${s.mode.padEnd(8)}  ${pad(String(rate), 4)}/s: p50 ${fmtMs(rr.p50)} ms, p99 ${fmtMs(rr.p99)} ms, ` +
        `achieved ${rr.achieved.toFixed(1)}/s, delivered ${((100 * received) / Math.max(1, expected)).toFixed(2)} %, ` +
        `server CPU ${(100 * rr.serverCpu).toFixed(0)} %, fan-out p50 ${fmtMs(rr.fanoutP50)} ms, other processes ${otherCores.toFixed(2)} cores${closeText}`,
    );
    return rr;
  };

  const results: ModeResult[] = [];
  let clockNote = '';
  for (const n of runnable) {
    // Both servers hold their N sockets at once, so their phases can alternate and background load hits both alike.
    const servers: ServerHandle[] = [];
    for (const mode of ['eventday', 'bare'] as const) {
      const rpc = spawnChild('./fanout-server.ts', [mode, String(opts.pingMs)], `${mode} server`, true);
      const ready = (await rpc.next(60_000)) as { port: number; path: string; resume: string; token: string | null };
      const url = `ws://127.0.0.1:${ready.port}${ready.path}`;
      servers.push({ mode, rpc, url, resumeUrl: url + ready.resume, token: ready.token });
    }
    if (clockNote === '') {
      const offsets: number[] = [];
      for (const rpc of [...servers.map((s) => s.rpc), ...clients]) {
        // The round trip with the least delay bounds the offset best.
        let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
        for (let k = 0; k < 20; k++) {
          const t0 = wallNow();
          const c = await rpc.call<number>('clock');
          const t1 = wallNow();
          if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: c - (t0 + t1) / 2 };
        }
        offsets.push(Math.abs(best.offset) + best.rtt / 2);
      }
      clockNote = `clock check: every child's performance.timeOrigin+now() within ${(Math.max(...offsets) * 1000).toFixed(0)} µs of the parent's (bound incl. IPC round trip)`;
      console.log(clockNote);
    }
    const byMode = new Map<ServerHandle, ModeResult>();
    for (const s of servers) byMode.set(s, await prepare(s, n));
    for (const [i, rate] of opts.rates.entries()) {
      const order = i % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) byMode.get(s)!.rates.push(await phase(s, n, rate));
    }
    for (const s of servers) {
      await disconnect(s, s.resumeUrl);
      await s.rpc.call('exit', {}, 30_000).catch(() => {});
      await new Promise<void>((r) => (s.rpc.child.exitCode !== null ? r() : s.rpc.child.once('exit', () => r())));
      results.push(byMode.get(s)!);
    }
  }
  await Promise.all(clients.map((c) => c.call('exit').catch(() => {})));
  report(results, (wallNow() - started) / 1000, clockNote);
}

function report(results: ModeResult[], seconds: number, clockNote: string): void {
  const by = (mode: string, n: number): ModeResult | undefined => results.find((r) => r.mode === mode && r.sockets === n);
  const perSocket = (r: ModeResult): number => (r.idleRss - r.baseRss) / r.sockets;
  const perSocketExYoung = (r: ModeResult): number => (r.idleRss - r.idleYoung - (r.baseRss - r.baseYoung)) / r.sockets;
  const mem = (r: ModeResult): string => `${kib(perSocket(r))} (${kib(perSocketExYoung(r))})`;
  const lines: string[] = [];
  lines.push('');
  lines.push(`Commit-to-receive latency (ms) and server RSS per idle socket (KiB), ${opts.seconds} s per rate, ${clientCount} client processes:`);
  lines.push('');
  lines.push('| sockets | rate/s | eventday p50 | eventday p99 | bare p50 | bare p99 | p99 ratio | achieved/s eventday / bare | RSS/socket eventday | RSS/socket bare |');
  lines.push('|--------:|-------:|-------------:|-------------:|---------:|---------:|----------:|---------------------------:|--------------------:|----------------:|');
  for (const n of runnable) {
    const ed = by('eventday', n);
    const bare = by('bare', n);
    if (!ed || !bare) continue;
    ed.rates.forEach((e, i) => {
      const b = bare.rates[i]!;
      const ratio = Number.isFinite(e.p99) && Number.isFinite(b.p99) ? (e.p99 / b.p99).toFixed(2) : 'n/a';
      const achieved = (x: RateResult): string => `${x.achieved.toFixed(1)}${x.achieved < 0.95 * x.rate ? '*' : ''}`;
      lines.push(
        `| ${n} | ${e.rate} | ${fmtMs(e.p50)} | ${fmtMs(e.p99)} | ${fmtMs(b.p50)} | ${fmtMs(b.p99)} | ${ratio} | ${achieved(e)} / ${achieved(b)} | ` +
          `${mem(ed)} | ${mem(bare)} |`,
      );
    });
  }
  lines.push('');
  lines.push('* = saturated: the server could not keep the rate (late ticks skip their backlog), so its latencies measure an overloaded loop.');
  lines.push('RSS/socket = (RSS with N idle sockets − RSS with none) / N after forced GC; in parentheses the same without V8\'s young generation, whose size follows the allocation rate rather than the sockets held.');
  lines.push('');
  lines.push('Details (server = the server child only; fan-out = one hub.publish / one broadcast loop; stamp→fan-out = create() call to fan-out start):');
  lines.push('');
  lines.push('| sockets | rate/s | server | achieved/s | delivered | max ms | server CPU | ELU | clients CPU | stamp→fan-out p50/p99 ms | fan-out p50/p99/max ms | CPU µs/send | closes | msg bytes | other load (cores) |');
  lines.push('|--------:|-------:|--------|-----------:|----------:|-------:|-----------:|----:|------------:|-------------------------:|-----------------------:|----------:|--------|----------:|-------------------:|');
  for (const n of runnable) {
    for (const mode of ['eventday', 'bare'] as const) {
      const r = by(mode, n);
      if (!r) continue;
      for (const x of r.rates) {
        const closes = Object.keys(x.closes).length > 0 ? JSON.stringify(x.closes) : '-';
        lines.push(
          `| ${n} | ${x.rate} | ${mode} | ${x.achieved.toFixed(1)} | ${((100 * x.received) / Math.max(1, x.expected)).toFixed(2)} % | ${fmtMs(x.max)} | ` +
            `${(100 * x.serverCpu).toFixed(0)} % | ${x.elu.toFixed(2)} | ${(100 * x.clientCpu).toFixed(0)} % | ` +
            `${fmtMs(x.commitP50)} / ${fmtMs(x.commitP99)} | ${fmtMs(x.fanoutP50)} / ${fmtMs(x.fanoutP99)} / ${fmtMs(x.fanoutMax)} | ` +
            `${x.cpuPerSendUs.toFixed(1)} | ${closes} | ${x.bytes} | ${x.otherCores.toFixed(2)} |`,
        );
      }
    }
  }
  lines.push('');
  lines.push('Where eventday spends the time before fan-out (stamp → transaction start = the event\'s `at`, ms resolution; transaction start → fan-out = SQLite work and commit with fsync), WAL checkpoints, and event-loop delay (both servers):');
  lines.push('');
  lines.push('| sockets | rate/s | eventday queue p50/p99 ms | eventday tx+commit p50/p99 ms | checkpoints n / max ms | loop delay p99/max ms eventday | loop delay p99/max ms bare |');
  lines.push('|--------:|-------:|--------------------------:|------------------------------:|-----------------------:|-------------------------------:|---------------------------:|');
  for (const n of runnable) {
    const ed = by('eventday', n);
    const bare = by('bare', n);
    if (!ed || !bare) continue;
    ed.rates.forEach((e, i) => {
      const b = bare.rates[i]!;
      lines.push(
        `| ${n} | ${e.rate} | ${fmtMs(e.queueP50)} / ${fmtMs(e.queueP99)} | ${fmtMs(e.txP50)} / ${fmtMs(e.txP99)} | ${e.checkpoints.count} / ${fmtMs(e.checkpoints.maxMs)} | ` +
          `${fmtMs(e.loopDelayP99)} / ${fmtMs(e.loopDelayMax)} | ${fmtMs(b.loopDelayP99)} / ${fmtMs(b.loopDelayMax)} |`,
      );
    });
  }
  lines.push('');
  lines.push('| sockets | server | connect ms/socket fresh (snapshot) / resuming (N) | RSS 0 sockets MiB | RSS idle MiB | young gen MiB | RSS/socket KiB | excl. young gen KiB | heap used/socket KiB |');
  lines.push('|--------:|--------|---------------------------------------------:|------------------:|-------------:|--------------:|---------------:|--------------------:|---------------------:|');
  for (const r of results) {
    lines.push(
      `| ${r.sockets} | ${r.mode} | ${r.freshMsPerSocket.toFixed(2)} / ${(r.connectMs / r.sockets).toFixed(2)} | ${(r.baseRss / 2 ** 20).toFixed(1)} | ${(r.idleRss / 2 ** 20).toFixed(1)} | ` +
        `${(r.baseYoung / 2 ** 20).toFixed(1)} → ${(r.idleYoung / 2 ** 20).toFixed(1)} | ${kib(perSocket(r))} | ${kib(perSocketExYoung(r))} | ${kib((r.idleHeap - r.baseHeap) / r.sockets)} |`,
    );
  }
  const negatives = results.reduce((s, r) => s + r.rates.reduce((t, x) => t + x.negative, 0), 0);
  lines.push('');
  lines.push(clockNote + (negatives > 0 ? `; ${negatives} samples read negative and were counted as 0` : ''));
  const noisy = results.some((r) => r.rates.some((x) => x.otherCores > 0.2));
  reportFigures(opts.json, goalFigures(by, perSocket));
  if (noisy) lines.push('WARNING: other processes used more than 0.2 cores during some phases ("other load"): those rows are skewed; rerun on a quiet machine or with --quiet-wait.');
  lines.push(`'lost' = the quantile falls among messages not delivered within the ${opts.drain} s drain (or on a closed socket). Total run ${seconds.toFixed(0)} s.`);
  console.log(lines.join('\n'));
}

/** Issue 15's fan-out goals: p99 ≤ 0.8× bare ws, p99 < 250 ms at 20,000 × 2/s and 10,000 × 10/s, ≤ 6 KB RSS per idle socket. */
function goalFigures(by: (mode: string, n: number) => ModeResult | undefined, perSocket: (r: ModeResult) => number): Figure[] {
  const figures: Figure[] = [];
  for (const n of runnable) {
    const ed = by('eventday', n);
    const bare = by('bare', n);
    if (!ed || !bare) continue;
    ed.rates.forEach((e, i) => {
      const ratio = e.p99 / bare.rates[i]!.p99;
      figures.push({ figure: `fan-out p99 / bare ws, ${n} sockets at ${e.rate}/s`, value: ratio, unit: '×', goal: '≤ 0.8×', met: Number.isFinite(ratio) && ratio <= 0.8 });
      if ((n >= 20_000 && e.rate >= 2) || (n >= 10_000 && e.rate >= 10)) {
        figures.push({ figure: `fan-out p99, ${n} sockets at ${e.rate}/s`, value: e.p99, unit: 'ms', goal: '< 250 ms', met: e.p99 < 250 });
      }
    });
    figures.push({ figure: `RSS per idle socket, ${n} sockets`, value: perSocket(ed) / 1024, unit: 'KiB', goal: '≤ 6 KiB', met: perSocket(ed) <= 6 * 1024 });
  }
  return figures;
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  killChildren();
}
