// npm run audit:verify [-- <db file>]: recomputes the event log's hash chain, checks it against the signed checkpoints, and names what was altered.
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { KeyDir } from '../src/keys/key-dir.js';
import { formatAuditReport, verifyAudit } from '../src/services/audit.js';
import { EXIT, messageOf, parseCommandLine, progress } from './cli.js';

const USAGE = `usage: npm run audit:verify -- [<database file, default EVENTDAY_DB>]

Opens the database read-only and recomputes the hash chain of the event log, row by row, then
checks it against the signed checkpoints (EVENTDAY_KEY_DIR/<database name>.checkpoints.jsonl).
Exit 0: the chain is intact. Exit 1: a row was altered, inserted or deleted (the first one is
named), the log ends below the last checkpoint (truncated) or no longer matches it
(recomputed), or the database could not be read. Exit 2: a wrong command line.`;

const { positionals } = parseCommandLine(USAGE, { options: {} }, { min: 0, max: 1, names: '<database file>' });
const config = loadConfig();
const file = positionals[0] ?? config.dbFile;

try {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const total = (sqlite.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    progress('audit:verify', `checking ${total} events in ${file}`);
    const { text, exitCode } = formatAuditReport(verifyAudit(sqlite, { keys: new KeyDir(config.keyDir), dbFile: file }), file);
    process.stdout.write(text);
    if (exitCode !== 0) process.exitCode = EXIT.failed;
  } finally {
    sqlite.close();
  }
} catch (err) {
  process.stderr.write(`audit:verify failed: ${messageOf(err)}\n`);
  process.exitCode = EXIT.failed;
}
