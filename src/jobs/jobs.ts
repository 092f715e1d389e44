// eventday's periodic jobs, each with its interval and where it runs; the scheduler runs them.
import type { AnnouncementService } from '../services/announcements.js';
import { STATS_INTERVAL_MS, type CheckinService } from '../services/checkins.js';
import { OCCUPANCY_COALESCE_MS, type OccupancyService } from '../services/occupancy.js';
import type { SessionService } from '../services/sessions.js';
import type { Job } from './scheduler.js';

/** How often the clock moves sessions to live and ended; kiosks show the change within this. */
export const STATUS_INTERVAL_MS = 2_000;
export const EXPIRY_INTERVAL_MS = 1_000;
/** `wal_checkpoint(PASSIVE)` from a timer, so that no request pays for it. */
export const CHECKPOINT_INTERVAL_MS = 5_000;
/** A signed checkpoint of the audit chain's head, when it moved: what a truncation or recomputation is caught against. */
export const AUDIT_CHECKPOINT_INTERVAL_MS = 60_000;
export const BUDGET_PRUNE_INTERVAL_MS = 60_000;

export interface JobTargets {
  /** Drops ended budget windows that every node shares (PostgreSQL's `rate_windows`). */
  pruneBudgets?: () => Promise<unknown>;
  /** SQLite's `wal_checkpoint(PASSIVE)`; PostgreSQL checkpoints by itself. */
  walCheckpoint?: () => void;
  sessions: Pick<SessionService, 'advanceStatuses'>;
  announcements: Pick<AnnouncementService, 'expireDue'>;
  occupancy: Pick<OccupancyService, 'flush'>;
  checkins: Pick<CheckinService, 'publishStats'>;
  /** Writes a signed checkpoint of the event log's head (nothing when it did not move). */
  audit?: { checkpoint(): unknown };
}

export function eventdayJobs(t: JobTargets): Job[] {
  return [
    { name: 'session-status-clock', intervalMs: STATUS_INTERVAL_MS, run: () => t.sessions.advanceStatuses() },
    { name: 'announcement-expiry', intervalMs: EXPIRY_INTERVAL_MS, run: () => t.announcements.expireDue() },
    // Node-local: the rooms whose counts changed on this node are known only here.
    { name: 'occupancy-flush', intervalMs: OCCUPANCY_COALESCE_MS, scope: 'node', atClose: true, run: () => t.occupancy.flush() },
    // Shared: the change counter it checks follows the log, so the one node that pushes sees every node's scans.
    { name: 'checkin-stats', intervalMs: STATS_INTERVAL_MS, run: () => t.checkins.publishStats() },
    ...(t.pruneBudgets ? [{ name: 'budget-prune', intervalMs: BUDGET_PRUNE_INTERVAL_MS, run: t.pruneBudgets }] : []),
    // After the flushes, so the one at close signs the very last event; before the WAL checkpoint.
    ...(t.audit ? [{ name: 'audit-checkpoint', intervalMs: AUDIT_CHECKPOINT_INTERVAL_MS, atClose: true, run: () => t.audit!.checkpoint() }] : []),
    // Added last, so the final checkpoint at close follows the final flush.
    ...(t.walCheckpoint ? [{ name: 'wal-checkpoint', intervalMs: CHECKPOINT_INTERVAL_MS, scope: 'node' as const, atClose: true, run: t.walCheckpoint }] : []),
  ];
}
