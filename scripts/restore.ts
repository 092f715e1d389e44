// npm run restore -- <backup file> [--db <database>]: puts a backup in place of EVENTDAY_DB while the service is stopped; the new epoch makes live clients take a snapshot.
import { loadConfig } from '../src/config.js';
import { DatabaseInUseError, restoreDatabase } from '../src/services/maintenance.js';

const USAGE = `usage: npm run restore -- <backup file> [--db <database file, default EVENTDAY_DB>]

  1. Stop the service (restore refuses while any process has the database open).
  2. Run this: the backup is checked (integrity, hash chain), copied beside the database, given a
     new epoch and a database.restored event, checked again, and renamed into place. The
     database it replaces is kept as <database>.replaced-<time>; stale -wal/-shm files go.
  3. Start the service. Live clients see the new epoch and take a fresh snapshot.`;

const args = process.argv.slice(2);
let target: string | undefined;
let backupFile: string | undefined;
let help = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--db') target = args[++i];
  else if (args[i] === '--help' || args[i] === '-h') help = true;
  else backupFile ??= args[i];
}
if (help || backupFile === undefined) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(help ? 0 : 2);
}
target ??= loadConfig().dbFile;

try {
  const r = await restoreDatabase(backupFile, target);
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
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`restore failed, nothing changed: ${message}\n`);
  process.exitCode = err instanceof DatabaseInUseError ? 3 : 1;
}
