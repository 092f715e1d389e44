// npm run purge -- --yes [--db <database>]: after the event, anonymises attendees everywhere in the database and scrubs the old text from its files.
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { purgePersonalData } from '../src/services/maintenance.js';
import { EXIT, messageOf, parseCommandLine, progress, usageExit } from './cli.js';

const USAGE = `usage: npm run purge -- --yes [--db <database file, default EVENTDAY_DB>] [--allow-broken-chain]

Stop the service first. Attendees become "Attendee 0001", …; organisation, email, delegation,
external id and flags are cleared, in the attendee rows, the search index, the answers kept for
scan replays and the event log (which is then re-chained and closed by a data.purged event that
records the old head hash). Categories, check-in times, counts and the schedule stay. Backups
taken before the purge still hold the data: delete them.

Exit 0: purged. Exit 1: refused or failed, nothing changed (the database is in use, or its hash
chain is already broken). Exit 2: a wrong command line, or --yes missing.`;

const { values } = parseCommandLine(USAGE, {
  options: { yes: { type: 'boolean' }, db: { type: 'string' }, 'allow-broken-chain': { type: 'boolean' } },
});
if (values.yes !== true) usageExit(USAGE, 'purge is irreversible: add --yes');
const config = loadConfig();
const file = values.db ?? config.dbFile;

/** Rows the purge will go through, counted read-only first, so a long run says what it is doing. */
function sizeOf(db: string): string {
  const sqlite = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) => (sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return `${count('attendees')} attendees, ${count('checkins')} check-ins, ${count('events')} events`;
  } finally {
    sqlite.close();
  }
}

try {
  progress('purge', `anonymising ${sizeOf(file)} in ${file}, then re-chaining the log, checkpoint and VACUUM`);
  const started = performance.now();
  // The purge signs a checkpoint attesting its redactions, with the service's audit key.
  const r = purgePersonalData(file, { allowBrokenChain: values['allow-broken-chain'] === true, keyDir: config.keyDir });
  progress('purge', `done in ${(performance.now() - started).toFixed(0)} ms`);
  const counts = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ');
  process.stdout.write(
    [
      `purged ${r.file}`,
      `  attendees anonymised: ${r.attendees}; stored scan answers rewritten: ${r.checkinsRedacted}; event payloads redacted: ${r.eventsRedacted}`,
      `  hash chain: verified before (head seq ${r.previousHead.seq}, hash ${r.previousHead.hash}),`,
      `    re-chained ${r.eventsRechained} events, closed by data.purged at seq ${r.head.seq} (hash ${r.head.hash}); verified after: ${r.after.chain.ok ? 'ok' : 'BROKEN'}`,
      `  counts before: ${counts(r.before.counts)}`,
      `  counts after:  ${counts(r.after.counts)} (events +1: data.purged)`,
      `  integrity_check: ${r.after.integrity.join('; ')}; file and WAL ${r.bytes.before} -> ${r.bytes.after} bytes (secure_delete, checkpoint, VACUUM)`,
      `  epoch ${r.previousEpoch} -> ${r.epoch}`,
      '  backups taken before now still hold the personal data: delete them',
      '',
    ].join('\n'),
  );
} catch (err) {
  // DatabaseInUseError (the service still runs) is a refused operation like any other: exit 1.
  process.stderr.write(`purge failed, nothing changed: ${messageOf(err)}\n`);
  process.exitCode = EXIT.failed;
}
