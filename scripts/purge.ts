// npm run purge -- --yes [--db <database>]: after the event, anonymises attendees everywhere in the database and scrubs the old text from its files.
import { loadConfig } from '../src/config.js';
import { DatabaseInUseError, purgePersonalData } from '../src/services/maintenance.js';

const USAGE = `usage: npm run purge -- --yes [--db <database file, default EVENTDAY_DB>] [--allow-broken-chain]

Stop the service first. Attendees become "Attendee 0001", …; organisation, email, delegation,
external id and flags are cleared, in the attendee rows, the search index, the answers kept for
scan replays and the event log (which is then re-chained and closed by a data.purged event that
records the old head hash). Categories, check-in times, counts and the schedule stay. Backups
taken before the purge still hold the data: delete them.`;

const args = process.argv.slice(2);
let file: string | undefined;
let yes = false;
let allowBrokenChain = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--db') file = args[++i];
  else if (a === '--yes') yes = true;
  else if (a === '--allow-broken-chain') allowBrokenChain = true;
  else {
    process.stderr.write(`${a === '--help' || a === '-h' ? '' : `unknown argument ${a}\n`}${USAGE}\n`);
    process.exit(a === '--help' || a === '-h' ? 0 : 2);
  }
}
if (!yes) {
  process.stderr.write(`purge is irreversible: add --yes\n\n${USAGE}\n`);
  process.exit(2);
}
file ??= loadConfig().dbFile;

try {
  const r = purgePersonalData(file, { allowBrokenChain });
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
  process.stderr.write(`purge failed, nothing changed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof DatabaseInUseError ? 3 : 1;
}
