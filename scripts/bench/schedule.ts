// Benchmark (issue 3): importing a 1,000-session programme, PATCH throughput, and /api/schedule/now latency with 2,000 sessions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { generateProgramme, scheduleJson, type ProgrammeEvent } from '../../test/schedule/programme.js';
import { report } from './lib.js';

const TOKEN = 'bench-admin-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface Bench {
  app: FastifyInstance;
  clock: { now: number };
  dir: string;
}

async function fresh(): Promise<Bench> {
  const dir = mkdtempSync(path.join(tmpdir(), 'eventday-bench-'));
  const clock = { now: Date.parse('2026-02-01T00:00:00Z') };
  const app = await buildApp(loadConfig({ EVENTDAY_DB: path.join(dir, 'bench.db'), EVENTDAY_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent' }), {
    logger: createLogger('silent'),
    clock: () => clock.now,
  });
  return { app, clock, dir };
}

async function close(b: Bench): Promise<void> {
  await b.app.close();
  rmSync(b.dir, { recursive: true, force: true });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const fmt = (ms: number): string => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

async function importFile(app: FastifyInstance, body: string): Promise<{ ms: number; result: Record<string, unknown> }> {
  const start = performance.now();
  const res = await app.inject({ method: 'POST', url: '/api/schedule/import', headers: { ...AUTH, 'content-type': 'application/json' }, payload: body });
  const ms = performance.now() - start;
  if (res.statusCode !== 200) throw new Error(`import failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return { ms, result: res.json() };
}

/** Every tenth session of the programme moved, re-timed or renamed: a realistic newer release. */
function release2(events: ProgrammeEvent[]): ProgrammeEvent[] {
  return events.map((e, i) => {
    if (i % 10 !== 0) return e;
    const what = (i / 10) % 3;
    if (what === 0) return { ...e, start: e.start + 15 * 60_000 };
    if (what === 1) return { ...e, room: 'Room 99' };
    return { ...e, title: `${e.title} (revised)` };
  });
}

async function benchImport(): Promise<void> {
  const events = generateProgramme(1000, { rooms: 20, days: 2 });
  const file = scheduleJson(events);
  // The first import of a process also pays for loading and compiling the parser and the services.
  const cold = await fresh();
  const coldImport = await importFile(cold.app, file);
  await close(cold);

  const b = await fresh();
  const first = await importFile(b.app, file);
  const again = await importFile(b.app, file);
  const second = await importFile(b.app, scheduleJson(release2(events)));
  console.log('import of a 1,000-session schedule.json (%s KB, 20 rooms, 2 days), over app.inject:', (Buffer.byteLength(file) / 1024).toFixed(0));
  console.log('  first import in a new process (cold):              %s', fmt(coldImport.ms));
  console.log('  into a new database, warm (1,000 created + events): %s', fmt(first.ms));
  console.log('  same file again (no change, no event):             %s', fmt(again.ms));
  console.log('  newer release (100 sessions changed):              %s  %j', fmt(second.ms), second.result['sessions']);
  await close(b);
  report(args.json, [{ figure: '1,000-session schedule.json into a new database', value: first.ms, unit: 'ms', goal: '< 200 ms', met: first.ms < 200 }]);
}

async function benchPatch(): Promise<void> {
  const b = await fresh();
  await importFile(b.app, scheduleJson(generateProgramme(1000, { rooms: 20, days: 2 })));
  const list = (await b.app.inject({ method: 'GET', url: '/api/sessions', headers: AUTH })).json<{ id: string; version: number }[]>();
  const versions = new Map(list.map((s) => [s.id, s.version]));
  let n = 0;
  const patchOne = async (id: string): Promise<number> => {
    const version = versions.get(id)!;
    const start = performance.now();
    const res = await b.app.inject({
      method: 'PATCH',
      url: `/api/sessions/${id}`,
      headers: AUTH,
      payload: { version, delayMinutes: (version % 12) * 5, changeNote: `bench ${n++}` },
    });
    const ms = performance.now() - start;
    if (res.statusCode !== 200) throw new Error(`PATCH failed: ${res.statusCode} ${res.body}`);
    versions.set(id, version + 1);
    return ms;
  };

  const sequential = 2000;
  const latencies: number[] = [];
  let start = performance.now();
  for (let i = 0; i < sequential; i++) latencies.push(await patchOne(list[i % list.length]!.id));
  const seqSeconds = (performance.now() - start) / 1000;
  latencies.sort((x, y) => x - y);
  console.log('PATCH /api/sessions/:id (delay + note; one session.updated each; synchronous=FULL), 1,000 sessions:');
  console.log('  sequential, one at a time:   %s PATCH/s   p50 %s   p99 %s', (sequential / seqSeconds).toFixed(0), fmt(percentile(latencies, 50)), fmt(percentile(latencies, 99)));

  const inFlight = 32;
  const total = 4000;
  start = performance.now();
  for (let done = 0; done < total; done += inFlight) {
    // Distinct sessions in each wave, as when many editors work at once: group commit shares one fsync.
    await Promise.all(Array.from({ length: inFlight }, (_, k) => patchOne(list[(done + k) % list.length]!.id)));
  }
  const concSeconds = (performance.now() - start) / 1000;
  console.log('  %d in flight:                %s PATCH/s', inFlight, (total / concSeconds).toFixed(0));
  await close(b);
}

async function benchNow(): Promise<void> {
  const b = await fresh();
  await importFile(b.app, scheduleJson(generateProgramme(2000, { rooms: 40, days: 2 })));
  const rooms = (await b.app.inject({ method: 'GET', url: '/api/rooms', headers: AUTH })).json<{ id: string }[]>();
  // Mid-morning of day one: most sessions still ahead, so now/next scans nearly the whole programme.
  b.clock.now = Date.parse('2026-02-15T10:10:00Z');
  const run = async (url: string, count: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      const res = await b.app.inject({ method: 'GET', url, headers: AUTH });
      out.push(performance.now() - start);
      if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode}`);
    }
    return out.sort((x, y) => x - y);
  };
  await run('/api/schedule/now', 300);
  const all = await run('/api/schedule/now', 3000);
  const one = await run(`/api/schedule/now?roomId=${rooms[7]!.id}`, 3000);
  // A minute per request: the answer is recomputed at every session start or end the clock passes.
  const moving: number[] = [];
  for (let i = 0; i < 1000; i++) {
    b.clock.now += 60_000;
    moving.push(...(await run('/api/schedule/now', 1)));
  }
  moving.sort((x, y) => x - y);
  console.log('GET /api/schedule/now with 2,000 sessions in 40 rooms (app.inject, sequential, after warm-up):');
  console.log('  all 40 rooms:  p50 %s   p99 %s   max %s', fmt(percentile(all, 50)), fmt(percentile(all, 99)), fmt(all[all.length - 1]!));
  console.log('  one room:      p50 %s   p99 %s   max %s', fmt(percentile(one, 50)), fmt(percentile(one, 99)), fmt(one[one.length - 1]!));
  console.log('  all rooms, clock +1 min per request (recomputed at each start/end): p50 %s   p99 %s', fmt(percentile(moving, 50)), fmt(percentile(moving, 99)));
  await close(b);
}

const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (args.help) {
  console.log("usage: tsx scripts/bench/schedule.ts [--quick] [--json FILE]\n  --quick  the import only (the goal)\n  --json   append the figures against the issue's goals to FILE (read by npm run bench)");
  process.exit(0);
}
await benchImport();
if (!args.quick) {
  await benchPatch();
  await benchNow();
}
