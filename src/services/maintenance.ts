// Database maintenance behind the backup, restore and purge scripts: online copy, guarded restore with a new epoch, post-event anonymisation.
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Checkpoint } from '../contract/audit.js';
import { applyPragmas, storeOn, type Sqlite, type Store } from '../db/open.js';
import * as schema from '../db/schema.js';
import { KeyDir } from '../keys/key-dir.js';
import { EventLog, readHead, upgradeLegacyChain, verifyChain, type ChainReport } from '../live/event-log.js';
import { migrationsFolder } from '../paths.js';
import { searchText } from './attendees.js';
import { appendCheckpoint, emitCheckpoint } from './audit.js';
import { renewEpochIn } from './settings.js';
import { runNow } from '../store/op.js';
import { Writer } from '../store/sqlite/writer.js';
import { fsyncPath } from '../core/fsync.js';

/** A whole-database backup step: the copy is made under one read transaction, so it is one consistent snapshot. */
const ALL_PAGES = 0x7fffffff;

/**
 * A new epoch (history changed, or is another copy's) and the event log and Writer that append
 * on it. Runs inside the caller's transaction: the Writer's own becomes a savepoint of it.
 */
function renewEpochFor(store: Store, now: number): { epoch: string; log: EventLog; writer: Writer } {
  // On the file itself, inside the caller's transaction: SQLite's ports answer at once.
  const epoch = runNow(renewEpochIn(store.ports));
  const log = new EventLog(store.sqlite, epoch);
  return { epoch, log, writer: new Writer(store, log, () => now) };
}

/** Maintenance events take the one write path every other event takes (topic and visibility from the contract). */
function emitMaintenance(writer: Writer, name: 'database.restored' | 'data.purged', data: Record<string, unknown>): void {
  writer.run(null, (tx) => tx.emit(name, data));
}

/** A file written by an older version gets the current schema (the service would apply the same migrations at start). */
function migrateFile(sqlite: Sqlite): void {
  migrate(drizzle(sqlite, { schema }), { migrationsFolder: migrationsFolder() });
}

export class DatabaseInUseError extends Error {
  constructor(readonly file: string) {
    super(`${file} is open in another process (is the service running?); stop it first`);
    this.name = 'DatabaseInUseError';
  }
}

export interface DbSummary {
  /** `['ok']` for a sound file, otherwise SQLite's list of problems. */
  integrity: string[];
  epoch: string | null;
  headSeq: number;
  chain: ChainReport;
  counts: Record<CountedTable, number>;
}

const countedTables = ['attendees', 'checkins', 'sessions', 'rooms', 'announcements', 'events'] as const;
type CountedTable = (typeof countedTables)[number];

export function integrityCheck(sqlite: Sqlite): string[] {
  return (sqlite.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
}

export function isIntact(summary: Pick<DbSummary, 'integrity'>): boolean {
  return summary.integrity.length === 1 && summary.integrity[0] === 'ok';
}

export function summarize(sqlite: Sqlite): DbSummary {
  const counts = {} as Record<CountedTable, number>;
  for (const table of countedTables) {
    counts[table] = (sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  const settings = sqlite.prepare('SELECT epoch FROM event_settings WHERE id = 1').get() as { epoch: string } | undefined;
  const head = sqlite.prepare('SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null };
  return { integrity: integrityCheck(sqlite), epoch: settings?.epoch ?? null, headSeq: head.seq ?? 0, chain: verifyChain(sqlite), counts };
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * Opens the file for sole use, or throws DatabaseInUseError. The service keeps its database in
 * WAL mode, where every open connection holds a shared lock on the -shm file for as long as it
 * is open (idle or not), so an exclusive lock is granted only when no process has it open. The
 * lock is then held until the connection closes: a service started meanwhile waits and fails.
 */
export function openExclusive(file: string): Sqlite {
  const sqlite = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    sqlite.pragma('locking_mode = EXCLUSIVE');
    sqlite.exec('BEGIN EXCLUSIVE; COMMIT');
    sqlite.pragma('busy_timeout = 5000');
    return sqlite;
  } catch (err) {
    sqlite.close();
    if (isBusy(err)) throw new DatabaseInUseError(file);
    throw err;
  }
}

const sidecars = (file: string): string[] => ['-wal', '-shm', '-journal'].map((s) => `${file}${s}`);

function removeSidecars(file: string): string[] {
  const removed: string[] = [];
  for (const f of sidecars(file)) {
    if (existsSync(f)) {
      rmSync(f);
      removed.push(f);
    }
  }
  return removed;
}

export interface BackupReport {
  file: string;
  bytes: number;
  pages: number;
  ms: number;
  summary: DbSummary;
}

/**
 * A consistent copy of a live database through SQLite's online backup API. The copy is written
 * next to the destination under a temporary name, checked (integrity and hash chain), made
 * self-contained (rollback journal mode, no -wal to carry along), synced, and only then renamed:
 * a file with the destination's name is always a complete, verified backup.
 */
export async function backupDatabase(source: string, destination: string): Promise<BackupReport> {
  const dest = path.resolve(destination);
  if (existsSync(dest)) throw new Error(`${dest} exists; choose a new file name`);
  const partial = `${dest}.partial`;
  rmSync(partial, { force: true });
  const started = performance.now();
  // Read-only: the backup never writes to the live database, and WAL readers do not block the service's writers.
  const src = new Database(source, { readonly: true, fileMustExist: true });
  let pages = 0;
  try {
    const progress = await src.backup(partial, { progress: () => ALL_PAGES });
    pages = progress.totalPages;
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    src.close();
  }
  const copy = new Database(partial);
  let summary: DbSummary;
  try {
    applyPragmas(copy, { journalMode: 'delete' });
    summary = summarize(copy);
  } finally {
    copy.close();
  }
  if (!isIntact(summary) || !summary.chain.ok) {
    rmSync(partial, { force: true });
    throw new Error(`the copy failed its checks (integrity: ${summary.integrity.join('; ')}; chain ok: ${summary.chain.ok}); nothing written`);
  }
  fsyncPath(partial);
  renameSync(partial, dest);
  fsyncPath(path.dirname(dest));
  return { file: dest, bytes: statSync(dest).size, pages, ms: performance.now() - started, summary };
}

export interface RestoreReport {
  target: string;
  /** Where the database that was replaced now lives, or null when there was none. */
  replaced: string | null;
  /** Stale -wal/-shm/-journal files removed next to the target. */
  removed: string[];
  backup: DbSummary;
  restored: DbSummary;
  previousEpoch: string | null;
  epoch: string;
}

function stamp(now: number): string {
  return new Date(now).toISOString().replace(/[:.]/g, '-');
}

/**
 * Restores a backup file into `target`. The service must be stopped: the target is probed for
 * sole access and a running service makes it fail (DatabaseInUseError). The backup is checked,
 * copied to a temporary file beside the target, given a new epoch (so every live client takes a
 * snapshot instead of replaying seqs from another history) with a `database.restored` event,
 * checked again and synced; the old database is folded out of WAL mode and kept aside as
 * `<target>.replaced-<time>`, stale -wal/-shm files are removed (SQLite would otherwise apply a
 * foreign WAL to the restored file), and the copy is renamed into place.
 */
export interface RestoreOptions {
  /**
   * The key dir (EVENTDAY_KEY_DIR): the restore then signs a `restore` checkpoint of the restored
   * head, to the log and to the target's checkpoint file, so the history it replaces (whose
   * checkpoints it is below) does not look truncated to audit:verify.
   */
  keyDir?: string;
}

export async function restoreDatabase(backupFile: string, target: string, now: number = Date.now(), options: RestoreOptions = {}): Promise<RestoreReport> {
  const dest = path.resolve(target);
  const src = new Database(backupFile, { readonly: true, fileMustExist: true });
  let backup: DbSummary;
  try {
    backup = summarize(src);
  } catch (err) {
    src.close();
    throw err;
  }
  if (!isIntact(backup)) {
    src.close();
    throw new Error(`${backupFile} fails the integrity check: ${backup.integrity.join('; ')}`);
  }
  if (!backup.chain.ok) {
    src.close();
    throw new Error(`${backupFile}: the event log's hash chain is broken at seq ${backup.chain.firstBadSeq}; refusing to restore an altered history`);
  }

  const temp = `${dest}.restore-${process.pid}.tmp`;
  for (const f of [temp, ...sidecars(temp)]) rmSync(f, { force: true });
  try {
    await src.backup(temp, { progress: () => ALL_PAGES });
  } finally {
    src.close();
  }

  let epoch: string;
  let checkpoint: Checkpoint | null = null;
  const keys = options.keyDir === undefined ? null : new KeyDir(options.keyDir);
  try {
    const copy = new Database(temp);
    try {
      applyPragmas(copy, { journalMode: 'delete' });
      migrateFile(copy);
      const store = storeOn(copy);
      epoch = copy.transaction(() => {
        const renewed = renewEpochFor(store, now);
        emitMaintenance(renewed.writer, 'database.restored', {
          from: path.basename(backupFile),
          previousEpoch: backup.epoch,
          epoch: renewed.epoch,
          backupHeadSeq: backup.headSeq,
        });
        if (keys) checkpoint = emitCheckpoint(renewed.writer, keys, 'restore', now);
        return renewed.epoch;
      }).immediate();
      const checked = integrityCheck(copy);
      if (checked.length !== 1 || checked[0] !== 'ok') throw new Error(`the restored copy fails the integrity check: ${checked.join('; ')}`);
    } finally {
      copy.close();
    }
    fsyncPath(temp);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }

  let replaced: string | null = null;
  if (existsSync(dest)) {
    let old: Sqlite;
    try {
      old = openExclusive(dest);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
    try {
      // Folds the old WAL into the old file, so the copy kept aside is complete on its own.
      old.pragma('journal_mode = DELETE');
    } finally {
      old.close();
    }
    replaced = `${dest}.replaced-${stamp(now)}`;
    renameSync(dest, replaced);
  }
  const removed = removeSidecars(dest);
  renameSync(temp, dest);
  fsyncPath(path.dirname(dest));
  if (keys && checkpoint) appendCheckpoint(keys, dest, checkpoint);

  const check = new Database(dest, { readonly: true, fileMustExist: true });
  let restored: DbSummary;
  try {
    restored = summarize(check);
  } finally {
    check.close();
  }
  if (!isIntact(restored)) throw new Error(`${dest} fails the integrity check after the restore: ${restored.integrity.join('; ')}`);
  return { target: dest, replaced, removed, backup, restored, previousEpoch: backup.epoch, epoch };
}

const PERSONAL_KEYS = ['name', 'organization', 'email', 'delegation', 'externalId', 'flags'] as const;
const PURGED_NAME = '(purged)';

/**
 * Rewrites a JSON value with attendee details replaced: every object whose `id` is a known
 * attendee id, and, when `everyObject` is set (events visible as personal data), every object
 * holding one of the personal keys. Returns the same reference when nothing changed.
 */
function redact(value: unknown, pseudonyms: ReadonlyMap<string, string>, everyObject: boolean): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = redact(v, pseudonyms, everyObject);
      if (r !== v) changed = true;
      return r;
    });
    return changed ? out : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const pseudonym = typeof obj.id === 'string' ? pseudonyms.get(obj.id) : undefined;
  const personal = (pseudonym !== undefined || everyObject) && PERSONAL_KEYS.some((k) => Object.hasOwn(obj, k));
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(obj)) {
    let next: unknown;
    if (personal && (PERSONAL_KEYS as readonly string[]).includes(key)) {
      next =
        key === 'name'
          ? (pseudonym ?? PURGED_NAME)
          : key === 'organization'
            ? ''
            : key === 'flags'
              ? []
              : null;
      if (JSON.stringify(next) === JSON.stringify(v)) next = v;
    } else {
      next = redact(v, pseudonyms, everyObject);
    }
    if (next !== v) changed = true;
    out[key] = next;
  }
  return changed ? out : value;
}

export interface PurgeOptions {
  now?: number;
  /** Purge even when the log was already altered (normally refused); its chain stays broken where it was. */
  allowBrokenChain?: boolean;
  /** The key dir (EVENTDAY_KEY_DIR): the purge then signs a `purge` checkpoint attesting its redactions. */
  keyDir?: string;
}

export interface PurgeReport {
  file: string;
  attendees: number;
  checkinsRedacted: number;
  eventsRedacted: number;
  /**
   * Rows whose stored hash was recomputed: 0, since the chain covers each payload's original
   * digest; only a log from before digests is re-chained once (over its digests) first.
   */
  eventsRechained: number;
  /** The signed checkpoint written after the purge, or null without a key dir. */
  checkpoint: Checkpoint | null;
  previousHead: { seq: number; hash: string };
  head: { seq: number; hash: string };
  previousEpoch: string | null;
  epoch: string;
  before: DbSummary;
  after: DbSummary;
  bytes: { before: number; after: number };
}

function fileBytes(file: string): number {
  return [file, `${file}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);
}

function tableExists(sqlite: Sqlite, name: string): boolean {
  return sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?").get(name) !== undefined;
}

/**
 * After the event: attendees become "Attendee 0001", … (category, status, badge version and
 * check-in times stay, so every count and chart stays right); organisation, email, delegation,
 * external id and flags are cleared; the search index is rebuilt from the anonymised rows; the
 * answers stored for scan replays and every event payload that names an attendee are rewritten.
 *
 * The event log's hash chain covers each payload's digest as first stored, so redacting payloads
 * changes no hash: the chain, and every signed checkpoint of it, still verify. The chain is
 * verified first (an already altered log is refused), payloads are redacted, and a `data.purged`
 * event records the pre-purge head and the seqs redacted (`redactedSeqs`, [first, last] ranges):
 * verification accepts a payload that no longer matches its digest only for a row a purge names.
 * With a key dir, a signed `purge` checkpoint then attests that event. (The stored digest is of
 * the whole original payload, a random-looking 256-bit value, not a hash of a name alone.) The
 * epoch changes too, since history changed: live clients take a fresh snapshot.
 *
 * Then `secure_delete` zeroes freed space, a TRUNCATE checkpoint and VACUUM rewrite the file
 * and empty the WAL, so the old text is in none of the database's files. Needs sole access.
 */
export function purgePersonalData(file: string, options: PurgeOptions = {}): PurgeReport {
  const now = options.now ?? Date.now();
  const target = path.resolve(file);
  const sqlite = openExclusive(target);
  try {
    applyPragmas(sqlite, { secureDelete: true });
    migrateFile(sqlite);
    const bytesBefore = fileBytes(target);
    const before = summarize(sqlite);
    if (!before.chain.ok && options.allowBrokenChain !== true) {
      throw new Error(`the event log's hash chain is already broken at seq ${before.chain.firstBadSeq}; purging would blur that (pass allowBrokenChain to purge anyway)`);
    }
    const keys = options.keyDir === undefined ? null : new KeyDir(options.keyDir);
    const previousHead = readHead(sqlite);

    const result = sqlite
      .transaction(() => {
        const people = sqlite.prepare('SELECT id FROM attendees ORDER BY created_at, id').all() as { id: string }[];
        const width = Math.max(4, String(people.length).length);
        const pseudonyms = new Map(people.map((p, i) => [p.id, `Attendee ${String(i + 1).padStart(width, '0')}`]));

        const updateAttendee = sqlite.prepare(
          `UPDATE attendees SET name = ?, organization = '', email = NULL, delegation = NULL, external_id = NULL, flags = '[]', updated_at = ? WHERE id = ?`,
        );
        for (const [id, pseudonym] of pseudonyms) updateAttendee.run(pseudonym, now, id);

        if (tableExists(sqlite, 'attendee_search_docs')) {
          const updateDoc = sqlite.prepare(`UPDATE attendee_search_docs SET name = ?, organization = '', email = '' WHERE attendee_id = ?`);
          for (const [id, pseudonym] of pseudonyms) updateDoc.run(searchText(pseudonym), id);
          // FTS5 keeps deleted terms in old segments until they merge: rebuild drops them all.
          if (tableExists(sqlite, 'attendee_search')) sqlite.prepare("INSERT INTO attendee_search (attendee_search) VALUES ('rebuild')").run();
        }

        let checkinsRedacted = 0;
        const updateCheckin = sqlite.prepare('UPDATE checkins SET response = ? WHERE id = ?');
        for (const row of sqlite.prepare('SELECT id, response FROM checkins').all() as { id: string; response: string }[]) {
          const parsed = JSON.parse(row.response) as unknown;
          const redacted = redact(parsed, pseudonyms, false);
          if (redacted !== parsed) {
            updateCheckin.run(JSON.stringify(redacted), row.id);
            checkinsRedacted += 1;
          }
        }

        // A log from before digests is chained over them once first (even a broken one, when asked to purge it anyway).
        const { upgraded: eventsRechained } = upgradeLegacyChain(sqlite, { evenIfBroken: options.allowBrokenChain === true });
        const { epoch, log, writer } = renewEpochFor(storeOn(sqlite), now);
        // Only payloads change: the chain is over their original digests.
        const { rewritten: eventsRedacted, redactedSeqs } = log.rewritePayloads((record) => {
          const parsed = JSON.parse(record.payloadJson) as unknown;
          const redacted = redact(parsed, pseudonyms, record.visibility === 'personal');
          return redacted === parsed ? record.payloadJson : JSON.stringify(redacted);
        });
        emitMaintenance(writer, 'data.purged', {
          attendees: pseudonyms.size,
          checkinsRedacted,
          eventsRedacted,
          eventsRechained,
          previousHead,
          previousEpoch: before.epoch,
          redactedSeqs,
        });
        const checkpoint = keys ? emitCheckpoint(writer, keys, 'purge', now) : null;
        const chain = verifyChain(sqlite);
        if (!chain.ok && before.chain.ok) throw new Error(`the chain does not verify after redaction (seq ${chain.firstBadSeq}); nothing changed`);
        return { attendees: pseudonyms.size, checkinsRedacted, eventsRedacted, eventsRechained, epoch, head: readHead(sqlite), checkpoint };
      })
      .immediate();
    if (keys && result.checkpoint) appendCheckpoint(keys, target, result.checkpoint);

    // The WAL now holds the new pages: copy them home and empty it, rewrite the file without
    // free pages, and empty the WAL again (VACUUM in WAL mode goes through it).
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.exec('VACUUM');
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const after = summarize(sqlite);
    if (!isIntact(after)) throw new Error(`integrity check failed after the purge: ${after.integrity.join('; ')}`);
    return {
      file: target,
      ...result,
      previousHead,
      previousEpoch: before.epoch,
      before,
      after,
      bytes: { before: bytesBefore, after: fileBytes(target) },
    };
  } finally {
    sqlite.close();
  }
}
