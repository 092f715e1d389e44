// npm run audit:verify [-- <db file>]: recomputes the event log's hash chain and names the first altered row.
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { verifyChain } from '../src/live/event-log.js';

const file = process.argv[2] ?? loadConfig().dbFile;
const sqlite = new Database(file, { readonly: true, fileMustExist: true });
const report = verifyChain(sqlite);
sqlite.close();
if (report.ok) {
  process.stdout.write(`audit chain ok: ${report.checked} events verified in ${file}\n`);
} else {
  process.stdout.write(`audit chain BROKEN at seq ${report.firstBadSeq} (${report.checked} events before it verified) in ${file}\n`);
  process.exitCode = 1;
}
