// Attendees: walk-in, edit and cancel, CSV import, and name search (folded in JS, index and query alike) on the store's attendees port.
import type { Category } from '../core/vocabulary.js';
import type { AttendeeHit, AttendeeInput, AttendeePatch, AttendeeWire } from '../contract/attendees.js';
import { queryWords, searchText, type QueryWord } from '../domain/attendee-search.js';
import { AppError, notFound } from '../core/errors.js';
import { toIso } from '../core/time.js';
import type { AttendeeCsvLineError, AttendeeCsvRow } from '../interop/attendee-csv.js';
import { parseAttendeeCsvOffThread, type ParsedAttendeeFile } from './import-parser.js';
import type { BadgeService, Signer } from './badges.js';
import type { Op } from '../store/op.js';
import type { AttendeeRecord, AttendeeSearchDoc, StoreReader } from '../store/ports.js';
import type { Actor, Tx, UnitOfWork } from '../store/unit-of-work.js';

// The maintenance CLI pseudonymises the index with the same fold.
export { searchText };

/** An attendee as the store holds it. */
export type AttendeeRow = AttendeeRecord;

export interface ImportReport {
  created: number;
  updated: number;
  /** The first MAX_REPORTED_ERRORS line errors; `errorCount` counts them all. */
  errors: AttendeeCsvLineError[];
  errorCount: number;
}

/**
 * Work per import part: a request queued behind a part also waits for its commit (with FTS5's index
 * flush, 5–20 ms) and, every few parts, a checkpoint; at 10 ms the worst waits reached 58 ms, at 5 ms 46–48 ms.
 */
const IMPORT_PART_MS = 5;
/** Pages of FTS segments merged per step after a large import, and how many steps at most. */
const MERGE_PAGES = 50;
const MAX_MERGE_STEPS = 2_000;

/**
 * Ranking reads at most this many FTS matches. bm25 scores every match of a two-letter prefix
 * (5–20 ms at 100k attendees); instead names that start with the query come from an index range
 * scan, then this many any-column matches, and the page is ordered in JS.
 */
const SEARCH_CANDIDATES = 50;
/** An import this large leaves many FTS segments behind: merge them so that searches stay sub-millisecond. */
const OPTIMIZE_AFTER_ROWS = 500;

export function toAttendeeWire(row: AttendeeRow): AttendeeWire {
  return {
    id: row.id,
    externalId: row.externalId,
    name: row.name,
    organization: row.organization,
    category: row.category,
    delegation: row.delegation,
    email: row.email,
    flags: row.flags,
    status: row.status,
    checkedInAt: row.checkedInAt === null ? null : toIso(row.checkedInAt),
  };
}

/** Flags as the CSV import spells them: lower case, inner spaces as underscores, no duplicates. */
export function normalizeFlags(flags: readonly string[]): string[] {
  return [...new Set(flags.map((f) => f.trim().toLowerCase().replace(/\s+/gu, '_')).filter((f) => f !== ''))];
}

function normalizeEmail(email: string | null | undefined): string | null {
  const trimmed = email?.trim().toLowerCase() ?? '';
  return trimmed === '' ? null : trimmed;
}

export class AttendeeService {
  constructor(
    private readonly reader: StoreReader,
    private readonly writer: UnitOfWork,
    private readonly badges: BadgeService,
    private readonly newId: () => string,
    /** Called after each committed part of a large import, numbered from 1: a turn for other work, and on SQLite a WAL checkpoint now and then. */
    private readonly afterPart: (part: number) => Promise<void>,
  ) {}

  async get(id: string): Promise<AttendeeRow | null> {
    return (await this.reader.read((store) => store.attendees.find(id))) ?? null;
  }

  /** Registered attendees of an organization, delegation and/or category (all given must match), by name; at most `limit`. */
  registeredWhere(
    where: { organization?: string | undefined; delegation?: string | undefined; category?: Category | undefined },
    limit: number,
  ): Promise<AttendeeRow[]> {
    const filter = { organization: where.organization ?? null, delegation: where.delegation ?? null, category: where.category ?? null };
    return this.reader.read((store) => store.attendees.registeredWhere(filter, limit));
  }

  /** Walk-in registration: the attendee and a first badge, in one transaction. */
  async create(actor: Actor, input: AttendeeInput): Promise<{ attendee: AttendeeWire; badge: { code: string } }> {
    const signer = await this.badges.signingKey();
    const createIn = (tx: Tx): Op<{ row: AttendeeRow; code: string }> => this.createIn(tx, signer, { ...input, externalId: null });
    return this.writer.submit(actor, function* (tx) {
      const { row, code } = yield* createIn(tx);
      const attendee = toAttendeeWire(row);
      tx.emit('attendee.created', attendee);
      return { attendee, badge: { code } };
    });
  }

  update(actor: Actor, id: string, patch: AttendeePatch): Promise<AttendeeWire> {
    return this.writer.submit(actor, function* (tx) {
      const before = yield* tx.store.attendees.findForUpdate(id);
      if (!before) throw notFound('attendee');
      const after: AttendeeRow = {
        ...before,
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.organization !== undefined && { organization: patch.organization }),
        ...(patch.category !== undefined && { category: patch.category }),
        ...(patch.delegation !== undefined && { delegation: patch.delegation }),
        ...(patch.email !== undefined && { email: normalizeEmail(patch.email) }),
        ...(patch.flags !== undefined && { flags: normalizeFlags(patch.flags) }),
        ...(patch.status !== undefined && { status: patch.status }),
      };
      if (!(yield* writeIn(tx, before, after))) return toAttendeeWire(before);
      const attendee = toAttendeeWire(after);
      const name = before.status !== after.status ? (after.status === 'cancelled' ? 'attendee.cancelled' : 'attendee.restored') : 'attendee.updated';
      tx.emit(name, attendee);
      return attendee;
    });
  }

  /**
   * Idempotent import: a row matches the attendee with its externalId, else (rows without one)
   * the attendee with its email; matches are updated only where a field differs. A row with
   * neither could never be recognised again, so it is refused rather than duplicated next time.
   *
   * The whole file is parsed and validated in a worker thread first: a refused file (not UTF-8,
   * no header) writes nothing. The valid rows are then applied in parts, each its own writer
   * transaction of at most IMPORT_PART_MS of work, so other requests run in between; each part
   * after the first of a multi-part file emits `import.progress` for the admin. A failure half-way
   * leaves the parts before it applied and answers 500 `import_incomplete` saying how far it got;
   * because every row is matched again by its key, sending the same file again completes it.
   */
  async import(actor: Actor, csv: Buffer): Promise<ImportReport> {
    const parsed = await parseAttendeeCsvOffThread(csv);
    const total = parsed.rows.length;
    if (total === 0) return { created: 0, updated: 0, errors: parsed.errors, errorCount: parsed.errorCount };
    // Taken only now: a first signing key is itself a write, and a refused file writes nothing.
    const signer = await this.badges.signingKey();
    const importId = this.newId();
    const importPartIn = (tx: Tx, from: number): Op<{ created: number; updated: number; applied: number }> => this.importPartIn(tx, signer, parsed.rows, from);
    let created = 0;
    let updated = 0;
    let done = 0;
    let parts = 0;
    while (done < total) {
      let part: { created: number; updated: number; applied: number };
      const from = done;
      try {
        part = await this.writer.submit(actor, function* (tx) {
          const counts = yield* importPartIn(tx, from);
          // A file applied in one part needs no progress: its answer says it all.
          if (from > 0 || from + counts.applied < total) {
            tx.emit('import.progress', { importId, kind: 'attendees', done: from + counts.applied, total });
          }
          return counts;
        });
      } catch (err) {
        const incomplete = new AppError(
          'import_incomplete',
          500,
          `the import stopped after ${done} of ${total} rows (${created} created, ${updated} updated); send the same file again to complete it`,
          { done, total },
        );
        // The log keeps what went wrong; the client gets how far the import got.
        throw Object.assign(incomplete, { cause: err });
      }
      created += part.created;
      updated += part.updated;
      done += part.applied;
      parts += 1;
      await this.afterPart(parts);
    }
    if (created + updated >= OPTIMIZE_AFTER_ROWS) await this.mergeSearchSegments();
    if (created + updated > 0) {
      await this.writer.submit(actor, (tx) => tx.emit('attendees.imported', { created, updated }));
    }
    return { created, updated, errors: parsed.errors, errorCount: parsed.errorCount };
  }

  /** Applies rows from `from` until the part's time budget is spent (at least one row). */
  private *importPartIn(tx: Tx, signer: Signer, rows: ParsedAttendeeFile['rows'], from: number): Op<{ created: number; updated: number; applied: number }> {
    const deadline = performance.now() + IMPORT_PART_MS;
    let created = 0;
    let updated = 0;
    let index = from;
    yield* tx.store.attendees.lockImport();
    while (index < rows.length && (index === from || performance.now() < deadline)) {
      const { value } = rows[index]!;
      index += 1;
      const match = yield* matchImported(tx, value);
      if (match === 'no_key') continue; // the parser already reported it
      if (match === null) {
        yield* this.createIn(tx, signer, { ...value, organization: value.organization ?? '' });
        created += 1;
        continue;
      }
      const after: AttendeeRow = {
        ...match,
        name: value.name,
        organization: value.organization ?? '',
        category: value.category,
        delegation: value.delegation,
        email: value.email ?? match.email,
        flags: value.flags,
        externalId: value.externalId ?? match.externalId,
      };
      if (yield* writeIn(tx, match, after)) updated += 1;
    }
    return { created, updated, applied: index - from };
  }

  /**
   * An import this large leaves many FTS segments behind. A full 'optimize' of 100k rows holds the
   * writer for seconds, so segments are merged a bounded step at a time, each step its own transaction.
   */
  private async mergeSearchSegments(): Promise<void> {
    for (let step = 0; step < MAX_MERGE_STEPS; step++) {
      const merged = await this.writer.submit(null, (tx) => tx.store.attendees.compactIndex(MERGE_PAGES));
      if (!merged) return;
      await this.afterPart(step + 1);
    }
  }

  /**
   * Prefix search over name, organization and email. Names that begin with the query rank
   * first (an index range scan), then names holding every word, then organization or email
   * matches (at most SEARCH_CANDIDATES of them, ordered here); ties by name. Only the page
   * returned is read from `attendees`.
   */
  search(q: string, limit: number): Promise<AttendeeHit[]> {
    const words = queryWords(q);
    if (words.length === 0) return Promise.resolve([]);
    return this.reader.read(function* (store) {
      const start = words.map((w) => w.phrase).join(' ');
      const found = new Map<string, AttendeeSearchDoc>();
      for (const doc of yield* store.attendees.namesStarting(start, limit)) found.set(doc.attendeeId, doc);
      if (found.size < limit) {
        for (const doc of yield* store.attendees.matching(words, Math.max(limit, SEARCH_CANDIDATES))) found.set(doc.attendeeId, doc);
      }
      const page = [...found.values()]
        .map((doc) => ({ doc, score: score(doc, words) }))
        .sort((a, b) => a.score - b.score || compare(a.doc.name, b.doc.name) || compare(a.doc.attendeeId, b.doc.attendeeId))
        .slice(0, limit)
        .map(({ doc }) => doc.attendeeId);
      const rows = new Map((yield* store.attendees.searchRows(page)).map((row) => [row.id, row]));
      return page.flatMap((id) => {
        const row = rows.get(id);
        return row ? [{ ...row, checkedInAt: row.checkedInAt === null ? null : toIso(row.checkedInAt) }] : [];
      });
    });
  }

  /** Inserts the attendee, its search entry and its first badge; the caller emits. */
  *createIn(tx: Tx, signer: Signer, input: AttendeeInput & { externalId: string | null }): Op<{ row: AttendeeRow; code: string }> {
    const row: AttendeeRow = {
      id: this.newId(),
      externalId: input.externalId,
      name: input.name,
      organization: input.organization,
      category: input.category,
      delegation: input.delegation ?? null,
      email: normalizeEmail(input.email),
      flags: normalizeFlags(input.flags ?? []),
      status: 'registered',
      badgeVersion: 1,
      checkedInAt: null,
    };
    yield* tx.store.attendees.insert(row, searchDoc(row), tx.now);
    const { code } = yield* this.badges.issueIn(tx, signer, row.id, 1);
    return { row, code };
  }

  /**
   * Start-up, before any request: attendees written before the search index existed (or by a
   * script that bypassed it) get their rows. PostgreSQL's adapter indexes on every write, so there
   * it normally finds none; an SQLite database may hold attendees from before its index.
   */
  async backfillSearch(): Promise<void> {
    const missing = await this.reader.read((store) => store.attendees.unindexed());
    if (missing.length === 0) return;
    await this.writer.submit(null, function* (tx) {
      for (const row of missing) yield* tx.store.attendees.index(searchDoc(row));
      if (missing.length >= OPTIMIZE_AFTER_ROWS) yield* tx.store.attendees.optimizeIndex();
    });
  }
}

function* matchImported(tx: Tx, value: AttendeeCsvRow): Op<AttendeeRow | null | 'no_key'> {
  const attendees = tx.store.attendees;
  if (value.externalId !== null) {
    const byExternalId = yield* attendees.findByExternalId(value.externalId);
    if (byExternalId) return byExternalId;
    // Only an attendee without an externalId can be claimed by email: one with its own id is someone else's record.
    const byEmail = value.email === null ? undefined : yield* attendees.findByEmail(value.email);
    return byEmail && byEmail.externalId === null ? byEmail : null;
  }
  if (value.email === null) return 'no_key';
  return (yield* attendees.findByEmail(value.email)) ?? null;
}

/** Writes the changed row and re-indexes it when its searched text changed; false when nothing differs. */
function* writeIn(tx: Tx, before: AttendeeRow, after: AttendeeRow): Op<boolean> {
  const changed =
    before.name !== after.name ||
    before.organization !== after.organization ||
    before.category !== after.category ||
    before.delegation !== after.delegation ||
    before.email !== after.email ||
    before.status !== after.status ||
    before.externalId !== after.externalId ||
    JSON.stringify(before.flags) !== JSON.stringify(after.flags);
  if (!changed) return false;
  const reindex = before.name !== after.name || before.organization !== after.organization || before.email !== after.email;
  yield* tx.store.attendees.update(after, reindex ? searchDoc(after) : null, tx.now);
  return true;
}

function searchDoc(row: AttendeeRow): AttendeeSearchDoc {
  return { attendeeId: row.id, name: searchText(row.name), organization: searchText(row.organization), email: searchText(row.email) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lower is better: where the query words sit decides, whole words beat prefixes within a tier. */
function score(doc: AttendeeSearchDoc, words: QueryWord[]): number {
  const name = ` ${doc.name} `;
  const phrases = words.map((w) => w.phrase);
  const inName = words.every(
    ({ phrase, skeleton }) =>
      name.includes(` ${phrase}`) || (skeleton !== null && name.includes(skeleton.prefix ? ` ${skeleton.term}` : ` ${skeleton.term} `)),
  );
  const tier = doc.name.startsWith(phrases.join(' ')) ? 0 : inName ? 1 : ` ${doc.organization}`.includes(` ${phrases[0]!}`) ? 2 : 3;
  const partial = phrases.filter((p) => !`${name}${doc.organization} `.includes(` ${p} `)).length;
  return tier * 100 + partial;
}
