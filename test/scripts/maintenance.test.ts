// The maintenance scripts as an operator runs them: --help (0), a wrong command line (2), a real backup and audit:verify (0), a tampered database (1).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { ROOT } from '../../scripts/reliability/lib.js';
import { build } from '../helper.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** One script run as a child process, through tsx (the compiled scripts run the same code). */
function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', `scripts/${script}.ts`, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const SCRIPTS = ['audit-verify', 'backup', 'restore', 'purge', 'crash-test', 'soak', 'demo'];

t.test('every script answers --help with its usage on stdout and exit 0, before touching a database', async (t) => {
  const results = await Promise.all(SCRIPTS.map((s) => run(s, ['--help'], { EVENTDAY_DB: '/nonexistent/eventday.db' })));
  for (const [i, r] of results.entries()) {
    t.equal(r.code, 0, `${SCRIPTS[i]} --help exits 0 ${r.stderr.slice(0, 300)}`);
    t.match(r.stdout, /^usage: npm run /, `${SCRIPTS[i]} --help prints its usage`);
  }
  const short = await run('audit-verify', ['-h']);
  t.equal(short.code, 0, '-h too');
  t.notOk(existsSync(path.join(ROOT, '--help')), 'no database called --help was created');
});

t.test('a wrong command line is a usage error: exit 2, the usage on stderr, nothing opened', async (t) => {
  const cases: [string, string[], RegExp][] = [
    ...SCRIPTS.map((s): [string, string[], RegExp] => [s, ['--bogus'], /Unknown option '--bogus'/]),
    ['audit-verify', ['a.db', 'b.db'], /unexpected argument: b\.db/],
    ['backup', [], /missing argument: <backup file>/],
    ['backup', ['out.db', '--db'], /argument missing/],
    ['restore', [], /missing argument: <backup file>/],
    ['purge', [], /add --yes/],
    ['purge', ['--yes', 'extra'], /unexpected argument: extra/],
    ['crash-test', ['--rounds', 'many'], /--rounds needs a non-negative number/],
    ['soak', ['--minutes', '-1'], /--minutes|Option '--minutes <value>' argument is ambiguous/],
  ];
  const results = await Promise.all(cases.map(([s, args]) => run(s, args, { EVENTDAY_DB: '/nonexistent/eventday.db' })));
  for (const [i, r] of results.entries()) {
    const [script, args, pattern] = cases[i]!;
    const label = `${script} ${args.join(' ')}`;
    t.equal(r.code, 2, `${label}: exit 2 ${r.stderr.slice(0, 200)}`);
    t.match(r.stderr, pattern, `${label}: says what is wrong`);
    t.match(r.stderr, /usage: npm run /, `${label}: shows the usage`);
    t.equal(r.stdout, '', `${label}: nothing on stdout`);
  }
});

t.test('backup and audit:verify of a real database exit 0; a tampered copy exits 1 and names the row', async (t) => {
  // backup, audit:verify and restore are SQLite's maintenance scripts: they read and write the file itself.
  const b = await build(t, { store: 'sqlite', close: false });
  for (const text of ['one', 'two', 'three']) {
    const res = await b.app.inject({ method: 'POST', url: '/api/announcements', headers: b.auth('ops'), payload: { text, severity: 'info' } });
    t.equal(res.statusCode, 201);
  }
  await b.app.close();
  const env = { EVENTDAY_DB: b.config.dbFile, EVENTDAY_KEY_DIR: b.config.keyDir };

  const backupFile = path.join(b.dir, 'backup.db');
  const backup = await run('backup', [backupFile], env);
  t.equal(backup.code, 0, `backup exits 0 ${backup.stderr}`);
  t.match(backup.stdout, /backup written: .*backup\.db/);
  t.match(backup.stderr, /backup: copying \d+ pages/, 'progress on stderr');
  t.ok(existsSync(backupFile), 'the backup file exists under its name');

  const again = await run('backup', [backupFile], env);
  t.equal(again.code, 1, 'a backup onto an existing file is a failed operation: exit 1');
  t.match(again.stderr, /exists/);

  const live = await run('audit-verify', [], env);
  t.equal(live.code, 0, `audit:verify of EVENTDAY_DB exits 0 ${live.stderr}`);
  t.match(live.stdout, /audit chain ok: \d+ events verified/);
  const ok = await run('audit-verify', [backupFile], env);
  t.equal(ok.code, 0, 'audit:verify of the backup exits 0');
  t.match(ok.stdout, /audit chain ok/);

  const db = new Database(backupFile);
  const target = db.prepare("SELECT seq FROM events WHERE payload LIKE '%two%'").get() as { seq: number };
  db.prepare("UPDATE events SET payload = replace(payload, 'two', 'TWO') WHERE seq = ?").run(target.seq);
  db.close();
  const tampered = await run('audit-verify', [backupFile], env);
  t.equal(tampered.code, 1, 'audit:verify of the tampered copy exits 1');
  t.match(tampered.stdout, new RegExp(`BROKEN at seq ${target.seq}`), 'and names the edited row');

  const missing = await run('audit-verify', [path.join(b.dir, 'missing.db')], env);
  t.equal(missing.code, 1, 'a database that cannot be opened is a failed check: exit 1, not a stack trace');
  t.match(missing.stderr, /audit:verify failed/);

  const restore = await run('restore', [backupFile, '--db', path.join(b.dir, 'restored.db')], env);
  t.equal(restore.code, 1, 'restore refuses the tampered backup: exit 1');
  t.match(restore.stderr, /restore failed, nothing changed/);
  t.notOk(existsSync(path.join(b.dir, 'restored.db')), 'and writes nothing');
});
