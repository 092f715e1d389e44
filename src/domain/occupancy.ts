// Occupancy levels of a room: normal, near (≥ 90% of capacity) and full (≥ 100%).
export type OccupancyLevel = 'normal' | 'near' | 'full';

export const NEAR_RATIO = 0.9;

export function occupancyLevel(occupancy: number, capacity: number): OccupancyLevel {
  if (capacity <= 0) return occupancy > 0 ? 'full' : 'normal';
  if (occupancy >= capacity) return 'full';
  if (occupancy >= capacity * NEAR_RATIO) return 'near';
  return 'normal';
}
