// The attendees port on SQLite: rows, and name search over FTS5 (prefix indexes) beside attendee_search_docs; every statement prepared once.
import type { Database } from 'better-sqlite3';
import type { QueryWord } from '../../domain/attendee-search.js';
import { known } from '../op.js';
import type { AttendeePort, AttendeeRecord, AttendeeSearchDoc, AttendeeSearchRow, OfflineAttendeeRecord } from '../ports.js';
import { fromRaw, type Raw } from '../rows.js';

const attendeeColumns = (t: string): string =>
  `${t}.id, ${t}.external_id AS externalId, ${t}.name, ${t}.organization, ${t}.category, ${t}.delegation, ${t}.email,
   ${t}.flags, ${t}.status, ${t}.badge_version AS badgeVersion, ${t}.checked_in_at AS checkedInAt`;

/** Each query word becomes a quoted prefix phrase (quoting also neutralises FTS5 syntax), or its skeleton. */
function matchExpression(words: QueryWord[]): string {
  return words
    .map(({ phrase, skeleton }) =>
      skeleton === null ? `"${phrase}"*` : `("${phrase}"* OR "${skeleton.term}"${skeleton.prefix ? '*' : ''})`,
    )
    .join(' AND ');
}

export function sqliteAttendees(sqlite: Database): AttendeePort {
  const byId = sqlite.prepare(`SELECT ${attendeeColumns('attendees')} FROM attendees WHERE id = ?`);
  const byExternalId = sqlite.prepare(`SELECT ${attendeeColumns('attendees')} FROM attendees WHERE external_id = ?`);
  const byEmail = sqlite.prepare(`SELECT ${attendeeColumns('attendees')} FROM attendees WHERE email = ? ORDER BY created_at, id LIMIT 1`);
  const registered = sqlite.prepare(
    `SELECT ${attendeeColumns('a')} FROM attendees a WHERE a.status = 'registered'
     AND (@organization IS NULL OR a.organization = @organization) AND (@delegation IS NULL OR a.delegation = @delegation)
     AND (@category IS NULL OR a.category = @category) ORDER BY a.name, a.id LIMIT @limit`,
  );
  const offline = sqlite.prepare(
    `SELECT id, name, organization, category, delegation, flags, badge_version AS badgeVersion, status,
     checked_in_at AS checkedInAt FROM attendees ORDER BY id`,
  );
  const insertRow = sqlite.prepare(
    `INSERT INTO attendees (id, external_id, name, organization, category, delegation, email, flags, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const updateRow = sqlite.prepare(
    `UPDATE attendees SET name = ?, organization = ?, category = ?, delegation = ?, email = ?, flags = ?, status = ?,
     external_id = ?, updated_at = ? WHERE id = ?`,
  );
  const upsertDoc = sqlite.prepare(
    `INSERT INTO attendee_search_docs (attendee_id, name, organization, email) VALUES (?, ?, ?, ?)
     ON CONFLICT (attendee_id) DO UPDATE SET name = excluded.name, organization = excluded.organization, email = excluded.email`,
  );
  const docColumns = 'attendee_id AS attendeeId, name, organization, email';
  const matchDocs = sqlite.prepare(
    `SELECT ${docColumns} FROM attendee_search_docs
     WHERE docid IN (SELECT rowid FROM attendee_search WHERE attendee_search MATCH ? LIMIT ?)`,
  );
  const nameStarts = sqlite.prepare(`SELECT ${docColumns} FROM attendee_search_docs WHERE name >= ? AND name < ? ORDER BY name LIMIT ?`);
  const hitsByIds = sqlite.prepare(
    `SELECT id, name, organization, category, delegation, status, checked_in_at AS checkedInAt
     FROM attendees WHERE id IN (SELECT value FROM json_each(?))`,
  );
  const unindexed = sqlite.prepare(
    `SELECT ${attendeeColumns('a')} FROM attendees a WHERE NOT EXISTS (SELECT 1 FROM attendee_search_docs d WHERE d.attendee_id = a.id)`,
  );
  const merge = sqlite.prepare("INSERT INTO attendee_search (attendee_search, rank) VALUES ('merge', ?)");
  const optimize = sqlite.prepare("INSERT INTO attendee_search (attendee_search) VALUES ('optimize')");
  const totalChanges = sqlite.prepare('SELECT total_changes() AS n').pluck();
  const index = (doc: AttendeeSearchDoc): void => void upsertDoc.run(doc.attendeeId, doc.name, doc.organization, doc.email);
  const one = (raw: unknown): AttendeeRecord | undefined => (raw === undefined ? undefined : fromRaw(raw as Raw<AttendeeRecord>));
  return {
    find: (id) => known(one(byId.get(id))),
    // The Writer runs one unit of work at a time: nothing else can change the row before it is written back.
    findForUpdate: (id) => known(one(byId.get(id))),
    findByExternalId: (externalId) => known(one(byExternalId.get(externalId))),
    findByEmail: (email) => known(one(byEmail.get(email))),
    registeredWhere: (where, limit) => known((registered.all({ ...where, limit }) as Raw<AttendeeRecord>[]).map(fromRaw)),
    listOffline: () => known((offline.all() as Raw<OfflineAttendeeRecord>[]).map(fromRaw)),
    insert: (row, doc, at) => {
      insertRow.run(row.id, row.externalId, row.name, row.organization, row.category, row.delegation, row.email, JSON.stringify(row.flags), at, at);
      index(doc);
      return known(undefined);
    },
    update: (row, doc, at) => {
      updateRow.run(row.name, row.organization, row.category, row.delegation, row.email, JSON.stringify(row.flags), row.status, row.externalId, at, row.id);
      if (doc !== null) index(doc);
      return known(undefined);
    },
    // The Writer already runs every unit of work alone.
    lockImport: () => known(undefined),
    unindexed: () => known((unindexed.all() as Raw<AttendeeRecord>[]).map(fromRaw)),
    index: (doc) => known(index(doc)),
    namesStarting: (start, limit) => known(nameStarts.all(start, `${start}\u{10ffff}`, limit) as AttendeeSearchDoc[]),
    matching: (words, limit) => known(matchDocs.all(matchExpression(words), limit) as AttendeeSearchDoc[]),
    searchRows: (ids) => known(hitsByIds.all(JSON.stringify(ids)) as AttendeeSearchRow[]),
    compactIndex: (pages) => {
      const before = totalChanges.get() as number;
      merge.run(pages);
      // FTS5: a merge that did no work leaves total_changes() as it was (but for the merge command's own row).
      return known((totalChanges.get() as number) - before > 1);
    },
    optimizeIndex: () => known(void optimize.run()),
  };
}
