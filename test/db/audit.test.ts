// The audit chain attacked: truncation and recomputation caught by the signed checkpoints, a purge that is not tampering, a forged purge that is.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { KeyDir } from '../../src/keys/key-dir.js';
import { chainHash, GENESIS_HASH, payloadDigest, rowToRecord, verifyChain } from '../../src/live/event-log.js';
import { readCheckpoints, verifyAudit } from '../../src/services/audit.js';
import { purgePersonalData } from '../../src/services/maintenance.js';
import { build, type Built } from '../helper.js';

/**
 * Every test here is about the SQLite file's own audit trail (its chain, edited in the file, and
 * the signed checkpoint file beside it; PostgreSQL keeps no such checkpoints), so every app is on SQLite.
 */
async function busyDay(t: Parameters<typeof build>[0]): Promise<Built> {
  const b = await build(t, { store: 'sqlite', close: false });
  for (const text of ['one', 'two', 'three']) {
    await b.app.inject({ method: 'POST', url: '/api/announcements', headers: b.auth('ops'), payload: { text, severity: 'info' } });
  }
  const res = await b.app.inject({ method: 'POST', url: '/api/attendees', headers: b.auth('desk'), payload: { name: 'Ada Canary', organization: 'Org', category: 'academia' } });
  t.equal(res.statusCode, 201);
  await b.app.close();
  return b;
}

const audit = (b: Built, db: Database.Database) => verifyAudit(db, { keys: new KeyDir(path.join(b.dir, 'keys')), dbFile: b.config.dbFile });

/** What an attacker with write access does after editing a row: recompute every digest and hash from there on. */
function recompute(db: Database.Database): void {
  let previous = GENESIS_HASH;
  for (const row of db.prepare('SELECT * FROM events ORDER BY seq').all() as Parameters<typeof rowToRecord>[0][]) {
    const record = rowToRecord(row);
    const digest = payloadDigest(record.payloadJson);
    const hash = chainHash(previous, record, digest);
    db.prepare('UPDATE events SET payload_digest = ?, hash = ? WHERE seq = ?').run(digest, hash, row.seq);
    previous = hash;
  }
}

function runVerify(b: Built): { code: number; text: string } {
  try {
    const text = execFileSync('npx', ['tsx', 'scripts/audit-verify.ts', b.config.dbFile], {
      encoding: 'utf8',
      env: { ...process.env, EVENTDAY_KEY_DIR: path.join(b.dir, 'keys') },
    });
    return { code: 0, text };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, text: e.stdout };
  }
}

t.test('shutdown writes a signed checkpoint to the log and to the file; the untouched log verifies', async (t) => {
  const b = await busyDay(t);
  const keys = path.join(b.dir, 'keys');
  t.equal(statSync(keys).mode & 0o777, 0o700, 'the key dir is 0700');
  const file = path.join(keys, 'eventday.db.checkpoints.jsonl');
  t.equal(statSync(file).mode & 0o777, 0o600, 'the checkpoint file is 0600');
  t.equal(statSync(path.join(keys, 'audit-checkpoint.key')).mode & 0o777, 0o600, 'the checkpoint key is 0600');
  const lines = readCheckpoints(file).lines;
  t.equal(lines.length, 1);
  t.equal(lines[0]!.reason, 'shutdown');
  const db = new Database(b.config.dbFile, { readonly: true });
  const head = db.prepare('SELECT seq, hash, name FROM events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string; name: string };
  t.match(head, { seq: lines[0]!.seq, hash: lines[0]!.hash, name: 'audit.checkpoint' }, 'the file signs the very last row: the checkpoint event');
  const report = audit(b, db);
  t.same(report.problems, []);
  t.ok(report.ok);
  t.equal(report.loggedCheckpoints, 1);
  db.close();
  const out = runVerify(b);
  t.equal(out.code, 0, out.text);
  t.match(out.text, /audit chain ok: \d+ events verified/);
  t.match(out.text, /last signed checkpoint: seq \d+/);

  // Starting and stopping again with nothing new writes no second checkpoint.
  const again = await build(t, { store: 'sqlite', dir: b.dir, close: false });
  const before = readCheckpoints(file).lines.length;
  await again.app.close();
  const after = readCheckpoints(file).lines.length;
  t.ok(after - before <= 1, 'at most one more checkpoint (for the restart’s own device events)');
});

t.test('deleting the last rows verifies as a chain, but is caught as truncation', async (t) => {
  const b = await busyDay(t);
  const db = new Database(b.config.dbFile);
  db.prepare('DELETE FROM events WHERE seq > (SELECT MAX(seq) - 3 FROM events)').run();
  t.ok(verifyChain(db).ok, 'the bare chain cannot see it: that is what checkpoints are for');
  const report = audit(b, db);
  t.notOk(report.ok);
  t.match(report.problems.join('\n'), /truncated: the log ends at seq \d+, below the last signed checkpoint/);
  db.close();
  const out = runVerify(b);
  t.equal(out.code, 1, 'audit:verify exits 1');
  t.match(out.text, /TAMPERING: truncated/);
});

t.test('editing a row and recomputing every hash is caught against the signed checkpoints', async (t) => {
  const b = await busyDay(t);
  const db = new Database(b.config.dbFile);
  const target = db.prepare("SELECT seq FROM events WHERE payload LIKE '%\"two\"%'").get() as { seq: number };
  db.prepare("UPDATE events SET payload = replace(payload, 'two', 'TWO') WHERE seq = ?").run(target.seq);
  t.same(verifyChain(db), { ok: false, checked: target.seq - 1, firstBadSeq: target.seq }, 'an edit alone breaks the chain at the row');
  recompute(db);
  t.ok(verifyChain(db).ok, 'a recomputed chain is consistent in itself');
  const report = audit(b, db);
  t.notOk(report.ok);
  const problems = report.problems.join('\n');
  t.match(problems, /recomputed: seq \d+ has hash/, 'the file checkpoint no longer matches');
  t.match(problems, /checkpoint event at seq \d+ signed seq/, 'nor does the checkpoint event in the log');
  db.close();
  t.equal(runVerify(b).code, 1);
});

t.test('a purge redacts payloads without touching a hash: old checkpoints and the purge checkpoint verify', async (t) => {
  const b = await busyDay(t);
  const keyDir = path.join(b.dir, 'keys');
  const shutdown = readCheckpoints(path.join(keyDir, 'eventday.db.checkpoints.jsonl')).lines.at(-1)!;
  const report = purgePersonalData(b.config.dbFile, { now: Date.parse('2026-02-20T12:00:00Z'), keyDir });
  t.ok(report.eventsRedacted > 0);
  t.equal(report.eventsRechained, 0, 'nothing re-chained');
  t.equal(report.checkpoint?.reason, 'purge');
  const db = new Database(b.config.dbFile);
  t.equal((db.prepare('SELECT hash FROM events WHERE seq = ?').get(shutdown.seq) as { hash: string }).hash, shutdown.hash, 'the pre-purge checkpoint still matches');
  t.notOk(readFileSync(b.config.dbFile).includes('Ada Canary'), 'the name is gone from the file');
  const after = audit(b, db);
  t.same(after.problems, []);
  t.ok(after.ok);
  t.ok(after.chain.redacted > 0, `${after.chain.redacted} redacted payloads accepted (named by the purge)`);
  const purged = JSON.parse((db.prepare("SELECT payload FROM events WHERE name = 'data.purged'").get() as { payload: string }).payload);
  t.match(purged, { redactedSeqs: [[Number, Number]], eventsRechained: 0 });

  // An attacker edits a payload and appends a forged purge naming it: not covered by a signed checkpoint.
  const victim = db.prepare("SELECT seq FROM events WHERE payload LIKE '%\"one\"%'").get() as { seq: number };
  db.prepare("UPDATE events SET payload = replace(payload, '\"one\"', '\"forged\"') WHERE seq = ?").run(victim.seq);
  t.notOk(verifyChain(db).ok, 'an edited payload without a purge naming it breaks the chain');
  const last = db.prepare('SELECT * FROM events ORDER BY seq DESC LIMIT 1').get() as Parameters<typeof rowToRecord>[0] & { hash: string };
  const forged = { ...rowToRecord(last), seq: last.seq + 1, name: 'data.purged', payloadJson: JSON.stringify({ redactedSeqs: [[victim.seq, victim.seq]] }) };
  const digest = payloadDigest(forged.payloadJson);
  db.prepare(
    'INSERT INTO events (seq, epoch, at, topic, name, visibility, actor_device_id, room_ids, payload, payload_digest, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(forged.seq, forged.epoch, forged.at, 'maintenance', forged.name, 'admin', null, null, forged.payloadJson, digest, chainHash(last.hash, forged, digest));
  t.ok(verifyChain(db).ok, 'the forged purge excuses the edit to the bare chain');
  const forgedReport = audit(b, db);
  t.notOk(forgedReport.ok);
  t.match(forgedReport.problems.join('\n'), new RegExp(`purge at seq ${forged.seq} is not covered by a signed checkpoint`));
  db.close();
});

t.test('a database from before payload digests is upgraded once at start and keeps verifying', async (t) => {
  const b = await busyDay(t);
  const db = new Database(b.config.dbFile);
  // Rebuild the legacy form: no digests, every hash over the payload text.
  let previous = GENESIS_HASH;
  for (const row of db.prepare('SELECT * FROM events ORDER BY seq').all() as Parameters<typeof rowToRecord>[0][]) {
    const hash = chainHash(previous, rowToRecord(row), null);
    db.prepare('UPDATE events SET payload_digest = NULL, hash = ? WHERE seq = ?').run(hash, row.seq);
    previous = hash;
  }
  t.ok(verifyChain(db).ok, 'the legacy chain verifies');
  db.close();
  const again = await build(t, { store: 'sqlite', dir: b.dir, close: false });
  await again.app.close();
  const check = new Database(b.config.dbFile, { readonly: true });
  t.equal((check.prepare('SELECT COUNT(*) AS n FROM events WHERE payload_digest IS NULL').get() as { n: number }).n, 0, 'every row has its digest');
  t.ok(verifyChain(check).ok);
  check.close();
});
