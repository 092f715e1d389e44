// npm run backup -- <file> [--db <database>]: a consistent online copy of the live database (SQLite backup API), verified before it gets its name.
import { loadConfig } from '../src/config.js';
import { backupDatabase } from '../src/services/maintenance.js';

const USAGE = 'usage: npm run backup -- <backup file> [--db <database file, default EVENTDAY_DB>]';

const args = process.argv.slice(2);
let source: string | undefined;
let destination: string | undefined;
let help = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--db') source = args[++i];
  else if (args[i] === '--help' || args[i] === '-h') help = true;
  else destination ??= args[i];
}
if (help || destination === undefined) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(help ? 0 : 2);
}
source ??= loadConfig().dbFile;

try {
  const r = await backupDatabase(source, destination);
  const s = r.summary;
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
  process.stderr.write(`backup failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
