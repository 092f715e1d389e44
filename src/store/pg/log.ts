// The log port on PostgreSQL: the log's reads as store steps, on the unit of work's connection (or the pool outside one).
import { awaited } from '../op.js';
import type { LogPort } from '../ports.js';
import type { PgEventLog } from './event-log.js';
import type { Queryable } from './query.js';

export function pgLog(log: PgEventLog, db: Queryable): LogPort {
  return {
    readNamed: (since, limit, filter) => awaited(log.readNamed(since, limit, filter, db)),
    latestSeqOf: (topic) => awaited(log.latestSeqOf(topic, db)),
    headSeq: () => awaited(log.head(db).then((head) => head.seq)),
  };
}
