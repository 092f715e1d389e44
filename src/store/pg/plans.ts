// The allocation plans port on PostgreSQL: stored plans, and the row locks that make applying one exact across nodes.
import type { PlanPort } from '../ports.js';
import { toPlanRecord, type PlanRow } from '../rows.js';
import { rows, type Queryable } from './query.js';

const COLUMNS = 'id, based_on_seq AS "basedOnSeq", request, result, created_at AS "createdAt", created_by AS "createdBy", applied_at AS "appliedAt"';

export function pgPlans(db: Queryable): PlanPort {
  return {
    *find(id) {
      return toPlanRecord((yield* rows<PlanRow>(db, 'plans_by_id', `SELECT ${COLUMNS} FROM allocation_plans WHERE id = $1`, [id]))[0]);
    },
    *findForApply(id) {
      // Row lock until the commit: a second node applying the same plan waits, then reads applied_at set and refuses.
      return toPlanRecord((yield* rows<PlanRow>(db, 'plans_for_apply', `SELECT ${COLUMNS} FROM allocation_plans WHERE id = $1 FOR UPDATE`, [id]))[0]);
    },
    *insert(p) {
      yield* rows(
        db,
        'plans_insert',
        'INSERT INTO allocation_plans (id, based_on_seq, request, result, created_at, created_by, applied_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [p.id, p.basedOnSeq, JSON.stringify(p.request), JSON.stringify(p.result), p.createdAt, p.createdBy, p.appliedAt],
      );
    },
    *markApplied(id, at) {
      yield* rows(db, 'plans_applied', 'UPDATE allocation_plans SET applied_at = $1 WHERE id = $2', [at, id]);
    },
    *holdLog() {
      // The log head's row lock, the one every appender takes (event-log.ts): it waits until each
      // transaction appending now has committed, and makes every later appender wait for this
      // commit. History read after it is complete up to this transaction's own events.
      yield* rows(db, 'plans_hold_log', 'SELECT seq FROM event_head WHERE id = 1 FOR UPDATE');
    },
  };
}
