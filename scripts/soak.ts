// npm run soak -- [--minutes 3]: a compressed event day against a real server process, reporting memory, WAL, p99 latency and loop delay; exit 1 on unbounded growth.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Client, numericFlags, promValue, quantile, sleep, startServer, TransportError, type ServerProcess } from './reliability/lib.js';

const USAGE = `usage: npm run soak -- [--minutes 3] [--sockets 1000] [--attendees 1500] [--interval 5] [--door-rate 40] [--slack 1]
  A conference day compressed into --minutes: arrivals at the desks (most in the first third),
  door traffic at the rooms, schedule changes (PATCH /api/sessions), announcements, and --sockets
  live sockets (kiosks, a few ops screens) held by a child process that resumes like a kiosk.
  Every --interval seconds: RSS, heap, WAL and database size, event-loop delay p99 (from /metrics),
  p99 latencies (client side). Fails (exit 1) when a figure keeps growing over the second half
  (robust slope above its limit and a new peak in the last quarter; --slack multiplies the
  limits), on any 5xx or transport error, or when live sockets are lost. Exit 0: bounded.
  Exit 2: a wrong command line.`;

const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- socket holder (child process)

interface HolderStats {
  open: number;
  opened: number;
  messages: number;
  /** Sockets that came back with since+epoch and still got a snapshot (they should get a replay). */
  resumedSnapshots: number;
  reconnects: number;
  closes: Record<string, number>;
  failures: number;
}

async function holdSockets(): Promise<void> {
  const url = process.env.SOAK_WS_URL!;
  const kioskToken = process.env.SOAK_KIOSK_TOKEN!;
  const opsToken = process.env.SOAK_OPS_TOKEN!;
  const count = Number(process.env.SOAK_SOCKETS);
  const stats: HolderStats = { open: 0, opened: 0, messages: 0, resumedSnapshots: 0, reconnects: 0, closes: {}, failures: 0 };
  const sockets = new Set<WebSocket>();
  let stopping = false;

  const open = (index: number, since: number | null, epoch: string | null): Promise<void> =>
    new Promise((resolve) => {
      // One socket in fifty is a staff dashboard (occupancy, arrivals); the rest are kiosks.
      const token = index % 50 === 0 ? opsToken : kioskToken;
      const query = since === null || epoch === null ? '' : `?since=${since}&epoch=${epoch}`;
      const ws = new WebSocket(`${url}${query}`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
      let seq = since;
      let ep = epoch;
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      ws.on('open', () => {
        sockets.add(ws);
        stats.open += 1;
        stats.opened += 1;
        settle();
      });
      ws.on('message', (data: Buffer) => {
        stats.messages += 1;
        const m = JSON.parse(data.toString()) as { type: string; seq?: number; epoch?: string };
        if (m.type === 'welcome') ep = m.epoch ?? null;
        if (m.type === 'snapshot' && since !== null) stats.resumedSnapshots += 1;
        if (typeof m.seq === 'number') seq = m.seq;
      });
      ws.on('error', () => {
        stats.failures += 1;
        settle();
      });
      ws.on('close', (code) => {
        if (sockets.delete(ws)) stats.open -= 1;
        stats.closes[code] = (stats.closes[code] ?? 0) + 1;
        settle();
        // A kiosk comes back and resumes where it was.
        if (!stopping) {
          stats.reconnects += 1;
          setTimeout(() => void open(index, seq, ep), 250);
        }
      });
    });

  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => open(i + j, null, null)));
  process.send!({ type: 'ready', stats });
  process.on('message', (raw) => {
    const msg = raw as { type: string };
    if (msg.type === 'stats') process.send!({ type: 'stats', stats });
    if (msg.type === 'stop') {
      stopping = true;
      for (const ws of sockets) ws.close(1000);
      setTimeout(() => process.exit(0), 500);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------- the day

interface Sample {
  t: number;
  rssMb: number;
  heapMb: number;
  walMb: number;
  dbMb: number;
  loopP99Ms: number;
  scanP99Ms: number;
  patchP99Ms: number;
  allP99Ms: number;
  reqPerS: number;
  sockets: number;
  wsMsgPerS: number;
}

interface Limit {
  key: keyof Sample;
  label: string;
  /** Largest tolerated growth per hour of the robust slope over the second half. */
  perHour: number;
  /** How far the last quarter's peak may pass the peak after warm-up (second quarter): relative, plus absolute. */
  peakRatio: number;
  peakAbs: number;
  unit: string;
}

/**
 * A figure grows without bound when, over the second half, its robust slope is above the limit
 * AND the last quarter sets a new high. Memory is a GC sawtooth whose rising edges alone have a
 * steep slope; only a leak keeps raising the peaks. Short runs see only fast leaks: the report
 * says how fast a leak this run would have caught.
 */
const LIMITS: Limit[] = [
  { key: 'rssMb', label: 'RSS', perHour: 200, peakRatio: 0.03, peakAbs: 4, unit: 'MB' },
  { key: 'heapMb', label: 'heap used', perHour: 100, peakRatio: 0.05, peakAbs: 4, unit: 'MB' },
  { key: 'walMb', label: 'WAL size', perHour: 100, peakRatio: 0.05, peakAbs: 1, unit: 'MB' },
  { key: 'loopP99Ms', label: 'event-loop p99', perHour: 600, peakRatio: 1, peakAbs: 50, unit: 'ms' },
  { key: 'allP99Ms', label: 'request p99', perHour: 1500, peakRatio: 1, peakAbs: 100, unit: 'ms' },
];

/** Theil–Sen: the median of the pairwise slopes, so one GC pause or slow sample does not make a trend. */
function robustSlope(xs: number[], ys: number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) if (xs[j] !== xs[i]) slopes.push((ys[j]! - ys[i]!) / (xs[j]! - xs[i]!));
  return slopes.length === 0 ? 0 : quantile(slopes, 0.5);
}

class Window {
  private readonly byKind = new Map<string, number[]>();
  count = 0;

  add(kind: string, ms: number): void {
    const list = this.byKind.get(kind) ?? [];
    list.push(ms);
    this.byKind.set(kind, list);
    this.count += 1;
  }

  p99(kind?: string): number {
    const values = kind === undefined ? [...this.byKind.values()].flat() : (this.byKind.get(kind) ?? []);
    return quantile(values, 0.99);
  }
}

async function runDay(): Promise<number> {
  const opts = numericFlags(
    process.argv.slice(2),
    { minutes: 3, sockets: 1000, attendees: 1500, interval: 5, 'door-rate': 40, slack: 1 },
    USAGE,
  );
  const totalMs = opts.minutes * 60_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'eventday-soak-'));
  const dbFile = path.join(dir, 'eventday.db');
  const admin = `soak-admin-${randomUUID()}`;
  let server: ServerProcess | null = null;
  let holder: ReturnType<typeof fork> | null = null;
  const watchdog = setTimeout(() => {
    process.stderr.write('soak: watchdog fired\n');
    server?.child.kill('SIGKILL');
    holder?.kill('SIGKILL');
    process.exit(1);
  }, totalMs + 10 * 60_000);
  watchdog.unref();
  try {
    server = await startServer({ dbFile, adminToken: admin });
    const http = new Client(server.port, 64);
    const doc = await http.json<{ paths: Record<string, Record<string, unknown>> }>('GET', '/docs/json');
    const has = (method: string, p: string) => doc.paths[p]?.[method] !== undefined;
    const parts = {
      checkins: has('post', '/api/checkins') && has('post', '/api/attendees'),
      rooms: has('post', '/api/rooms'),
      sessions: has('post', '/api/sessions') && has('patch', '/api/sessions/{id}'),
      announcements: has('post', '/api/announcements'),
    };
    for (const [part, on] of Object.entries(parts)) if (!on) process.stdout.write(`soak: skipping ${part}: its routes are not registered yet\n`);

    const device = async (role: string, name: string) => (await http.json<{ token: string }>('POST', '/api/devices', { token: admin, body: { name, role } })).token;
    const desks = await Promise.all([1, 2, 3, 4].map((i) => device('desk', `Desk ${i}`)));
    const doors = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => device('door', `Door ${i}`)));
    const ops = await device('ops', 'Dashboard');
    const kiosk = await device('kiosk', 'Corridor screens');

    const rooms: string[] = [];
    const sessions: { id: string; version: number }[] = [];
    const dayStart = Date.now();
    if (parts.rooms) {
      for (let i = 0; i < 8; i++) {
        rooms.push((await http.json<{ id: string }>('POST', '/api/rooms', { token: ops, body: { name: `Room ${i + 1}`, capacity: i === 0 ? 1200 : 150 + 50 * i } })).id);
      }
    }
    if (parts.sessions && rooms.length > 0) {
      for (const [r, roomId] of rooms.entries()) {
        for (let slot = 0; slot < 8; slot++) {
          const startsAt = new Date(dayStart + slot * 75 * 60_000).toISOString();
          const endsAt = new Date(dayStart + (slot * 75 + 60) * 60_000).toISOString();
          const s = await http.json<{ id: string; version: number }>('POST', '/api/sessions', {
            token: ops,
            body: { title: `Session ${r + 1}.${slot + 1}`, theme: (slot % 3) + 1, startsAt, endsAt, roomId, speakers: [`Speaker ${r}-${slot}`], expectedAttendance: 100 },
          });
          sessions.push({ id: s.id, version: s.version });
        }
      }
    }
    const codes: string[] = [];
    if (parts.checkins) {
      const categories = ['government', 'government', 'industry', 'academia', 'think_tank', 'ngo', 'media', 'speaker'];
      for (let i = 0; i < opts.attendees; i += 16) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(16, opts.attendees - i) }, (_, j) =>
            http.json<{ badge: { code: string } }>('POST', '/api/attendees', {
              token: desks[0]!,
              body: { name: `Soak Delegate ${i + j}`, organization: `Org ${(i + j) % 90}`, category: categories[(i + j) % categories.length], delegation: 'NL' },
            }),
          ),
        );
        codes.push(...batch.map((b) => b.badge.code));
      }
    }

    holder = fork(SELF, ['--hold-sockets'], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        SOAK_WS_URL: `ws://127.0.0.1:${server.port}/api/live`,
        SOAK_KIOSK_TOKEN: kiosk,
        SOAK_OPS_TOKEN: ops,
        SOAK_SOCKETS: String(opts.sockets),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const fromHolder = (type: string, timeoutMs: number) =>
      new Promise<HolderStats>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`socket holder: no ${type} within ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (raw: unknown) => {
          const m = raw as { type: string; stats: HolderStats };
          if (m.type !== type) return;
          clearTimeout(timer);
          holder!.off('message', onMessage);
          resolve(m.stats);
        };
        holder!.on('message', onMessage);
      });
    const ready = await fromHolder('ready', 120_000);
    process.stdout.write(
      `soak: ${opts.minutes} min, ${codes.length} attendees, ${rooms.length} rooms, ${sessions.length} sessions, ${ready.open} live sockets open, db ${dbFile}\n`,
    );

    let window = new Window();
    const errors: string[] = [];
    let stop = false;
    const started = performance.now();
    const fraction = () => (performance.now() - started) / totalMs;
    const timed = async (kind: string, fn: () => Promise<{ status: number; body: string; ms: number }>, ok: (status: number) => boolean) => {
      try {
        const reply = await fn();
        window.add(kind, reply.ms);
        if (!ok(reply.status)) errors.push(`${kind}: ${reply.status} ${reply.body.slice(0, 160)}`);
        return reply;
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        errors.push(`${kind}: transport ${err.code}`);
        return null;
      }
    };
    /** Runs fn at `rate()` per second with at most `concurrency` in flight; a slot is skipped when all are busy. */
    const paced = async (rate: () => number, concurrency: number, fn: () => Promise<unknown>) => {
      let inFlight = 0;
      let next = performance.now();
      while (!stop) {
        const r = rate();
        if (r <= 0) {
          await sleep(200);
          next = performance.now();
          continue;
        }
        next += 1000 / r;
        await sleep(Math.max(0, next - performance.now()));
        if (inFlight >= concurrency) continue;
        inFlight += 1;
        void fn().finally(() => (inFlight -= 1));
      }
      while (inFlight > 0) await sleep(20);
    };

    const arrived: number[] = [];
    let nextArrival = 0;
    const loops: Promise<void>[] = [];
    if (parts.checkins) {
      // 90 % of the attendees arrive during the first third of the day, then late-comers and re-scans.
      const peak = (0.9 * codes.length) / ((totalMs / 1000) * 0.33);
      loops.push(
        paced(() => (fraction() < 0.33 ? peak : 2), 8, async () => {
          const i = nextArrival < codes.length ? nextArrival++ : Math.floor(Math.random() * codes.length);
          const reply = await timed('scan', () => http.request('POST', '/api/checkins', { token: desks[i % desks.length]!, body: { scanId: randomUUID(), code: codes[i]! } }), (s) => s === 200);
          if (reply?.status === 200 && i === arrived.length) arrived.push(i);
        }),
      );
      if (rooms.length > 0) {
        loops.push(
          paced(() => (arrived.length > 20 ? opts['door-rate'] : 0), 12, async () => {
            const who = arrived[Math.floor(Math.random() * arrived.length)]!;
            const roomId = rooms[Math.floor(Math.random() * rooms.length)]!;
            await timed(
              'door',
              () =>
                http.request('POST', '/api/checkins', {
                  token: doors[who % doors.length]!,
                  body: { scanId: randomUUID(), code: codes[who]!, kind: Math.random() < 0.65 ? 'entry' : 'exit', roomId },
                }),
              (s) => s === 200,
            );
          }),
        );
      }
    }
    if (sessions.length > 0) {
      let k = 0;
      loops.push(
        paced(() => 0.4, 2, async () => {
          const s = sessions[k++ % sessions.length]!;
          const kind = k % 4;
          const body =
            kind === 0
              ? { version: s.version, delayMinutes: (k % 6) * 5, changeNote: 'running late' }
              : kind === 1
                ? { version: s.version, title: `Session retitled ${k}` }
                : kind === 2
                  ? { version: s.version, status: 'cancelled', changeNote: 'speaker unwell' }
                  : { version: s.version, status: 'scheduled', changeNote: null };
          const reply = await timed('patch', () => http.request('PATCH', `/api/sessions/${s.id}`, { token: ops, body }), (st) => st === 200 || st === 409);
          if (reply?.status === 200) s.version = (JSON.parse(reply.body) as { version: number }).version;
          if (reply?.status === 409) s.version = (JSON.parse(reply.body) as { currentVersion: number }).currentVersion;
        }),
      );
    }
    if (parts.announcements) {
      const active: string[] = [];
      let k = 0;
      loops.push(
        paced(() => 0.2, 1, async () => {
          k += 1;
          const reply = await timed(
            'announce',
            () => http.request('POST', '/api/announcements', { token: ops, body: { text: `Announcement ${k}: the coffee is in the foyer`, severity: k % 10 === 0 ? 'warning' : 'info' } }),
            (s) => s === 201,
          );
          if (reply?.status === 201) active.push((JSON.parse(reply.body) as { id: string }).id);
          if (active.length > 5) await timed('announce', () => http.request('DELETE', `/api/announcements/${active.shift()!}`, { token: ops }), (s) => s === 204);
        }),
      );
    }

    const samples: Sample[] = [];
    let lastMessages = ready.messages;
    let lastAt = performance.now();
    process.stdout.write('   t s   RSS MB  heap MB   WAL MB    db MB  loop p99  scan p99  patch p99  all p99   req/s  sockets  ws msg/s\n');
    while (fraction() < 1) {
      await sleep(opts.interval * 1000);
      const now = performance.now();
      const metrics = (await http.request('GET', '/metrics', { token: admin })).body;
      holder.send({ type: 'stats' });
      const hs = await fromHolder('stats', 10_000);
      const w = window;
      window = new Window();
      const mb = (v: number | null) => (v ?? Number.NaN) / 1024 / 1024;
      const sample: Sample = {
        t: (now - started) / 1000,
        rssMb: mb(promValue(metrics, 'process_resident_memory_bytes')),
        heapMb: mb(promValue(metrics, 'nodejs_heap_size_used_bytes')),
        walMb: existsSync(`${dbFile}-wal`) ? statSync(`${dbFile}-wal`).size / 1024 / 1024 : 0,
        dbMb: statSync(dbFile).size / 1024 / 1024,
        loopP99Ms: (promValue(metrics, 'nodejs_eventloop_lag_p99_seconds') ?? Number.NaN) * 1000,
        scanP99Ms: w.p99('scan'),
        patchP99Ms: w.p99('patch'),
        allP99Ms: w.p99(),
        reqPerS: w.count / ((now - lastAt) / 1000),
        sockets: hs.open,
        wsMsgPerS: (hs.messages - lastMessages) / ((now - lastAt) / 1000),
      };
      lastMessages = hs.messages;
      lastAt = now;
      samples.push(sample);
      const f = (v: number, width: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '-').padStart(width);
      process.stdout.write(
        `${f(sample.t, 6, 0)}  ${f(sample.rssMb, 7)}  ${f(sample.heapMb, 7)}  ${f(sample.walMb, 7, 2)}  ${f(sample.dbMb, 7, 2)}  ${f(sample.loopP99Ms, 8)}  ${f(sample.scanP99Ms, 8)}  ${f(sample.patchP99Ms, 9)}  ${f(sample.allP99Ms, 7)}  ${f(sample.reqPerS, 6, 0)}  ${f(sample.sockets, 7, 0)}  ${f(sample.wsMsgPerS, 8, 0)}\n`,
      );
    }
    stop = true;
    await Promise.all(loops);
    holder.send({ type: 'stats' });
    const final = await fromHolder('stats', 10_000);
    holder.send({ type: 'stop' });

    const half = samples.slice(Math.floor(samples.length / 2));
    const warm = samples.slice(Math.floor(samples.length / 4), Math.floor(samples.length / 2));
    const last = samples.slice(Math.floor((samples.length * 3) / 4));
    const verdicts: string[] = [];
    let failed = false;
    const halfHours = half.length < 2 ? 0 : (half[half.length - 1]!.t - half[0]!.t) / 3600;
    process.stdout.write('\ntrend over the second half          slope (Theil–Sen)       limit   peak: warm-up -> last quarter   verdict\n');
    for (const limit of LIMITS) {
      const finite = (list: Sample[]) => list.map((s) => s[limit.key]).filter((v) => Number.isFinite(v));
      const points = half.filter((s) => Number.isFinite(s[limit.key]));
      const perHour = robustSlope(
        points.map((s) => s.t / 3600),
        points.map((s) => s[limit.key]),
      );
      const max = limit.perHour * opts.slack;
      const warmPeak = Math.max(...finite(warm));
      const lastPeak = Math.max(...finite(last));
      const newHigh = lastPeak > warmPeak * (1 + limit.peakRatio * opts.slack) + limit.peakAbs * opts.slack;
      const bad = points.length >= 4 && perHour > max && newHigh;
      failed ||= bad;
      process.stdout.write(
        `  ${limit.label.padEnd(16)} ${`${perHour >= 0 ? '+' : ''}${perHour.toFixed(1)} ${limit.unit}/h`.padStart(22)}   ${`${max} ${limit.unit}/h`.padStart(11)}   ${`${warmPeak.toFixed(1)} -> ${lastPeak.toFixed(1)} ${limit.unit}`.padStart(28)}   ${bad ? 'GROWING' : 'bounded'}\n`,
      );
    }
    if (halfHours > 0) {
      const memory = LIMITS[0]!;
      const warmPeak = Math.max(...warm.map((s) => s.rssMb));
      const detectable = (warmPeak * memory.peakRatio + memory.peakAbs) / (halfHours * 0.75);
      process.stdout.write(`  (at this length a memory leak faster than about ${Math.max(detectable, memory.perHour).toFixed(0)} MB/h fails the run; run longer to catch slower ones)\n`);
    }
    if (half.length < 4) verdicts.push('too few samples in the second half to judge trends: run longer or sample more often');
    const serverErrors = errors.filter((e) => / 5\d\d |transport/.test(e));
    if (serverErrors.length > 0) {
      failed = true;
      verdicts.push(`${serverErrors.length} server errors, e.g. ${serverErrors.slice(0, 3).join(' | ')}`);
    }
    const other = errors.filter((e) => !serverErrors.includes(e));
    if (other.length > 0) verdicts.push(`${other.length} unexpected answers, e.g. ${other.slice(0, 3).join(' | ')}`);
    const dropped = opts.sockets - final.open;
    if (dropped > 0) {
      failed = true;
      verdicts.push(`${dropped} live sockets not open at the end`);
    }
    const closes = Object.entries(final.closes).map(([code, n]) => `${code}×${n}`).join(', ') || 'none';
    process.stdout.write(
      `\nlive sockets: ${final.open}/${opts.sockets} open at the end, ${final.messages} messages, closes ${closes}, failed opens ${final.failures}, reconnects ${final.reconnects} (resumed with a snapshot instead of a replay: ${final.resumedSnapshots})\n`,
    );
    for (const v of verdicts) process.stdout.write(`${v}\n`);
    process.stdout.write(`soak ${failed ? 'FAILED' : 'passed'}\n`);
    http.close();
    server.child.kill('SIGTERM');
    await server.exited;
    return failed ? 1 : 0;
  } finally {
    holder?.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--hold-sockets')) {
  await holdSockets();
} else {
  try {
    process.exitCode = await runDay();
  } catch (err) {
    process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
