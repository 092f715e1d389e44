// npm run backup -- <file> [--db <database>]: a consistent online copy of the live database (SQLite backup API), verified before it gets its name.
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { backupDatabase } from '../src/services/maintenance.js';
import { EXIT, messageOf, parseCommandLine, progress } from './cli.js';

const USAGE = `usage: npm run backup -- <backup file> [--db <database file, default EVENTDAY_DB>]

Copies the database while the service may be running (SQLite online backup, one read
transaction: a consistent snapshot), checks the copy (integrity_check, hash chain) and only then
gives it its name. Exit 0: the backup is written and verified. Exit 1: it failed (nothing is left
under the name). Exit 2: a wrong command line.`;

const { values, positionals } = parseCommandLine(USAGE, { options: { db: { type: 'string' } } }, { min: 1, max: 1, names: '<backup file>' });
const destination = positionals[0]!;
const source = values.db ?? loadConfig().dbFile;

try {
  const probe = new Database(source, { readonly: true, fileMustExist: true });
  const pages = probe.pragma('page_count', { simple: true }) as number;
  const pageSize = probe.pragma('page_size', { simple: true }) as number;
  probe.close();
  progress('backup', `copying ${pages} pages (${((pages * pageSize) / 1e6).toFixed(1)} MB) from ${source}, then integrity_check and the hash chain`);
  const r = await backupDatabase(source, destination);
  const s = r.summary;
  progress('backup', `${r.pages} pages copied and verified in ${r.ms.toFixed(0)} ms`);
  process.stdout.write(
    [
      `backup written: ${r.file}`,
      `  from ${source} while it may be in use: ${r.pages} pages, ${r.bytes} bytes in ${r.ms.toFixed(0)} ms (one read transaction: a consistent snapshot)`,
      `  integrity_check: ${s.integrity.join('; ')}; hash chain: ${s.chain.ok ? 'ok' : 'BROKEN'} (${s.chain.checked} events, head seq ${s.headSeq})`,
      `  epoch ${s.epoch}; ${Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      '  it holds personal data: keep it where the database is kept and delete it when the retention period ends',
      '',
    ].join('\n'),
  );
} catch (err) {
  process.stderr.write(`backup failed: ${messageOf(err)}\n`);
  process.exitCode = EXIT.failed;
}
