// The attendees port on PostgreSQL: rows, and name search over attendee_search_docs and the attendee_search_terms it keeps in step on every write.
import { indexTerms, phraseTerms, type QueryWord } from '../../domain/attendee-search.js';
import type { AttendeePort, AttendeeRecord, AttendeeSearchDoc, AttendeeSearchRow, OfflineAttendeeRecord } from '../ports.js';
import { known, type Op } from '../op.js';
import { fromRaw, type Raw } from '../rows.js';
import { rows, type Queryable } from './query.js';

const COLUMNS = `id, external_id AS "externalId", name, organization, category, delegation, email, flags, status,
  badge_version AS "badgeVersion", checked_in_at AS "checkedInAt"`;
const DOC_COLUMNS = 'attendee_id AS "attendeeId", name, organization, email';

// Upper bounds of a term range, compared bytewise (text_pattern_ops): no text holds U+0000, so
// [t, t || U+0001) holds t alone; [p, p || U+10FFFF) every term that starts with p.
const WHOLE = '\u0001';
const PREFIX = '\u{10ffff}';

/**
 * A search as ranges over the terms: requirement i is met by a term in any of its ranges, and an
 * attendee matches with every requirement met. A word is one requirement (its phrase, or its
 * skeleton), unless its phrase has several parts ("muller 2"), each then one of its own.
 */
function termRanges(words: QueryWord[]): { req: number[]; lo: string[]; hi: string[]; count: number } {
  const req: number[] = [];
  const lo: string[] = [];
  const hi: string[] = [];
  let count = 0;
  const add = (term: string, prefix: boolean): void => {
    req.push(count);
    lo.push(term);
    hi.push(term + (prefix ? PREFIX : WHOLE));
  };
  for (const { phrase, skeleton } of words) {
    const parts = phraseTerms(phrase);
    if (parts.length === 0) continue;
    for (const [i, part] of parts.entries()) {
      add(part.term, part.prefix);
      if (skeleton !== null && parts.length === 1) add(skeleton.term, skeleton.prefix);
      if (i < parts.length - 1) count += 1;
    }
    count += 1;
  }
  return { req, lo, hi, count };
}

export function pgAttendees(db: Queryable): AttendeePort {
  const one = (found: Raw<AttendeeRecord>[]): AttendeeRecord | undefined => (found[0] === undefined ? undefined : fromRaw(found[0]));
  /**
   * The search entry and its terms in one statement: terms no longer in the text go, new ones
   * come, the ones kept stay (ON CONFLICT DO NOTHING), so an edit rewrites only what changed.
   */
  function* index(doc: AttendeeSearchDoc): Op<void> {
    const terms = [...new Set([doc.name, doc.organization, doc.email].flatMap(indexTerms))];
    yield* rows(
      db,
      'attendees_index',
      `WITH doc AS (
         INSERT INTO attendee_search_docs (attendee_id, name, organization, email) VALUES ($1, $2, $3, $4)
         ON CONFLICT (attendee_id) DO UPDATE SET name = excluded.name, organization = excluded.organization, email = excluded.email
       ), gone AS (
         DELETE FROM attendee_search_terms WHERE attendee_id = $1 AND term <> ALL($5::text[])
       )
       INSERT INTO attendee_search_terms (attendee_id, term) SELECT $1, unnest($5::text[]) ON CONFLICT DO NOTHING`,
      [doc.attendeeId, doc.name, doc.organization, doc.email, terms],
    );
  }
  return {
    *find(id) {
      return one(yield* rows<Raw<AttendeeRecord>>(db, 'attendees_by_id', `SELECT ${COLUMNS} FROM attendees WHERE id = $1`, [id]));
    },
    *findForUpdate(id) {
      // A row lock: a concurrent edit of the same attendee waits and then reads this one's result.
      return one(yield* rows<Raw<AttendeeRecord>>(db, 'attendees_by_id_locked', `SELECT ${COLUMNS} FROM attendees WHERE id = $1 FOR UPDATE`, [id]));
    },
    *findByExternalId(externalId) {
      // Locked: the import writes the row back whole.
      const found = yield* rows<Raw<AttendeeRecord>>(db, 'attendees_by_external_id', `SELECT ${COLUMNS} FROM attendees WHERE external_id = $1 FOR UPDATE`, [
        externalId,
      ]);
      return one(found);
    },
    *findByEmail(email) {
      const found = yield* rows<Raw<AttendeeRecord>>(
        db,
        'attendees_by_email',
        `SELECT ${COLUMNS} FROM attendees WHERE email = $1 ORDER BY created_at, id LIMIT 1 FOR UPDATE`,
        [email],
      );
      return one(found);
    },
    *registeredWhere(where, limit) {
      const found = yield* rows<Raw<AttendeeRecord>>(
        db,
        'attendees_registered_where',
        `SELECT ${COLUMNS} FROM attendees WHERE status = 'registered'
         AND ($1::text IS NULL OR organization = $1) AND ($2::text IS NULL OR delegation = $2)
         AND ($3::text IS NULL OR category = $3) ORDER BY name, id LIMIT $4`,
        [where.organization, where.delegation, where.category, limit],
      );
      return found.map(fromRaw);
    },
    *listOffline() {
      const found = yield* rows<Raw<OfflineAttendeeRecord>>(
        db,
        'attendees_offline',
        `SELECT id, name, organization, category, delegation, flags, badge_version AS "badgeVersion", status,
         checked_in_at AS "checkedInAt" FROM attendees ORDER BY id`,
      );
      return found.map(fromRaw);
    },
    *insert(row, doc, at) {
      yield* rows(
        db,
        'attendees_insert',
        `INSERT INTO attendees (id, external_id, name, organization, category, delegation, email, flags, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
        [row.id, row.externalId, row.name, row.organization, row.category, row.delegation, row.email, JSON.stringify(row.flags), at],
      );
      yield* index(doc);
    },
    *update(row, doc, at) {
      yield* rows(
        db,
        'attendees_update',
        `UPDATE attendees SET name = $1, organization = $2, category = $3, delegation = $4, email = $5, flags = $6, status = $7,
         external_id = $8, updated_at = $9 WHERE id = $10`,
        [row.name, row.organization, row.category, row.delegation, row.email, JSON.stringify(row.flags), row.status, row.externalId, at, row.id],
      );
      if (doc !== null) yield* index(doc);
    },
    *lockImport() {
      // An advisory transaction lock: "no attendee with this key, so create one" cannot be decided
      // by a row lock (there is no row yet), and an email has no unique index to conflict on.
      yield* rows(db, 'attendees_lock_import', "SELECT pg_advisory_xact_lock(hashtextextended('eventday.attendee_import', 0))");
    },
    *unindexed() {
      const found = yield* rows<Raw<AttendeeRecord>>(
        db,
        'attendees_unindexed',
        `SELECT ${COLUMNS} FROM attendees a WHERE NOT EXISTS (SELECT 1 FROM attendee_search_docs d WHERE d.attendee_id = a.id)`,
      );
      return found.map(fromRaw);
    },
    index,
    namesStarting: (start, limit) =>
      rows<AttendeeSearchDoc>(
        db,
        'attendees_names_starting',
        // The range itself, not LIKE: a generic plan cannot derive it from a parameter (see the schema).
        `SELECT ${DOC_COLUMNS} FROM attendee_search_docs WHERE name ~>=~ $1 AND name ~<~ $2 ORDER BY name USING ~<~ LIMIT $3`,
        [start, start + PREFIX, limit],
      ),
    *matching(words, limit) {
      const { req, lo, hi, count } = termRanges(words);
      if (count === 0) return [];
      return yield* rows<AttendeeSearchDoc>(
        db,
        'attendees_matching',
        `SELECT ${DOC_COLUMNS} FROM attendee_search_docs WHERE attendee_id IN (
           SELECT t.attendee_id FROM unnest($1::int[], $2::text[], $3::text[]) AS r(req, lo, hi)
           JOIN attendee_search_terms t ON t.term ~>=~ r.lo AND t.term ~<~ r.hi
           GROUP BY t.attendee_id HAVING count(DISTINCT r.req) = $4 LIMIT $5)`,
        [req, lo, hi, count, limit],
      );
    },
    searchRows: (ids) =>
      rows<AttendeeSearchRow>(
        db,
        'attendees_search_rows',
        'SELECT id, name, organization, category, delegation, status, checked_in_at AS "checkedInAt" FROM attendees WHERE id = ANY($1::text[])',
        [[...ids]],
      ),
    // A btree over the terms has no segments to merge: autovacuum keeps it.
    compactIndex: () => known(false),
    optimizeIndex: () => known(undefined),
  };
}
