// npm run restore -- <backup file> [--db <database>]: puts a backup in place of EVENTDAY_DB while the service is stopped; the new epoch makes live clients take a snapshot.
import { loadConfig } from '../src/config.js';
import { restoreDatabase } from '../src/services/maintenance.js';
import { EXIT, messageOf, parseCommandLine, progress } from './cli.js';

const USAGE = `usage: npm run restore -- <backup file> [--db <database file, default EVENTDAY_DB>]

  1. Stop the service (restore refuses while any process has the database open).
  2. Run this: the backup is checked (integrity, hash chain), copied beside the database, given a
     new epoch and a database.restored event, checked again, and renamed into place. The
     database it replaces is kept as <database>.replaced-<time>; stale -wal/-shm files go.
  3. Start the service. Live clients see the new epoch and take a fresh snapshot.

Exit 0: restored. Exit 1: refused or failed, nothing changed (the backup fails its checks, or
the database is in use). Exit 2: a wrong command line.`;

const { values, positionals } = parseCommandLine(USAGE, { options: { db: { type: 'string' } } }, { min: 1, max: 1, names: '<backup file>' });
const backupFile = positionals[0]!;
const config = loadConfig();
const target = values.db ?? config.dbFile;

try {
  progress('restore', `checking ${backupFile} (integrity_check, hash chain), then copying it into ${target}`);
  // A signed `restore` checkpoint: audit:verify then knows the shorter log is a restore, not a truncation.
  const r = await restoreDatabase(backupFile, target, Date.now(), { keyDir: config.keyDir });
  process.stdout.write(
    [
      `restored ${backupFile} into ${r.target}`,
      `  backup checked: integrity ${r.backup.integrity.join('; ')}, hash chain ok (${r.backup.chain.checked} events, head seq ${r.backup.headSeq})`,
      `  after: integrity ${r.restored.integrity.join('; ')}, hash chain ${r.restored.chain.ok ? 'ok' : 'BROKEN'}, head seq ${r.restored.headSeq}`,
      `  epoch ${r.previousEpoch} -> ${r.epoch}: live clients will take a snapshot`,
      r.replaced === null ? '  there was no database at the target' : `  the replaced database is kept as ${r.replaced}`,
      ...r.removed.map((f) => `  removed stale ${f}`),
      '  you can start the service now',
      '',
    ].join('\n'),
  );
} catch (err) {
  // DatabaseInUseError (the service still runs) is a refused operation like any other: exit 1.
  process.stderr.write(`restore failed, nothing changed: ${messageOf(err)}\n`);
  process.exitCode = EXIT.failed;
}
