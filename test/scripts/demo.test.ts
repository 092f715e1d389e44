// npm run demo as a person runs it: --at makes that time of day "now" (sessions live, rooms filling, changes made), one clean block of links, tokens kept in a 0600 file and reused on a rerun.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { NowNextWire } from '../../src/contract/index.js';
import { buildWeb } from '../../scripts/build-web.js';
import { ROOT } from '../../scripts/reliability/lib.js';

interface Running {
  block: string;
  stop: () => Promise<number | null>;
}

/** Starts the demo and answers once its block of links is printed. */
function startDemo(dir: string, args: string[], env: Record<string, string> = {}): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        EVENTDAY_DB: path.join(dir, 'demo.db'),
        EVENTDAY_KEY_DIR: path.join(dir, 'keys'),
        PORT: '0',
        HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('for the next run')) {
        resolve({
          block: stdout,
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    void exited.then((code) => reject(new Error(`demo exited ${code} before printing: ${stderr.slice(0, 2000)}`)));
  });
}

function linkOf(block: string, label: string): URL {
  const line = block.split('\n').find((l) => l.trimStart().startsWith(label));
  if (!line) throw new Error(`no ${label} line in:\n${block}`);
  return new URL(line.trim().split(/\s+/).at(-1)!);
}

const tokenIn = (url: URL): string => url.hash.replace('#token=', '');

async function api<T>(base: string, url: string, token: string): Promise<T> {
  const res = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

// The demo serves the built pages, as `npm run demo` does after its build: on a fresh clone they are built here first.
t.before(() => buildWeb());

t.test('--at 11:00 starts the demo at 11:00 with sessions live, rooms filling and changes made; a rerun keeps its tokens', async (t) => {
  const dir = t.testdir();
  const first = await startDemo(dir, ['--at', '11:00']);
  const { block } = first;
  t.match(block, /now in the demo: \d{4}-\d{2}-\d{2} 11:00/, 'the block says what time it is in the demo');
  t.notMatch(block, /"level"|"msg"/, 'no log line inside the printed block');
  const kiosk = linkOf(block, 'kiosk');
  const desk = linkOf(block, 'desk');
  const dashboard = linkOf(block, 'dashboard');
  const door = linkOf(block, 'door screen');
  const admin = /admin token\s+(\S+)/.exec(block)?.[1] ?? '';
  t.match(kiosk.pathname, '/kiosk');
  t.match(desk.pathname, '/desk');
  t.match(dashboard.pathname, '/dashboard');
  t.match(door.search, /^\?roomIds=/, 'a door screen link for one room');
  t.match(block, /start page\s+http:\/\/127\.0\.0\.1:\d+\//, 'the landing page');
  t.match(block, /API docs\s+http:\/\/127\.0\.0\.1:\d+\/docs/, 'the docs');
  const base = kiosk.origin;

  const now = await api<NowNextWire[]>(base, '/api/schedule/now', tokenIn(kiosk));
  const live = now.filter((r) => r.current !== null);
  t.ok(live.length >= 7, `sessions are on now at 11:00 in the demo (${live.length} rooms)`);
  for (const r of live) t.equal(r.current?.status, 'live', `${r.current?.title} is live`);
  const rooms = await api<{ name: string; occupancy: number }[]>(base, '/api/rooms', tokenIn(dashboard));
  t.ok(rooms.filter((r) => r.occupancy > 0).length >= 5, 'rooms are filling');
  const changes = await api<{ kind: string }[]>(base, '/api/schedule/changes?since=0', tokenIn(kiosk));
  for (const kind of ['moved', 'delayed', 'cancelled']) t.ok(changes.some((c) => c.kind === kind), `a change of kind ${kind} is already made`);

  const file = path.join(dir, 'demo.db.demo-tokens.json');
  t.equal(statSync(file).mode & 0o777, 0o600, 'the tokens file is 0600');
  const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  t.equal(kept.kiosk, tokenIn(kiosk));
  t.equal(kept.admin, admin, 'the admin token printed is the one kept');
  t.equal(await first.stop(), 0, 'a clean shutdown on SIGTERM');
  const db = readFileSync(path.join(dir, 'demo.db'));
  t.notOk(db.includes(Buffer.from(admin)) || db.includes(Buffer.from(tokenIn(kiosk))), 'the database holds no token, only hashes');

  const second = await startDemo(dir, [], { EVENTDAY_DEMO_AT: '14:00' });
  t.teardown(() => second.stop());
  t.match(second.block, /now in the demo: \d{4}-\d{2}-\d{2} 14:00/, 'EVENTDAY_DEMO_AT sets the time too');
  t.equal(tokenIn(linkOf(second.block, 'kiosk')), tokenIn(kiosk), 'the rerun prints the same kiosk link');
  t.equal(tokenIn(linkOf(second.block, 'desk')), tokenIn(desk), 'and the same desk link');
  t.equal(/admin token\s+(\S+)/.exec(second.block)?.[1], admin, 'and the same admin token');
  const again = await api<NowNextWire[]>(linkOf(second.block, 'kiosk').origin, '/api/schedule/now', tokenIn(kiosk));
  t.ok(again.filter((r) => r.current !== null).length >= 7, 'the afternoon sessions are on at 14:00');
});

t.test('a wrong --at is a usage error', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--at', '25:99'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', EVENTDAY_DB: path.join(t.testdir(), 'demo.db') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  t.equal(code, 2);
  t.match(stderr, /HH:MM/);
});
