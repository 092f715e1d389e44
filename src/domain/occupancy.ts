// Occupancy levels of a room — normal, near (≥ 90% of capacity), full (≥ 100%) — and alert hysteresis.
import type { OccupancyLevel } from '../core/vocabulary.js';

export const NEAR_RATIO = 0.9;

/** Capacity 0 means "not set yet" (imported rooms carry none): such a room is never near or full. */
export function occupancyLevel(occupancy: number, capacity: number): OccupancyLevel {
  if (capacity <= 0) return 'normal';
  if (occupancy >= capacity) return 'full';
  if (occupancy >= capacity * NEAR_RATIO) return 'near';
  return 'normal';
}

const rank: Record<OccupancyLevel, number> = { normal: 0, near: 1, full: 2 };

/**
 * People a room must drop below a threshold by before its alert level comes down: 3% of
 * capacity, at least 2, but never more than 5% — a room of a few seats must come down when
 * it empties (a margin of 2 kept a one-seat room alerting full with nobody in it).
 */
export function hysteresisMargin(capacity: number): number {
  return Math.min(Math.max(2, Math.ceil(capacity * 0.03)), Math.floor(capacity * 0.05));
}

/**
 * The alert level after a change: it rises as soon as a threshold is reached, and falls only
 * once the count is a margin below the threshold, so a room hovering at the edge does not flap.
 */
export function nextAlertLevel(current: OccupancyLevel, occupancy: number, capacity: number): OccupancyLevel {
  const measured = occupancyLevel(occupancy, capacity);
  if (rank[measured] >= rank[current]) return measured;
  const margin = hysteresisMargin(capacity);
  const lowered = occupancyLevel(occupancy + margin, capacity);
  return rank[lowered] < rank[current] ? lowered : current;
}
