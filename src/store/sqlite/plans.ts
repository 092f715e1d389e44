// The allocation plans port on SQLite: stored plans, prepared once; the Writer runs one unit of work at a time, so nothing here locks.
import type { Database } from 'better-sqlite3';
import { known } from '../op.js';
import type { PlanPort } from '../ports.js';
import { toPlanRecord, type PlanRow } from '../rows.js';

const COLUMNS = 'id, based_on_seq AS basedOnSeq, request, result, created_at AS createdAt, created_by AS createdBy, applied_at AS appliedAt';

export function sqlitePlans(sqlite: Database): PlanPort {
  const byId = sqlite.prepare(`SELECT ${COLUMNS} FROM allocation_plans WHERE id = ?`);
  const insert = sqlite.prepare(
    `INSERT INTO allocation_plans (id, based_on_seq, request, result, created_at, created_by, applied_at)
     VALUES (@id, @basedOnSeq, @request, @result, @createdAt, @createdBy, @appliedAt)`,
  );
  const applied = sqlite.prepare('UPDATE allocation_plans SET applied_at = ? WHERE id = ?');
  const find = (id: string) => known(toPlanRecord(byId.get(id) as PlanRow | undefined));
  return {
    find,
    findForApply: find,
    insert: (plan) => known(void insert.run({ ...plan, request: JSON.stringify(plan.request), result: JSON.stringify(plan.result) })),
    markApplied: (id, at) => known(void applied.run(at, id)),
    holdLog: () => known(undefined),
  };
}
