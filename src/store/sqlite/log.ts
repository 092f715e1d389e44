// The log port on SQLite: history read by name and topic, each filter's statement prepared once.
import type { Database, Statement } from 'better-sqlite3';
import { rowToRecord, type EventRow } from '../../live/event-log.js';
import { known } from '../op.js';
import type { LogPort } from '../ports.js';

export function sqliteLog(sqlite: Database): LogPort {
  const named = new Map<string, Statement>();
  const topicHead = sqlite.prepare('SELECT MAX(seq) AS seq FROM events WHERE topic = ?');
  const head = sqlite.prepare('SELECT MAX(seq) AS seq FROM events');
  return {
    readNamed(since, limit, filter) {
      const key = JSON.stringify(filter);
      let stmt = named.get(key);
      if (!stmt) {
        const list = (values: readonly string[]): string => values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
        const kinds = filter.kinds ? ` AND json_extract(payload, '$.kind') IN (${list(filter.kinds)})` : '';
        stmt = sqlite.prepare(`SELECT * FROM events WHERE seq > ? AND name IN (${list(filter.names)})${kinds} ORDER BY seq LIMIT ?`);
        named.set(key, stmt);
      }
      return known((stmt.all(since, limit) as EventRow[]).map(rowToRecord));
    },
    latestSeqOf: (topic) => known((topicHead.get(topic) as { seq: number | null }).seq ?? 0),
    headSeq: () => known((head.get() as { seq: number | null }).seq ?? 0),
  };
}
