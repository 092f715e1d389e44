// Online backup of a server process under load, then restore: integrity, a complete snapshot, a new epoch, a chain that verifies, an app that serves.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { Client, startServer, type ServerProcess } from '../../scripts/reliability/lib.js';
import { verifyChain } from '../../src/live/event-log.js';
import { backupDatabase, DatabaseInUseError, restoreDatabase } from '../../src/services/maintenance.js';
import { ADMIN_TOKEN, build, listen, liveClient } from '../helper.js';

interface Acked {
  scanId: string;
  ackedAt: number;
}

t.test('backup during load, restore into a new path: consistent, verified, new epoch, serves', async (t) => {
  const dir = t.testdir();
  const dbFile = path.join(dir, 'live.db');
  let server: ServerProcess | null = await startServer({ dbFile, adminToken: ADMIN_TOKEN });
  t.teardown(() => {
    server?.child.kill('SIGKILL');
  });
  const http = new Client(server.port, 8);
  t.teardown(() => http.close());
  const desk = await http.json<{ token: string }>('POST', '/api/devices', { token: ADMIN_TOKEN, body: { name: 'Desk', role: 'desk' } });
  const ops = await http.json<{ token: string }>('POST', '/api/devices', { token: ADMIN_TOKEN, body: { name: 'Ops', role: 'ops' } });
  const codes: string[] = [];
  for (let i = 0; i < 40; i++) {
    const r = await http.json<{ badge: { code: string } }>('POST', '/api/attendees', {
      token: desk.token,
      body: { name: `Backup Person ${i}`, organization: 'Org', category: 'academia' },
    });
    codes.push(r.badge.code);
  }

  const acked: Acked[] = [];
  let stop = false;
  let n = 0;
  const scanner = async () => {
    while (!stop) {
      const scanId = `bk-${n++}`;
      const reply = await http.request('POST', '/api/checkins', { token: desk.token, body: { scanId, code: codes[n % codes.length] } });
      if (reply.status === 200) acked.push({ scanId, ackedAt: performance.now() });
    }
  };
  const announcer = async () => {
    while (!stop) await http.request('POST', '/api/announcements', { token: ops.token, body: { text: `load ${n}`, severity: 'info' } });
  };
  const load = Promise.all([...Array.from({ length: 6 }, scanner), announcer()]);
  // The machine may be busy with other work: wait for the load to be under way, within bounds.
  const until = async (enough: () => boolean) => {
    for (let i = 0; i < 300 && !enough(); i++) await new Promise((r) => setTimeout(r, 20));
  };
  await until(() => acked.length >= 30);

  const backupFile = path.join(dir, 'copy.db');
  const startedAt = performance.now();
  const report = await backupDatabase(dbFile, backupFile);
  const finishedAt = performance.now();
  const atFinish = acked.length;
  await until(() => acked.length >= atFinish + 10);
  stop = true;
  await load;
  const duringLoad = acked.filter((a) => a.ackedAt > startedAt && a.ackedAt < finishedAt).length;
  t.ok(
    acked.some((a) => a.ackedAt < startedAt) && acked.some((a) => a.ackedAt > finishedAt),
    `scans were acknowledged before and after the copy (${acked.length} in all, ${duringLoad} while it ran)`,
  );
  t.same(report.summary.integrity, ['ok'], 'the copy passes integrity_check');
  t.ok(report.summary.chain.ok, 'the copy’s hash chain verifies');
  t.notOk(existsSync(`${backupFile}.partial`), 'no partial file left behind');

  const copy = new Database(backupFile, { readonly: true });
  const inCopy = new Set((copy.prepare('SELECT scan_id FROM checkins').all() as { scan_id: string }[]).map((r) => r.scan_id));
  copy.close();
  const ackedBefore = acked.filter((a) => a.ackedAt < startedAt);
  t.ok(
    ackedBefore.every((a) => inCopy.has(a.scanId)),
    `every scan acknowledged before the backup started (${ackedBefore.length}) is in the copy`,
  );

  server.child.kill('SIGTERM');
  await server.exited;
  server = null;

  const restoreDir = path.join(dir, 'restored');
  mkdirSync(restoreDir);
  const target = path.join(restoreDir, 'eventday.db');
  writeFileSync(`${target}-wal`, 'a stale WAL of some other database');
  const restored = await restoreDatabase(backupFile, target);
  t.equal(restored.replaced, null, 'nothing was replaced at a new path');
  t.same(restored.removed, [`${target}-wal`], 'a stale -wal next to the target is removed');
  t.same(restored.restored.integrity, ['ok'], 'integrity ok after the restore');
  t.ok(restored.restored.chain.ok, 'the chain still verifies (the restore event extends it)');
  t.not(restored.epoch, report.summary.epoch, 'the epoch changed');
  t.equal(restored.restored.headSeq, report.summary.headSeq + 1, 'one database.restored event appended');

  // On SQLite, as the restored file is: backup and restore are SQLite's (PostgreSQL has pg_dump).
  const b = await build(t, { store: 'sqlite', dir: restoreDir });
  t.equal(b.app.settings.epoch, restored.epoch);
  const stats = (await b.app.inject({ method: 'GET', url: '/api/checkins/stats', headers: b.auth('admin') })).json();
  t.ok(stats.total > 0, 'the restored app serves its data');
  const { ws } = await listen(b.app);
  const kiosk = liveClient(`${ws}/api/live?since=${report.summary.headSeq}&epoch=${report.summary.epoch}`, {
    headers: { authorization: `Bearer ${b.tokens.kiosk}` },
  });
  const welcome = await kiosk.next((m) => m.type === 'welcome');
  t.equal(welcome.epoch, restored.epoch);
  t.equal((await kiosk.next()).type, 'snapshot', 'a client of the old database takes a snapshot');
  kiosk.ws.close();

  await t.rejects(restoreDatabase(backupFile, b.config.dbFile), DatabaseInUseError, 'restore refuses while the service has the database open');
  t.equal(b.app.settings.epoch, restored.epoch, 'and leaves it alone');
  const db = new Database(b.config.dbFile, { readonly: true });
  t.ok(verifyChain(db).ok);
  db.close();
});

t.test('restore over a stopped database keeps the old one aside', async (t) => {
  const dir = t.testdir();
  // On SQLite: backup and restore are of the SQLite file.
  const first = await build(t, { store: 'sqlite', dir, close: false });
  await first.app.inject({ method: 'POST', url: '/api/announcements', headers: first.auth('ops'), payload: { text: 'before', severity: 'info' } });
  const backupFile = path.join(dir, 'before.db');
  await backupDatabase(first.config.dbFile, backupFile);
  await first.app.inject({ method: 'POST', url: '/api/announcements', headers: first.auth('ops'), payload: { text: 'after', severity: 'info' } });
  const oldEpoch = first.app.settings.epoch;
  await first.app.close();

  const r = await restoreDatabase(backupFile, first.config.dbFile);
  t.ok(r.replaced !== null && existsSync(r.replaced), 'the replaced database is kept');
  t.notOk(existsSync(`${first.config.dbFile}-wal`), 'no WAL of the old database next to the restored one');
  const second = await build(t, { store: 'sqlite', dir });
  t.not(second.app.settings.epoch, oldEpoch);
  const texts = (await second.app.inject({ method: 'GET', url: '/api/announcements', headers: second.auth('kiosk') })).json().map((a: { text: string }) => a.text);
  t.same(texts, ['before'], 'the state is the backup’s');
  const old = new Database(r.replaced!, { readonly: true });
  t.equal((old.prepare('SELECT COUNT(*) AS n FROM announcements').get() as { n: number }).n, 2, 'the kept file is complete on its own (its WAL was folded in)');
  old.close();
});
