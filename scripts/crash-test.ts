// npm run crash-test -- [--rounds 20] [--scanners 16]: scanners at full speed, SIGKILL at a random moment, restart; every acknowledged scan must survive.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { verifyChain } from '../src/live/event-log.js';
import { integrityCheck } from '../src/services/maintenance.js';
import { Client, numericFlags, sleep, startServer, TransportError, type ServerProcess } from './reliability/lib.js';

const USAGE = `usage: npm run crash-test -- [--rounds 20] [--scanners 16] [--attendees 300] [--min-ms 300] [--max-ms 2500]
  Starts the real server on a temp database, runs the scanners (unique scanIds, keep-alive HTTP),
  SIGKILLs the server after a random time in [min-ms, max-ms], restarts it on the same file and
  checks that every acknowledged scan answers replayed: true and that integrity_check is ok.
  Progress: one line per round. Exit 0: nothing lost, every check ok. Exit 1: an acknowledged
  scan was lost, a check failed or the run did not finish. Exit 2: a wrong command line.`;

const opts = numericFlags(process.argv.slice(2), { rounds: 20, scanners: 16, attendees: 300, 'min-ms': 300, 'max-ms': 2500 }, USAGE);
const ADMIN = `crash-admin-${randomUUID()}`;
const WATCHDOG_MS = (60 + opts.rounds * 60) * 1000;

interface Scan {
  scanId: string;
  body: { scanId: string; code: string; kind: 'entry' | 'exit'; roomId?: string };
  token: string;
  checkinId: string;
}

interface Round {
  round: number;
  runMs: number;
  acknowledged: number;
  inFlight: number;
  inFlightCommitted: number;
  lost: number;
  integrity: string;
  chain: boolean;
  restartMs: number;
}

const watchdog = setTimeout(() => {
  process.stderr.write(`crash-test: watchdog fired after ${WATCHDOG_MS / 1000} s\n`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

const dir = mkdtempSync(path.join(tmpdir(), 'eventday-crash-'));
const dbFile = path.join(dir, 'eventday.db');
let server = null as ServerProcess | null;

async function setup(http: Client): Promise<{ desks: string[]; doors: string[]; codes: string[]; rooms: string[] }> {
  const device = (name: string, role: string) => http.json<{ token: string }>('POST', '/api/devices', { token: ADMIN, body: { name, role } });
  const desks: string[] = [];
  const doors: string[] = [];
  for (let i = 0; i < opts.scanners; i++) {
    // A quarter of the scanners are door scanners at rooms, the rest registration desks.
    if (i % 4 === 3) doors.push((await device(`Door ${i}`, 'door')).token);
    else desks.push((await device(`Desk ${i}`, 'desk')).token);
  }
  const rooms: string[] = [];
  for (let i = 0; i < 3; i++) {
    rooms.push((await http.json<{ id: string }>('POST', '/api/rooms', { token: ADMIN, body: { name: `Room ${i}`, capacity: 100_000 } })).id);
  }
  const codes: string[] = [];
  const deskToken = desks[0] ?? doors[0]!;
  const categories = ['government', 'industry', 'academia', 'think_tank', 'ngo', 'media'];
  for (let i = 0; i < opts.attendees; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, opts.attendees - i) }, (_, j) =>
        http.json<{ badge: { code: string } }>('POST', '/api/attendees', {
          token: deskToken,
          body: { name: `Crash Person ${i + j}`, organization: 'Crash Test Org', category: categories[(i + j) % categories.length] },
        }),
      ),
    );
    codes.push(...batch.map((b) => b.badge.code));
  }
  return { desks, doors, codes, rooms };
}

/** Keep-alive scanners until the server dies under them; a scan counts only once its 200 answer is complete. */
async function runScanners(http: Client, world: Awaited<ReturnType<typeof setup>>, killAt: number) {
  const acknowledged: Scan[] = [];
  const inFlight: Scan[] = [];
  const unexpected: string[] = [];
  let killed = false;
  const scanner = async (index: number) => {
    const door = index % 4 === 3;
    const token = door ? world.doors[Math.floor(index / 4) % world.doors.length]! : world.desks[index % world.desks.length]!;
    while (!killed) {
      const scanId = randomUUID();
      const code = world.codes[Math.floor(Math.random() * world.codes.length)]!;
      const body: Scan['body'] = door
        ? { scanId, code, kind: Math.random() < 0.6 ? 'entry' : 'exit', roomId: world.rooms[Math.floor(Math.random() * world.rooms.length)]! }
        : { scanId, code, kind: 'entry' };
      try {
        const reply = await http.request('POST', '/api/checkins', { token, body });
        if (reply.status === 200) {
          const answer = JSON.parse(reply.body) as { checkin: { id: string } };
          acknowledged.push({ scanId, body, token, checkinId: answer.checkin.id });
        } else {
          unexpected.push(`${reply.status} ${reply.body.slice(0, 200)}`);
        }
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        inFlight.push({ scanId, body, token, checkinId: '' });
        return;
      }
    }
  };
  const all = Promise.all(Array.from({ length: opts.scanners }, (_, i) => scanner(i)));
  await sleep(killAt);
  killed = true;
  server!.child.kill('SIGKILL');
  await server!.exited;
  await all;
  return { acknowledged, inFlight, unexpected };
}

async function replayAll(http: Client, scans: Scan[]): Promise<{ replayed: number; fresh: number; mismatched: string[] }> {
  let replayed = 0;
  let fresh = 0;
  const mismatched: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < scans.length) {
      const scan = scans[next++]!;
      const reply = await http.request('POST', '/api/checkins', { token: scan.token, body: scan.body });
      if (reply.status !== 200) {
        mismatched.push(`${scan.scanId}: ${reply.status}`);
        continue;
      }
      const answer = JSON.parse(reply.body) as { replayed: boolean; checkin: { id: string } };
      if (answer.replayed) {
        replayed += 1;
        if (scan.checkinId !== '' && answer.checkin.id !== scan.checkinId) mismatched.push(`${scan.scanId}: another checkin id`);
      } else {
        fresh += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { replayed, fresh, mismatched };
}

function checkFile(): { integrity: string; chain: boolean } {
  // A second, read-only connection next to the running server: WAL lets it read a consistent state.
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return { integrity: integrityCheck(db).join('; '), chain: verifyChain(db).ok };
  } finally {
    db.close();
  }
}

async function main(): Promise<number> {
  server = await startServer({ dbFile, adminToken: ADMIN });
  const port = server.port;
  let http = new Client(port, opts.scanners);
  const world = await setup(http);
  process.stdout.write(
    `crash-test: ${opts.rounds} rounds, ${opts.scanners} scanners (${world.desks.length} desk, ${world.doors.length} door), ${world.codes.length} badges, db ${dbFile}\n`,
  );
  process.stdout.write('round  run ms  acknowledged  in flight (committed)  lost  restart ms  integrity  chain\n');
  const rounds: Round[] = [];
  const problems: string[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const killAt = opts['min-ms'] + Math.random() * (opts['max-ms'] - opts['min-ms']);
    const { acknowledged, inFlight, unexpected } = await runScanners(http, world, killAt);
    http.close();
    problems.push(...unexpected.map((u) => `round ${round}: unexpected answer ${u}`));
    const restartStarted = performance.now();
    server = await startServer({ dbFile, adminToken: ADMIN, port });
    const restartMs = performance.now() - restartStarted;
    http = new Client(port, opts.scanners);
    const acked = await replayAll(http, acknowledged);
    const pending = await replayAll(http, inFlight);
    const { integrity, chain } = checkFile();
    const lost = acked.fresh;
    problems.push(...acked.mismatched.map((m) => `round ${round}: ${m}`));
    if (integrity !== 'ok') problems.push(`round ${round}: integrity_check ${integrity}`);
    if (!chain) problems.push(`round ${round}: hash chain broken`);
    const r: Round = {
      round,
      runMs: killAt,
      acknowledged: acknowledged.length,
      inFlight: inFlight.length,
      inFlightCommitted: pending.replayed,
      lost,
      integrity,
      chain,
      restartMs,
    };
    rounds.push(r);
    process.stdout.write(
      `${String(round).padStart(5)}  ${r.runMs.toFixed(0).padStart(6)}  ${String(r.acknowledged).padStart(12)}  ${`${r.inFlight} (${r.inFlightCommitted})`.padStart(21)}  ${String(lost).padStart(4)}  ${r.restartMs.toFixed(0).padStart(10)}  ${integrity.padStart(9)}  ${chain ? 'ok' : 'BROKEN'}\n`,
    );
  }
  http.close();
  server.child.kill('SIGTERM');
  await server.exited;
  const total = rounds.reduce((s, r) => s + r.acknowledged, 0);
  const lost = rounds.reduce((s, r) => s + r.lost, 0);
  const runSeconds = rounds.reduce((s, r) => s + r.runMs, 0) / 1000;
  process.stdout.write(
    `total: ${rounds.length} rounds, acknowledged ${total} (${(total / runSeconds).toFixed(0)} scans/s while running), lost ${lost}, ` +
      `in flight at the kill ${rounds.reduce((s, r) => s + r.inFlight, 0)} (committed ${rounds.reduce((s, r) => s + r.inFlightCommitted, 0)})\n`,
  );
  for (const p of problems.slice(0, 20)) process.stdout.write(`problem: ${p}\n`);
  return lost === 0 && problems.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(`crash-test failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n${server?.output() ?? ''}\n`);
  process.exitCode = 1;
} finally {
  server?.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
