// Words for the contract's vocabulary on screen: categories, flags, statuses and occupancy levels.
import type { Category, OccupancyLevel, RoomStatus, SessionStatus } from '../../src/contract/index.js';

// Keyed by the vocabulary's own types, so a category or status added there must be named here.
export const CATEGORY_LABELS: Record<Category, string> = {
  government: 'Government',
  industry: 'Industry',
  academia: 'Academia',
  think_tank: 'Think tank',
  ngo: 'NGO',
  media: 'Media',
  speaker: 'Speaker',
  staff: 'Staff',
  other: 'Other',
};

export function isCategory(category: string): category is Category {
  return Object.prototype.hasOwnProperty.call(CATEGORY_LABELS, category);
}

/** Stats count by category as plain strings: an unknown one is shown as written. */
export function categoryLabel(category: string): string {
  return isCategory(category) ? CATEGORY_LABELS[category] : category.replace(/_/g, ' ');
}

// Flags are free strings on the wire; these are the ones the desk knows words for.
const FLAG_LABELS: Record<string, string> = {
  vip: 'VIP',
  accessibility: 'Accessibility needs',
  interpreter_needed: 'Interpreter needed',
};

export function flagLabel(flag: string): string {
  return FLAG_LABELS[flag] ?? flag.replace(/_/g, ' ');
}

export const SESSION_STATUS_LABELS: Record<SessionStatus, string> = {
  scheduled: 'Scheduled',
  live: 'On now',
  ended: 'Ended',
  cancelled: 'Cancelled',
};

export const ROOM_STATUS_LABELS: Record<RoomStatus, string> = {
  open: 'Open',
  closed: 'Closed',
  out_of_service: 'Out of service',
};

export const LEVEL_LABELS: Record<OccupancyLevel, string> = {
  normal: 'Normal',
  near: 'Near capacity',
  full: 'Full',
};
