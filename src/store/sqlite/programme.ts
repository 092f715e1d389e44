// The programme port on SQLite: now/next, import matching (each by index, prepared once) and session sources.
import type { Database } from 'better-sqlite3';
import { known } from '../op.js';
import type { ProgrammePort } from '../ports.js';
import { toSessionRecord, toSource, type SessionRowText, type SourceRow } from '../rows.js';
import { SESSION_COLUMNS } from './sessions.js';
import type { SessionStatus } from '../../core/vocabulary.js';

const OPEN = "(json_extract(access, '$.policy') = 'open')";

/** Now/next candidates, among all sessions or (given `kind`) among those whose openness is `@open` only. */
const candidates = (kind: string): string =>
  `SELECT ${SESSION_COLUMNS} FROM sessions
   WHERE status != 'cancelled' AND effective_ends_at > @now${kind}
     AND (effective_starts_at <= @now
       OR (room_id, effective_starts_at) IN (
         SELECT room_id, MIN(effective_starts_at) FROM sessions
         WHERE status != 'cancelled' AND effective_starts_at > @now${kind} GROUP BY room_id))`;

export function sqliteProgramme(sqlite: Database): ProgrammePort {
  // Reading every remaining session of a 2,000-session day costs several times more than these candidates.
  const all = sqlite.prepare<{ now: number }, SessionRowText>(candidates(''));
  const ofKind = sqlite.prepare<{ now: number; open: number }, SessionRowText>(candidates(` AND ${OPEN} = @open`));
  const until = sqlite.prepare<{ now: number }, { until: number | null }>(
    `SELECT MIN(CASE WHEN effective_starts_at > @now THEN effective_starts_at ELSE effective_ends_at END) AS until
     FROM sessions WHERE status != 'cancelled' AND effective_ends_at > @now`,
  );
  const restricted = sqlite.prepare<[], string>(`SELECT id FROM sessions WHERE NOT ${OPEN}`).pluck();
  const anyRestricted = sqlite.prepare(`SELECT 1 FROM sessions WHERE NOT ${OPEN} LIMIT 1`);
  const locals = sqlite.prepare<[], { id: string; status: SessionStatus }>('SELECT id, status FROM sessions WHERE external_key IS NULL');
  const liveCount = sqlite.prepare<[], number>("SELECT count(*) AS n FROM sessions WHERE external_key IS NOT NULL AND status != 'cancelled'").pluck();
  const statusByKey = sqlite.prepare<[string], SessionStatus>('SELECT status FROM sessions WHERE external_key = ?').pluck();
  const keyByGuid = sqlite.prepare<[string], { key: string; status: SessionStatus }>(
    `SELECT s.external_key AS key, s.status FROM session_sources ss JOIN sessions s ON s.id = ss.session_id
     WHERE ss.guid = ? AND s.external_key IS NOT NULL`,
  );
  const byKey = sqlite.prepare<[string], SessionRowText>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE external_key = ?`);
  const liveAfter = sqlite.prepare<[string, number], SessionRowText>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE external_key IS NOT NULL AND status != 'cancelled' AND id > ? ORDER BY id LIMIT ?`,
  );
  const claim = sqlite.prepare('UPDATE sessions SET external_key = ? WHERE id = ?');
  const source = sqlite.prepare<[string], SourceRow>('SELECT session_id AS sessionId, guid, source FROM session_sources WHERE session_id = ?');
  const sources = sqlite.prepare<[], SourceRow>('SELECT session_id AS sessionId, guid, source FROM session_sources');
  const guidTaken = sqlite.prepare('SELECT 1 FROM session_sources WHERE guid = ?');
  const keep = sqlite.prepare(
    'INSERT INTO session_sources (session_id, guid, source) VALUES (@sessionId, @guid, @source) ON CONFLICT (session_id) DO UPDATE SET source = excluded.source',
  );
  const span = sqlite.prepare<[], { first: number | null; last: number | null }>(
    'SELECT min(starts_at) AS first, max(max(starts_at, ends_at - 1)) AS last FROM sessions',
  );
  const nameAndDays = sqlite.prepare('UPDATE event_settings SET name = ?, days = ? WHERE id = 1');
  return {
    nowNextCandidates: (now, open) => known((open === undefined ? all.all({ now }) : ofKind.all({ now, open: open ? 1 : 0 })).map(toSessionRecord)),
    nextChangeAfter: (now) => known(until.get({ now })?.until ?? null),
    restrictedIds: () => known(restricted.all()),
    anyRestricted: () => known(anyRestricted.get() !== undefined),
    localSessions: () => known(locals.all()),
    countLiveImported: () => known(liveCount.get() ?? 0),
    statusByKey: (key) => known(statusByKey.get(key)),
    keyByGuid: (guid) => known(keyByGuid.get(guid)),
    findByKeyForUpdate(key) {
      const row = byKey.get(key);
      return known(row === undefined ? undefined : toSessionRecord(row));
    },
    liveImportedAfterForUpdate: (afterId, limit) => known(liveAfter.all(afterId, limit).map(toSessionRecord)),
    claimKey: (sessionId, key) => known(void claim.run(key, sessionId)),
    // The Writer runs one unit of work at a time.
    lockForImport: () => known(undefined),
    source(sessionId) {
      const row = source.get(sessionId);
      return known(row === undefined ? undefined : toSource(row));
    },
    guidTaken: (guid) => known(guidTaken.get(guid) !== undefined),
    keepSource: (record) => known(void keep.run({ ...record, source: JSON.stringify(record.source) })),
    sources: () => known(sources.all().map(toSource)),
    span() {
      const { first, last } = span.get()!;
      return known(first === null || last === null ? null : { first, last });
    },
    setEventNameAndDays: (name, days) => known(void nameAndDays.run(name, JSON.stringify(days))),
  };
}
