// SQLite store: pragmas in force after every reopen, migrations applied at start, and the audit hash chain.
import t from 'tap';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { openStore } from '../../src/db/open.js';
import { verifyChain } from '../../src/live/event-log.js';
import { build } from '../helper.js';

t.test('WAL, synchronous=FULL and foreign keys hold on a new file and after a reopen', async (t) => {
  const file = path.join(t.testdir(), 'x.db');
  for (let i = 0; i < 2; i++) {
    const store = openStore(file);
    t.equal(store.sqlite.pragma('journal_mode', { simple: true }), 'wal');
    t.equal(store.sqlite.pragma('synchronous', { simple: true }), 2, 'FULL');
    t.equal(store.sqlite.pragma('foreign_keys', { simple: true }), 1);
    t.ok((store.sqlite.pragma('busy_timeout', { simple: true }) as number) > 0);
    store.sqlite.close();
  }
});

t.test('migrations run at start and create the data model', async (t) => {
  const store = openStore(path.join(t.testdir(), 'm.db'));
  const tables = (store.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
  for (const name of ['event_settings', 'devices', 'attendees', 'badges', 'checkins', 'rooms', 'sessions', 'announcements', 'allocation_plans', 'events']) {
    t.ok(tables.includes(name), `table ${name}`);
  }
  store.sqlite.close();
});

t.test('the hash chain verifies, and names the first edited row', async (t) => {
  // On SQLite: the chain is checked in the file, by the script that reads it.
  const b = await build(t, { store: 'sqlite', close: false });
  for (const text of ['one', 'two', 'three']) {
    await b.app.inject({ method: 'POST', url: '/api/announcements', headers: b.auth('ops'), payload: { text, severity: 'info' } });
  }
  await b.app.close();
  const file = path.join(b.dir, 'eventday.db');
  const db = new Database(file);
  t.same(verifyChain(db), { ok: true, checked: 9, firstBadSeq: null }, '5 devices created + 3 announcements + the signed checkpoint written at shutdown');
  const target = db.prepare("SELECT seq FROM events WHERE payload LIKE '%two%'").get() as { seq: number };
  db.prepare("UPDATE events SET payload = replace(payload, 'two', 'TWO') WHERE seq = ?").run(target.seq);
  t.same(verifyChain(db), { ok: false, checked: target.seq - 1, firstBadSeq: target.seq });
  db.close();

  const out = (() => {
    try {
      execFileSync('npx', ['tsx', 'scripts/audit-verify.ts', file], { encoding: 'utf8' });
      return { code: 0, text: '' };
    } catch (err) {
      const e = err as { status: number; stdout: string };
      return { code: e.status, text: e.stdout };
    }
  })();
  t.equal(out.code, 1, 'npm run audit:verify exits non-zero');
  t.match(out.text, new RegExp(`BROKEN at seq ${target.seq}`));
});
