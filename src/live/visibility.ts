// Which roles may see which visibility class: checked for every event, snapshot and response.
import type { Role, Visibility } from '../db/schema.js';

const allowed: Record<Role, ReadonlySet<Visibility>> = {
  admin: new Set(['public', 'staff', 'personal', 'admin']),
  ops: new Set(['public', 'staff']),
  desk: new Set(['public', 'staff', 'personal']),
  door: new Set(['public', 'staff', 'personal']),
  kiosk: new Set(['public']),
};

export function canSee(role: Role, visibility: Visibility): boolean {
  return allowed[role].has(visibility);
}

/** Staff roles see counts and statistics; a kiosk sees the public schedule only. */
export function isStaffRole(role: Role): boolean {
  return canSee(role, 'staff');
}
