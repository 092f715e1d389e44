// Check-in benchmark (issue 4): POST /api/checkins on eventday against a naive one-transaction-per-request Fastify route, and search p99 at 100,000 attendees.
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { applyPragmas } from '../../src/db/open.js';
import { createLogger } from '../../src/logger.js';
import type { Actor } from '../../src/store/unit-of-work.js';
import { prng } from '../random.js';
import { report } from './lib.js';

const USAGE = `usage: npx tsx scripts/bench/checkin.ts [--attendees 10000] [--connections 50] [--seconds 15] [--warmup 3]
       [--search-attendees 100000] [--search-queries 3000] [--search-connections 1] [--skip-search] [--skip-baseline] [--profile DIR]
  [--json FILE]
  --profile  write a V8 CPU profile of the eventday check-in server into DIR (open in Chrome DevTools)
  --json     append the figures against the issue's goals to FILE (read by npm run bench)`;

interface Options {
  attendees: number;
  connections: number;
  seconds: number;
  warmup: number;
  searchAttendees: number;
  searchQueries: number;
  searchConnections: number;
  skipSearch: boolean;
  skipBaseline: boolean;
  profile: string | null;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { attendees: 10_000, connections: 50, seconds: 15, warmup: 3, searchAttendees: 100_000, searchQueries: 3_000, searchConnections: 1, skipSearch: false, skipBaseline: false, profile: null, json: null };
  const num = (v: string | undefined): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0) throw new Error(`bad number: ${v}\n${USAGE}`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--attendees': o.attendees = num(v); i++; break;
      case '--connections': o.connections = num(v); i++; break;
      case '--seconds': o.seconds = num(v); i++; break;
      case '--warmup': o.warmup = num(v); i++; break;
      case '--search-attendees': o.searchAttendees = num(v); i++; break;
      case '--search-queries': o.searchQueries = num(v); i++; break;
      case '--search-connections': o.searchConnections = num(v); i++; break;
      case '--skip-search': o.skipSearch = true; break;
      case '--skip-baseline': o.skipBaseline = true; break;
      case '--profile': o.profile = v ?? null; i++; break;
      case '--json': o.json = v ?? null; i++; break;
      case '--help': case '-h': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
    }
  }
  return o;
}

// ---------------------------------------------------------------- synthetic people (deterministic)


const FIRST = 'Anna Jan Maria Pieter Sophie Lars Mohammed Wei Olga Ivan Sara David Emma Lucas Noah Julia Marco Elena Tomás Kenji Yuki Ahmed Fatima John Michael Laura Peter Max Martin Hans Ingrid Karl Nina Omar Paul Rosa Sven Tara Ugo Vera Walter Xenia Yusuf Zoë Adam Berta Carl Dora Erik Fiona Søren Łukasz Zoltán Agnieszka Björn Çağla Đorđe Þóra'.split(' ');
const LAST = 'Müller Jansen de Vries van Dijk Bakker Smith Novák Kowalski Żółkiewski Rossi García Martin Dubois Schmidt Wang Chen Tanaka Ivanov Petrov Hansen Nielsen Berg Lindqvist Moreau Costa Silva Khan Ali Nguyen Kim Meyer Weber Wagner Becker Hoffmann Schulz Koch Richter Klein Wolf Neumann Schwarz Zimmermann Braun Krüger Hartmann Lange Schmitt Werner Krause Meier Lehmann Schulze Köhler Herrmann König Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel Heinrich Brandt Haas Ødegård Ó Briain Nowak Wiśniewska Dvořák Horváth'.split(' ');
const OTHER_SCRIPTS = ['Иван Петров', 'Ольга Смирнова', '王小明', '李娜', '山田 太郎', '佐藤 花子', '김민준', '이서연', 'محمد العلي', 'Ελένη Παπαδοπούλου', 'नरेंद्र शर्मा', 'דוד כהן'];
const ORGS = ['Ministry of Defence', 'Ministerie van Buitenlandse Zaken', 'TNO', 'TU Delft', 'NATO', 'United Nations', 'ICRC', 'Leiden University', 'Siemens', 'Thales', 'Airbus', 'RAND Corporation', 'SIPRI', 'Human Rights Watch', 'BBC', 'Reuters', 'Clingendael', 'HCSS', 'Bundeswehr', 'Ministère des Armées', 'Министерство обороны', '清华大学', '防衛省'];
const CATEGORIES = ['government', 'industry', 'academia', 'think_tank', 'ngo', 'media', 'speaker', 'other'];

interface Person {
  name: string;
  organization: string;
}

function person(i: number): Person {
  const r = prng(i + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const name = r() < 0.08 ? `${pick(OTHER_SCRIPTS)} ${i}` : `${pick(FIRST)} ${r() < 0.3 ? `${pick(FIRST)} ` : ''}${pick(LAST)}`;
  return { name, organization: pick(ORGS) };
}

function csvOf(count: number): Buffer {
  const lines = ['name,organization,category,delegation,email,flags,externalId'];
  for (let i = 0; i < count; i++) {
    const p = person(i);
    lines.push(`"${p.name}","${p.organization}",${CATEGORIES[i % CATEGORIES.length]},NL,p${i}@example.org,,EXT-${i}`);
  }
  return Buffer.from(lines.join('\n'), 'utf8');
}

// ---------------------------------------------------------------- server children

interface Ready {
  type: 'ready';
  port: number;
  tokens: string[];
  codes: string[];
  seedMs: number;
}

const quietLogger = () => createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));

async function serveEventday(dir: string, attendees: number, devices: number): Promise<void> {
  const config = loadConfig({ EVENTDAY_DB: path.join(dir, 'eventday.db'), EVENTDAY_ADMIN_TOKEN: 'bench-admin-token-0123456789', LOG_LEVEL: 'info' });
  // Request logging stays on (as in production), written nowhere.
  const app = await buildApp(config, { logger: quietLogger() });
  if (app.store.kind !== 'sqlite') throw new Error('this benchmark measures the SQLite node');
  const { sqlite } = app.store;
  const admin: Actor = { deviceId: (sqlite.prepare("SELECT id FROM devices WHERE role = 'admin'").get() as { id: string }).id, role: 'admin' };
  const seedStart = performance.now();
  const report = await app.services.attendees.import(admin, csvOf(attendees));
  if (report.errors.length > 0) throw new Error(`seed import failed: ${JSON.stringify(report.errors.slice(0, 3))}`);
  const seedMs = performance.now() - seedStart;
  const tokens: string[] = [];
  for (let i = 0; i < devices; i++) tokens.push((await app.services.devices.create(admin, `Desk ${i + 1}`, 'desk')).token);
  const codes = (sqlite.prepare('SELECT code FROM badges WHERE revoked_at IS NULL').all() as { code: string }[]).map((r) => r.code);
  // The seed leaves a large heap behind; collect it now rather than during the measurement.
  (globalThis as { gc?: () => void }).gc?.();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as net.AddressInfo;
  const ready: Ready = { type: 'ready', port: address.port, tokens, codes, seedMs };
  process.send!(ready);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

/**
 * The naive baseline: a bare Fastify route (no auth, no validation, no logging) that looks the
 * attendee up, inserts the check-in, appends an event row and marks the arrival, in one
 * better-sqlite3 transaction per request with synchronous=FULL, or NORMAL for the floor where
 * fsyncs cost nothing. Prepared statements, so it is naive about commits only.
 */
type Sync = 'FULL' | 'NORMAL';

async function serveBaseline(dir: string, attendees: number, sync: Sync): Promise<void> {
  const db = new Database(path.join(dir, 'baseline.db'));
  applyPragmas(db);
  // NORMAL in WAL mode: no fsync per commit (a power cut may lose the last commits, never corrupt).
  if (sync === 'NORMAL') db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE attendees (id TEXT PRIMARY KEY, name TEXT NOT NULL, organization TEXT NOT NULL, category TEXT NOT NULL, checked_in_at INTEGER);
    CREATE TABLE checkins (id TEXT PRIMARY KEY, scan_id TEXT NOT NULL UNIQUE, attendee_id TEXT, scanned_at INTEGER NOT NULL, result TEXT NOT NULL, response TEXT NOT NULL);
    CREATE TABLE events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, topic TEXT NOT NULL, name TEXT NOT NULL, payload TEXT NOT NULL);`);
  const ids: string[] = [];
  const seedStart = performance.now();
  const insertAttendee = db.prepare('INSERT INTO attendees (id, name, organization, category) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < attendees; i++) {
      const id = randomUUID();
      const p = person(i);
      insertAttendee.run(id, p.name, p.organization, CATEGORIES[i % CATEGORIES.length]!);
      ids.push(id);
    }
  })();
  const seedMs = performance.now() - seedStart;
  const lookup = db.prepare('SELECT id, name, organization, category, checked_in_at AS checkedInAt FROM attendees WHERE id = ?');
  const insertCheckin = db.prepare('INSERT INTO checkins (id, scan_id, attendee_id, scanned_at, result, response) VALUES (?, ?, ?, ?, ?, ?)');
  const arrive = db.prepare('UPDATE attendees SET checked_in_at = ? WHERE id = ?');
  const appendEvent = db.prepare("INSERT INTO events (at, topic, name, payload) VALUES (?, 'checkins', 'checkin.recorded', ?)");
  const scan = db.transaction((scanId: string, code: string) => {
    const now = Date.now();
    const a = lookup.get(code) as { id: string; name: string; organization: string; category: string; checkedInAt: number | null } | undefined;
    const result = !a ? 'rejected' : a.checkedInAt === null ? 'ok' : 'warning';
    const answer = { result, checkin: { id: randomUUID(), at: new Date(now).toISOString() }, attendee: a ?? null };
    const json = JSON.stringify(answer);
    insertCheckin.run(answer.checkin.id, scanId, a?.id ?? null, now, result, json);
    if (a && a.checkedInAt === null) arrive.run(now, a.id);
    appendEvent.run(now, json);
    return answer;
  });
  const app = Fastify({ logger: false });
  app.post('/api/checkins', async (request) => {
    const body = request.body as { scanId: string; code: string };
    return scan.immediate(body.scanId, body.code);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const ready: Ready = { type: 'ready', port: (app.server.address() as net.AddressInfo).port, tokens: [], codes: ids, seedMs };
  process.send!(ready);
  process.on('SIGTERM', () => void app.close().then(() => { db.close(); process.exit(0); }));
}

// ---------------------------------------------------------------- a small keep-alive HTTP/1.1 client

interface Answer {
  status: number;
  body: string;
}

/** One connection, one request at a time: the least client CPU per request, so the servers are what is measured. */
class Connection {
  private readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private size = 0;
  private pending: { resolve: (a: Answer) => void; reject: (e: Error) => void } | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.pending?.reject(err));
    socket.on('close', () => this.pending?.reject(new Error('connection closed')));
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  request(method: string, url: string, headers: Record<string, string>, body: string | null): Promise<Answer> {
    const payload = body === null ? '' : body;
    let head = `${method} ${url} HTTP/1.1\r\nhost: 127.0.0.1\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (body !== null) head += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n`;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(head + '\r\n' + payload);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    const end = all.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = all.toString('latin1', 0, end);
    const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const length = match ? Number(match[1]) : 0;
    if (all.length < end + 4 + length) {
      this.chunks = [all];
      return;
    }
    this.chunks = [];
    this.size = 0;
    const pending = this.pending;
    this.pending = null;
    pending?.resolve({ status: Number(head.slice(9, 12)), body: all.toString('utf8', end + 4, end + 4 + length) });
  }
}

// ---------------------------------------------------------------- measuring

function quantile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

interface RunResult {
  rate: number;
  p50: number;
  p99: number;
  max: number;
  count: number;
  errors: number;
  results: Record<string, number>;
}

/** What one or more measured slices of a server collected; summarised once at the end. */
class Samples {
  latencies: number[] = [];
  results: Record<string, number> = {};
  errors = 0;
  seconds = 0;

  summary(): RunResult {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      rate: sorted.length / this.seconds,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted.at(-1) ?? Number.NaN,
      count: sorted.length,
      errors: this.errors,
      results: this.results,
    };
  }
}

/**
 * Closed loop: every connection sends its next scan as soon as the previous answer is in, each
 * scan a random registered badge with a fresh scanId. With `into` null the slice only warms up.
 */
async function driveCheckins(
  port: number,
  ready: Ready,
  opts: Options,
  r: () => number,
  withAuth: boolean,
  seconds: number,
  into: Samples | null,
): Promise<void> {
  const connections = await Promise.all(Array.from({ length: opts.connections }, () => Connection.open(port)));
  const start = performance.now();
  const stopAt = start + seconds * 1000;
  await Promise.all(
    connections.map(async (conn, i) => {
      const headers: Record<string, string> = withAuth ? { authorization: `Bearer ${ready.tokens[i % ready.tokens.length]}` } : {};
      while (performance.now() < stopAt) {
        const code = ready.codes[Math.floor(r() * ready.codes.length)]!;
        const before = performance.now();
        const answer = await conn.request('POST', '/api/checkins', headers, `{"scanId":"${randomUUID()}","code":"${code}"}`);
        if (!into) continue;
        into.latencies.push(performance.now() - before);
        if (answer.status !== 200) {
          into.errors += 1;
          continue;
        }
        const result = /"result":"(\w+)"/.exec(answer.body)?.[1] ?? '?';
        into.results[result] = (into.results[result] ?? 0) + 1;
      }
    }),
  );
  if (into) into.seconds += (performance.now() - start) / 1000;
  for (const c of connections) c.close();
}

/** Queries a desk types: prefixes of first and last names, both, organizations, other scripts, folded spellings. */
function searchQueries(count: number, attendees: number): string[] {
  const r = prng(7);
  const queries: string[] = [];
  const prefix = (s: string, min = 2) => s.slice(0, min + Math.floor(r() * Math.max(1, s.length - min)));
  while (queries.length < count) {
    const p = person(Math.floor(r() * attendees));
    const words = p.name.split(' ');
    const kind = queries.length % 6;
    if (kind === 0) queries.push(prefix(words[0]!));
    else if (kind === 1) queries.push(prefix(words.at(-1)!, 3));
    else if (kind === 2) queries.push(`${words[0]} ${prefix(words.at(-1)!)}`);
    else if (kind === 3) queries.push(prefix(p.organization, 3));
    else if (kind === 4) queries.push(prefix(OTHER_SCRIPTS[Math.floor(r() * OTHER_SCRIPTS.length)]!, 2));
    else queries.push(prefix(words.at(-1)!.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase(), 2));
  }
  return queries.map((q) => (q.trim().length < 2 ? 'an' : q));
}

/** Measured seconds are split into this many alternating slices per server. */
const ROUNDS = 5;

/** The first SEARCH_WARMUP queries warm the JIT and the page cache and are not counted. */
const SEARCH_WARMUP = 200;

/** The searches one by one; `urlOf` null sends GET /healthz instead, the floor of this client, server and machine. */
async function loadSearch(port: number, ready: Ready, opts: Options, urlOf: ((q: string) => string) | null): Promise<RunResult> {
  const queries = searchQueries(opts.searchQueries + SEARCH_WARMUP, opts.searchAttendees);
  const connections = await Promise.all(Array.from({ length: opts.searchConnections }, () => Connection.open(port)));
  const latencies: number[] = [];
  const slowest: { ms: number; q: string }[] = [];
  const results: Record<string, number> = urlOf ? { hits: 0, empty: 0 } : { ok: 0 };
  let errors = 0;
  let next = 0;
  let start = performance.now();
  await Promise.all(
    connections.map(async (conn) => {
      while (next < queries.length) {
        if (next === SEARCH_WARMUP) start = performance.now();
        const i = next++;
        // Searches are limited to 60 a minute per device: spread them over the bench's desks.
        const token = ready.tokens[i % ready.tokens.length]!;
        const before = performance.now();
        const answer = await conn.request('GET', urlOf ? urlOf(queries[i]!) : '/healthz', { authorization: `Bearer ${token}` }, null);
        if (i < SEARCH_WARMUP) continue;
        latencies.push(performance.now() - before);
        slowest.push({ ms: performance.now() - before, q: queries[i]! });
        if (answer.status !== 200) errors += 1;
        else if (!urlOf) results['ok']! += 1;
        else if (answer.body === '[]') results['empty']! += 1;
        else results['hits']! += 1;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  for (const c of connections) c.close();
  latencies.sort((a, b) => a - b);
  slowest.sort((a, b) => b.ms - a.ms);
  if (urlOf) console.log(`  slowest queries: ${slowest.slice(0, 12).map((x) => `${JSON.stringify(x.q)} ${x.ms.toFixed(1)} ms`).join(', ')}`);
  return { rate: latencies.length / elapsed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? Number.NaN, count: latencies.length, errors, results };
}

// ---------------------------------------------------------------- orchestration

const here = fileURLToPath(import.meta.url);

async function startChild(mode: string, args: string[], profile: string | null = null): Promise<{ child: ChildProcess; ready: Ready }> {
  const prof = profile === null ? [] : ['--cpu-prof', '--cpu-prof-dir', profile];
  const child = fork(here, [mode, ...args], { execArgv: [...process.execArgv, '--expose-gc', ...prof], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ready));
    child.once('exit', (code) => reject(new Error(`${mode} exited early with code ${code}`)));
  });
  return { child, ready };
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const ms = (x: number) => `${x.toFixed(2)} ms`;

function line(label: string, r: RunResult): string {
  return `${label.padEnd(34)} ${r.rate.toFixed(0).padStart(7)} /s   p50 ${ms(r.p50).padStart(9)}   p99 ${ms(r.p99).padStart(9)}   max ${ms(r.max).padStart(9)}   n=${r.count} errors=${r.errors} ${JSON.stringify(r.results)}`;
}

async function main(): Promise<void> {
  const [mode, dir, count, devices] = process.argv.slice(2);
  if (mode === 'serve-eventday') return serveEventday(dir!, Number(count), Number(devices));
  if (mode === 'serve-baseline') return serveBaseline(dir!, Number(count), devices === 'NORMAL' ? 'NORMAL' : 'FULL');

  const opts = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(path.join(tmpdir(), 'eventday-bench-'));
  const started = performance.now();
  try {
    console.log(`check-in benchmark: ${opts.attendees} attendees, ${opts.connections} keep-alive connections, ${opts.warmup} s warm-up + ${opts.seconds} s measured per server in ${ROUNDS} alternating slices, WAL, eventday synchronous=FULL, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);

    const eventdayDir = mkdtempSync(path.join(work, 'eventday-'));
    const eventday = await startChild('serve-eventday', [eventdayDir, String(opts.attendees), String(opts.connections)], opts.profile);
    console.log(`  eventday seeded ${opts.attendees} attendees with signed badges through the CSV import in ${(eventday.ready.seedMs / 1000).toFixed(1)} s`);
    const floors = opts.skipBaseline
      ? []
      : await Promise.all(
          (['FULL', 'NORMAL'] as const).map(async (sync) => ({
            sync,
            server: await startChild('serve-baseline', [mkdtempSync(path.join(work, `baseline-${sync}-`)), String(opts.attendees), sync]),
            samples: new Samples(),
            picks: prng(42),
          })),
        );

    // Other work on the machine comes and goes: the servers take turns in short slices, so all
    // meet the same background, and each slice's figures are pooled.
    const ours = new Samples();
    // The same sequence of badges for every server, continued from slice to slice.
    const ourPicks = prng(42);
    const slice = opts.seconds / ROUNDS;
    for (const f of floors) await driveCheckins(f.server.ready.port, f.server.ready, opts, f.picks, false, opts.warmup, null);
    await driveCheckins(eventday.ready.port, eventday.ready, opts, ourPicks, true, opts.warmup, null);
    for (let round = 0; round < ROUNDS; round++) {
      for (const f of floors) await driveCheckins(f.server.ready.port, f.server.ready, opts, f.picks, false, slice, f.samples);
      await driveCheckins(eventday.ready.port, eventday.ready, opts, ourPicks, true, slice, ours);
    }
    await stopChild(eventday.child);
    for (const f of floors) await stopChild(f.server.child);

    console.log('');
    const ourResult = ours.summary();
    const floorResults = floors.map((f) => ({ sync: f.sync, result: f.samples.summary() }));
    for (const f of floorResults) console.log(line(`naive floor, synchronous=${f.sync}`, f.result));
    console.log(line('eventday POST /api/checkins', ourResult));
    for (const f of floorResults) {
      console.log(`  eventday / ${f.sync} floor: rate ×${(ourResult.rate / f.result.rate).toFixed(2)}, p99 ×${(ourResult.p99 / f.result.p99).toFixed(2)}`);
    }
    const full = floorResults.find((f) => f.sync === 'FULL')?.result;
    const normal = floorResults.find((f) => f.sync === 'NORMAL')?.result;
    if (full && normal) {
      report(opts.json, [
        { figure: 'check-in rate / naive FULL floor', value: ourResult.rate / full.rate, unit: '×', goal: '≥ 1.5×', met: ourResult.rate >= 1.5 * full.rate },
        { figure: 'check-in rate / naive NORMAL floor', value: ourResult.rate / normal.rate, unit: '×', goal: '≥ 1.0×', met: ourResult.rate >= normal.rate },
        { figure: 'check-in p99', value: ourResult.p99, unit: 'ms', goal: `≤ ${full.p99.toFixed(1)} ms (the FULL floor's)`, met: ourResult.p99 <= full.p99 },
      ]);
    }

    if (!opts.skipSearch) {
      const searchDir = mkdtempSync(path.join(work, 'search-'));
      // 60 searches a minute per device: enough desks that the run never meets the limit.
      const desks = Math.ceil((opts.searchQueries + SEARCH_WARMUP) / 50);
      const search = await startChild('serve-eventday', [searchDir, String(opts.searchAttendees), String(desks)]);
      console.log('');
      console.log(`search (load average ${loadavg()[0]!.toFixed(1)}): ${opts.searchAttendees} attendees (seeded in ${(search.ready.seedMs / 1000).toFixed(1)} s), ${opts.searchQueries} queries over ${opts.searchConnections} connections, limit 20`);
      const found = await loadSearch(search.ready.port, search.ready, opts, (q) => `/api/attendees?q=${encodeURIComponent(q)}&limit=20`);
      const floor = await loadSearch(search.ready.port, search.ready, opts, null);
      await stopChild(search.child);
      console.log(line('eventday GET /api/attendees?q=', found));
      console.log(line('GET /healthz, same client (floor)', floor));
      report(opts.json, [{ figure: `search p99 at ${opts.searchAttendees} attendees`, value: found.p99, unit: 'ms', goal: '< 2 ms', met: found.p99 < 2 }]);
    }
    console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
