// Attendees: walk-in, edit and cancel, CSV import, and FTS5 name search (folded in JS, index and query alike).
import type { Statement } from 'better-sqlite3';
import type { Store } from '../db/open.js';
import type { AttendeeStatus, Category } from '../core/vocabulary.js';
import type { AttendeeHit, AttendeeInput, AttendeePatch, AttendeeWire } from '../contract/attendees.js';
import { arabicSkeletons, consonantSkeleton, foldText, latinWords, searchTokens } from '../domain/text-fold.js';
import { AppError, notFound } from '../core/errors.js';
import { toIso } from '../core/time.js';
import type { AttendeeCsvLineError, AttendeeCsvRow } from '../interop/attendee-csv.js';
import { parseAttendeeCsvOffThread, type ParsedAttendeeFile } from './import-parser.js';
import { afterImportPart } from './import-pacing.js';
import type { BadgeService, Signer } from './badges.js';
import type { Actor, Tx } from '../store/unit-of-work.js';
import type { Writer } from '../store/sqlite/writer.js';

export interface AttendeeRow {
  id: string;
  externalId: string | null;
  name: string;
  organization: string;
  category: Category;
  delegation: string | null;
  email: string | null;
  flags: string[];
  status: AttendeeStatus;
  badgeVersion: number;
  checkedInAt: number | null;
}

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

// Han, kana and Hangul write names without spaces: each character becomes its own token, so
// "小明" finds "王小明" (a phrase of adjacent characters) where unicode61 would see one word.
const UNSPACED_SCRIPT = /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])/gu;
// Apostrophes and hyphens inside names; dots and @ in emails are left alone (nobody types an address run together).
const INNER_SEPARATOR = /['\u2019\u02bc\u2010\u2011-]+/u;

// Digits glued to letters ("muller2@…") are split off: one term per address would make every prefix a merge of thousands.
const LETTER_DIGIT = /(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/gu;

function segment(folded: string): string {
  return folded.replace(UNSPACED_SCRIPT, ' $1 ').replace(LETTER_DIGIT, ' ').replace(/\s+/gu, ' ').trim();
}

// Spellings people type for letters that folding maps elsewhere: "Mueller" for Müller, "Djordje" for Đorđe.
const TRANSLITERATIONS: readonly [RegExp, string][] = [
  [/ä/gu, 'ae'],
  [/ö/gu, 'oe'],
  [/ü/gu, 'ue'],
  [/ø/gu, 'oe'],
  [/å/gu, 'aa'],
  [/đ/gu, 'dj'],
];

// Consonant skeletons of Arabic-script words are indexed as this digit and the skeleton ("0mhmd"):
// segmenting splits every other digit from letters, so no word of a name or address starts so.
const SKELETON_MARK = '0';
// A skeleton this long is matched as a prefix; a shorter one only whole ("ali" finds علي, not every "l…").
const SKELETON_PREFIX_FROM = 3;

/**
 * The indexed text of a field: folded and segmented, plus the words as people also type them:
 * with inner punctuation dropped ("o'brien" as "obrien", "jean-pierre" as "jeanpierre"),
 * transliterated ("muller" and "mueller" both find Müller), in Latin letters for other scripts
 * ("ivanov" finds Иванов, "wang" finds 王小明), and the consonant skeletons of Arabic words.
 */
export function searchText(value: string | null): string {
  if (value === null || value === '') return '';
  const folded = foldText(value);
  const words = new Set(folded.split(/\s+/u));
  const lower = value.normalize('NFC').toLowerCase();
  const transliterated = TRANSLITERATIONS.reduce((text, [letter, spelling]) => text.replace(letter, spelling), lower);
  const extra = [...(transliterated === lower ? [] : foldText(transliterated).split(/\s+/u)), ...words, ...latinWords(value)]
    .flatMap((word) => {
      const parts = word.split(INNER_SEPARATOR).filter((part) => part !== '');
      return parts.length > 1 ? [word, parts.join('')] : [word];
    })
    .filter((word) => !words.has(word));
  const skeletons = arabicSkeletons(value).map((k) => SKELETON_MARK + k);
  return [segment([folded, ...new Set(extra)].join(' ')), ...skeletons].join(' ');
}

/** A query word: its folded phrase, and for a Latin word the skeleton it may match in an Arabic name. */
interface QueryWord {
  phrase: string;
  skeleton: { term: string; prefix: boolean } | null;
}

function queryWords(q: string): QueryWord[] {
  return searchTokens(q).map((token) => {
    const skeleton = /^[a-z]+$/u.test(token) ? consonantSkeleton(token) : '';
    return {
      phrase: segment(token),
      skeleton: skeleton === '' ? null : { term: SKELETON_MARK + skeleton, prefix: skeleton.length >= SKELETON_PREFIX_FROM },
    };
  });
}

/** Each query word becomes a quoted prefix phrase (quoting also neutralises FTS5 syntax), or its skeleton. */
function matchExpression(words: QueryWord[]): string {
  return words
    .map(({ phrase, skeleton }) =>
      skeleton === null ? `"${phrase}"*` : `("${phrase}"* OR "${skeleton.term}"${skeleton.prefix ? '*' : ''})`,
    )
    .join(' AND ');
}

const attendeeColumns = (t: string): string =>
  `${t}.id, ${t}.external_id AS externalId, ${t}.name, ${t}.organization, ${t}.category, ${t}.delegation, ${t}.email,
   ${t}.flags, ${t}.status, ${t}.badge_version AS badgeVersion, ${t}.checked_in_at AS checkedInAt`;

type RawAttendee = Omit<AttendeeRow, 'flags'> & { flags: string };

function fromRaw(raw: RawAttendee): AttendeeRow {
  return { ...raw, flags: JSON.parse(raw.flags) as string[] };
}

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

/** An attendee's row in the search index: folded text, as indexed. */
interface SearchDoc {
  attendeeId: string;
  name: string;
  organization: string;
  email: string;
}

export class AttendeeService {
  private readonly byId: Statement<[string], RawAttendee>;
  private readonly byExternalId: Statement<[string], RawAttendee>;
  private readonly byEmail: Statement<[string], RawAttendee>;
  private readonly insertRow: Statement<[string, string | null, string, string, string, string | null, string | null, string, number, number]>;
  private readonly updateRow: Statement<
    [string, string, string, string | null, string | null, string, string, string | null, number, string]
  >;
  private readonly upsertDoc: Statement<[string, string, string, string]>;
  private readonly matchDocs: Statement<[string, number], SearchDoc>;
  private readonly nameStarts: Statement<[string, string, number], SearchDoc>;
  private readonly hitsByIds: Statement<[string], Omit<AttendeeHit, 'checkedInAt'> & { checkedInAt: number | null }>;

  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly badges: BadgeService,
    private readonly newId: () => string,
    /** Told when an edit changes what arrival statistics count (the category of someone checked in). */
    private readonly onArrivalEdited: () => void,
  ) {
    const sqlite = store.sqlite;
    this.byId = sqlite.prepare(`SELECT ${attendeeColumns('attendees')} FROM attendees WHERE id = ?`);
    this.byExternalId = sqlite.prepare(`SELECT ${attendeeColumns('attendees')} FROM attendees WHERE external_id = ?`);
    this.byEmail = sqlite.prepare(`SELECT ${attendeeColumns('attendees')} FROM attendees WHERE email = ? ORDER BY created_at, id LIMIT 1`);
    this.insertRow = sqlite.prepare(
      `INSERT INTO attendees (id, external_id, name, organization, category, delegation, email, flags, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.updateRow = sqlite.prepare(
      `UPDATE attendees SET name = ?, organization = ?, category = ?, delegation = ?, email = ?, flags = ?, status = ?,
       external_id = ?, updated_at = ? WHERE id = ?`,
    );
    this.upsertDoc = sqlite.prepare(
      `INSERT INTO attendee_search_docs (attendee_id, name, organization, email) VALUES (?, ?, ?, ?)
       ON CONFLICT (attendee_id) DO UPDATE SET name = excluded.name, organization = excluded.organization, email = excluded.email`,
    );
    const docColumns = 'attendee_id AS attendeeId, name, organization, email';
    this.matchDocs = sqlite.prepare(
      `SELECT ${docColumns} FROM attendee_search_docs
       WHERE docid IN (SELECT rowid FROM attendee_search WHERE attendee_search MATCH ? LIMIT ?)`,
    );
    this.nameStarts = sqlite.prepare(`SELECT ${docColumns} FROM attendee_search_docs WHERE name >= ? AND name < ? ORDER BY name LIMIT ?`);
    this.hitsByIds = sqlite.prepare(
      `SELECT id, name, organization, category, delegation, status, checked_in_at AS checkedInAt
       FROM attendees WHERE id IN (SELECT value FROM json_each(?))`,
    );
    this.backfillSearch();
  }

  get(id: string): AttendeeRow | null {
    const raw = this.byId.get(id);
    return raw ? fromRaw(raw) : null;
  }

  /** Registered attendees of an organization, delegation and/or category (all given must match), by name; at most `limit`. */
  registeredWhere(where: { organization?: string | undefined; delegation?: string | undefined; category?: Category | undefined }, limit: number): AttendeeRow[] {
    const raws = this.store.sqlite
      .prepare(
        `SELECT ${attendeeColumns('a')} FROM attendees a WHERE a.status = 'registered'
         AND (@organization IS NULL OR a.organization = @organization) AND (@delegation IS NULL OR a.delegation = @delegation)
         AND (@category IS NULL OR a.category = @category) ORDER BY a.name, a.id LIMIT @limit`,
      )
      .all({ organization: where.organization ?? null, delegation: where.delegation ?? null, category: where.category ?? null, limit }) as RawAttendee[];
    return raws.map(fromRaw);
  }

  /** Walk-in registration: the attendee and a first badge, in one transaction. */
  create(actor: Actor, input: AttendeeInput): Promise<{ attendee: AttendeeWire; badge: { code: string } }> {
    const signer = this.badges.signingKey();
    return this.writer.submit(actor, (tx) => {
      const { row, code } = this.createIn(tx, signer, { ...input, externalId: null });
      const attendee = toAttendeeWire(row);
      tx.emit('attendee.created', attendee);
      return { attendee, badge: { code } };
    });
  }

  update(actor: Actor, id: string, patch: AttendeePatch): Promise<AttendeeWire> {
    return this.writer.submit(actor, (tx) => {
      const before = this.get(id);
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
      if (!this.writeIn(tx, before, after)) return toAttendeeWire(before);
      if (before.checkedInAt !== null && before.category !== after.category) this.onArrivalEdited();
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
    const signer = this.badges.signingKey();
    const importId = this.newId();
    let created = 0;
    let updated = 0;
    let done = 0;
    let parts = 0;
    while (done < total) {
      let part: { created: number; updated: number; applied: number };
      try {
        part = await this.writer.submit(actor, (tx) => {
          const counts = this.importPartIn(tx, signer, parsed.rows, done);
          // A file applied in one part needs no progress: its answer says it all.
          if (done > 0 || done + counts.applied < total) {
            tx.emit('import.progress', { importId, kind: 'attendees', done: done + counts.applied, total });
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
      await afterImportPart(this.store.sqlite, parts);
    }
    if (created + updated >= OPTIMIZE_AFTER_ROWS) await this.mergeSearchSegments();
    if (created + updated > 0) {
      await this.writer.submit(actor, (tx) => tx.emit('attendees.imported', { created, updated }));
    }
    return { created, updated, errors: parsed.errors, errorCount: parsed.errorCount };
  }

  /** Applies rows from `from` until the part's time budget is spent (at least one row). */
  private importPartIn(tx: Tx, signer: Signer, rows: ParsedAttendeeFile['rows'], from: number): { created: number; updated: number; applied: number } {
    const deadline = performance.now() + IMPORT_PART_MS;
    let created = 0;
    let updated = 0;
    let index = from;
    while (index < rows.length && (index === from || performance.now() < deadline)) {
      const { value } = rows[index]!;
      index += 1;
      const match = this.matchImported(value);
      if (match === 'no_key') continue; // the parser already reported it
      if (match === null) {
        this.createIn(tx, signer, { ...value, organization: value.organization ?? '' });
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
      if (this.writeIn(tx, match, after)) updated += 1;
      if (match.checkedInAt !== null && match.category !== after.category) this.onArrivalEdited();
    }
    return { created, updated, applied: index - from };
  }

  /**
   * An import this large leaves many FTS segments behind. A full 'optimize' of 100k rows holds the
   * writer for seconds, so segments are merged a bounded step at a time, each step its own transaction.
   */
  private async mergeSearchSegments(): Promise<void> {
    const sqlite = this.store.sqlite;
    const merge = sqlite.prepare("INSERT INTO attendee_search (attendee_search, rank) VALUES ('merge', ?)");
    for (let step = 0; step < MAX_MERGE_STEPS; step++) {
      const changed = await this.writer.submit(null, () => {
        const before = sqlite.prepare('SELECT total_changes() AS n').get() as { n: number };
        merge.run(MERGE_PAGES);
        const after = sqlite.prepare('SELECT total_changes() AS n').get() as { n: number };
        return after.n - before.n;
      });
      // FTS5: a merge that did no work leaves total_changes() as it was.
      if (changed <= 1) return;
      await afterImportPart(sqlite, step + 1);
    }
  }

  /**
   * Prefix search over name, organization and email. Names that begin with the query rank
   * first (an index range scan), then names holding every word, then organization or email
   * matches (FTS5, at most SEARCH_CANDIDATES of them, ordered here); ties by name. Only the
   * page returned is read from `attendees`.
   */
  search(q: string, limit: number): AttendeeHit[] {
    const words = queryWords(q);
    if (words.length === 0) return [];
    const start = words.map((w) => w.phrase).join(' ');
    const found = new Map<string, SearchDoc>();
    for (const doc of this.nameStarts.all(start, `${start}\u{10ffff}`, limit)) found.set(doc.attendeeId, doc);
    if (found.size < limit) {
      for (const doc of this.matchDocs.all(matchExpression(words), Math.max(limit, SEARCH_CANDIDATES))) found.set(doc.attendeeId, doc);
    }
    const page = [...found.values()]
      .map((doc) => ({ doc, score: score(doc, words) }))
      .sort((a, b) => a.score - b.score || compare(a.doc.name, b.doc.name) || compare(a.doc.attendeeId, b.doc.attendeeId))
      .slice(0, limit)
      .map(({ doc }) => doc.attendeeId);
    const rows = new Map(this.hitsByIds.all(JSON.stringify(page)).map((row) => [row.id, row]));
    return page.flatMap((id) => {
      const row = rows.get(id);
      return row ? [{ ...row, checkedInAt: row.checkedInAt === null ? null : toIso(row.checkedInAt) }] : [];
    });
  }

  /** Inserts the attendee, its search row and its first badge; the caller emits. */
  createIn(tx: Tx, signer: Signer, input: AttendeeInput & { externalId: string | null }): { row: AttendeeRow; code: string } {
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
    this.insertRow.run(row.id, row.externalId, row.name, row.organization, row.category, row.delegation, row.email, JSON.stringify(row.flags), tx.now, tx.now);
    this.index(row);
    const { code } = this.badges.issueIn(tx, signer, row.id, 1);
    return { row, code };
  }

  private matchImported(value: AttendeeCsvRow): AttendeeRow | null | 'no_key' {
    if (value.externalId !== null) {
      const raw = this.byExternalId.get(value.externalId);
      if (raw) return fromRaw(raw);
      // Only an attendee without an externalId can be claimed by email: one with its own id is someone else's record.
      const byEmail = value.email === null ? undefined : this.byEmail.get(value.email);
      return byEmail && byEmail.externalId === null ? fromRaw(byEmail) : null;
    }
    if (value.email === null) return 'no_key';
    const raw = this.byEmail.get(value.email);
    return raw ? fromRaw(raw) : null;
  }

  /** Writes the changed row and re-indexes it; false when nothing differs. */
  private writeIn(tx: Tx, before: AttendeeRow, after: AttendeeRow): boolean {
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
    this.updateRow.run(
      after.name,
      after.organization,
      after.category,
      after.delegation,
      after.email,
      JSON.stringify(after.flags),
      after.status,
      after.externalId,
      tx.now,
      after.id,
    );
    if (before.name !== after.name || before.organization !== after.organization || before.email !== after.email) this.index(after);
    return true;
  }

  private index(row: AttendeeRow): void {
    this.upsertDoc.run(row.id, searchText(row.name), searchText(row.organization), searchText(row.email));
  }

  private optimizeSearch(): void {
    this.store.sqlite.prepare("INSERT INTO attendee_search (attendee_search) VALUES ('optimize')").run();
  }

  /** Attendees written before the search index existed (or by a script that bypassed it) get their rows. */
  private backfillSearch(): void {
    const missing = this.store.sqlite
      .prepare(`SELECT ${attendeeColumns('a')} FROM attendees a WHERE NOT EXISTS (SELECT 1 FROM attendee_search_docs d WHERE d.attendee_id = a.id)`)
      .all() as RawAttendee[];
    if (missing.length === 0) return;
    this.writer.run(null, () => {
      for (const raw of missing) this.index(fromRaw(raw));
      if (missing.length >= OPTIMIZE_AFTER_ROWS) this.optimizeSearch();
    });
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lower is better: where the query words sit decides, whole words beat prefixes within a tier. */
function score(doc: SearchDoc, words: QueryWord[]): number {
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
