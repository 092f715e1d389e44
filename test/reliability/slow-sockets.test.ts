// 100 live sockets that never read, over 13 devices, against a 20,000-session snapshot: the server's memory barely moves.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import WebSocket from 'ws';
import { Client, sleep, startServer } from '../../scripts/reliability/lib.js';
import { build, ADMIN_TOKEN, storeSql } from '../helper.js';

const SESSIONS = 20_000;
const SOCKETS = 100;
const DEVICES = 13;

/**
 * A full garbage collection in the server through its inspector (started with --inspect on a free
 * port): RSS read after it is what the server holds, not what the collector has not reached yet.
 */
async function collectGarbage(output: () => string): Promise<void> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output())?.[1];
  if (!url) throw new Error(`no inspector address in the server output:\n${output()}`);
  const inspector = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    inspector.once('open', () => resolve());
    inspector.once('error', reject);
  });
  await new Promise<void>((resolve) => {
    inspector.on('message', (raw) => {
      if ((JSON.parse((raw as Buffer).toString('utf8')) as { id?: number }).id === 1) resolve();
    });
    inspector.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
  });
  inspector.close();
  await sleep(300);
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D+/g, '')) * 1024;
}

/** A socket that upgrades and then never reads a byte: everything the server sends piles up in front of it. */
function neverReading(port: number, token: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        [
          'GET /api/live HTTP/1.1',
          `Host: 127.0.0.1:${port}`,
          'Connection: Upgrade',
          'Upgrade: websocket',
          'Sec-WebSocket-Version: 13',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          `Authorization: Bearer ${token}`,
          '',
          '',
        ].join('\r\n'),
      );
      // Read just the upgrade answer, then stop reading for good.
      socket.once('data', () => {
        socket.pause();
        resolve(socket);
      });
    });
    socket.on('error', reject);
  });
}

t.test('never-reading sockets cannot make the server hold a snapshot each', async (t) => {
  const dir = t.testdir();
  const seeded = await build(t, { dir, close: false });
  const roomId = randomUUID();
  const now = Date.parse('2026-02-15T08:00:00Z');
  // Written straight into the tables, in one statement: 20,000 sessions through the API would be the test's whole time.
  const sql = storeSql(seeded.app);
  await sql.run('INSERT INTO rooms (id, name, capacity, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', roomId, 'Hall', 5000, now, now);
  await sql.run(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO sessions (id, title, room_id, starts_at, ends_at, speakers, created_at, updated_at)
     SELECT 'session-' || i, 'Session ' || i || ' on responsible military AI', ?, CAST(? AS BIGINT) + i * 60000, CAST(? AS BIGINT) + i * 60000 + 50000, '["A. Speaker"]', CAST(? AS BIGINT), CAST(? AS BIGINT) FROM n`,
    SESSIONS - 1,
    roomId,
    now,
    now,
    now,
    now,
  );
  await seeded.app.close();

  // The server process on the seeded store: the SQLite file, or the same PostgreSQL schema.
  const database = seeded.config.database;
  const env: Record<string, string> = database.kind === 'postgres' ? { EVENTDAY_DB: database.url, EVENTDAY_PG_SCHEMA: database.schema } : {};
  const server = await startServer({
    dbFile: path.join(dir, 'eventday.db'),
    adminToken: ADMIN_TOKEN,
    env: { ...env, LOG_LEVEL: 'error', NODE_OPTIONS: '--inspect=127.0.0.1:0' },
  });
  t.teardown(() => server.child.kill('SIGKILL'));
  const http = new Client(server.port, 4);
  const tokens: string[] = [];
  for (let i = 0; i < DEVICES; i++) {
    tokens.push((await http.json<{ token: string }>('POST', '/api/devices', { token: ADMIN_TOKEN, body: { name: `Screen ${i}`, role: 'kiosk' } })).token);
  }
  // One reader takes the snapshot first, so the serialised snapshot itself is in the baseline.
  const reader = await neverReading(server.port, tokens[0]!);
  reader.resume();
  await sleep(1_500);
  reader.destroy();
  await sleep(500);
  await collectGarbage(() => server.output());
  const before = rssBytes(server.child.pid!);

  const stalled: net.Socket[] = [];
  for (let i = 0; i < SOCKETS; i++) stalled.push(await neverReading(server.port, tokens[i % DEVICES]!));
  await sleep(3_000);
  await collectGarbage(() => server.output());
  const after = rssBytes(server.child.pid!);
  const grown = (after - before) / 2 ** 20;
  t.comment(`server RSS ${(before / 2 ** 20).toFixed(0)} MB → ${(after / 2 ** 20).toFixed(0)} MB with ${SOCKETS} never-reading sockets (+${grown.toFixed(1)} MB)`);
  t.ok(grown < 50, `100 stalled sockets over 13 devices add under 50 MB (added ${grown.toFixed(1)} MB)`);
  const health = await http.request('GET', '/healthz', {});
  t.equal(health.status, 200, 'and the server still answers');
  for (const s of stalled) s.destroy();
});
