// The log port on PostgreSQL: the log's reads (committed history, on the pool) as store steps.
import { awaited } from '../op.js';
import type { LogPort } from '../ports.js';
import type { PgEventLog } from './event-log.js';

export function pgLog(log: PgEventLog): LogPort {
  return {
    readNamed: (since, limit, filter) => awaited(log.readNamed(since, limit, filter)),
    latestSeqOf: (topic) => awaited(log.latestSeqOf(topic)),
    headSeq: () => awaited(log.head().then((head) => head.seq)),
  };
}
