// The shared vocabulary of eventday: roles, audiences, categories and every status, each listed once.

export const roles = ['admin', 'ops', 'desk', 'door', 'kiosk'] as const;
export type Role = (typeof roles)[number];

export const categories = ['government', 'industry', 'academia', 'think_tank', 'ngo', 'media', 'speaker', 'staff', 'other'] as const;
export type Category = (typeof categories)[number];

/**
 * The stored class of an event or a datum: public (kiosks and everyone), staff (counts and plans),
 * personal (names an attendee), admin (devices and keys). What each role receives of an event is
 * decided by the event's payload per audience in the contract; the class records its reach.
 */
export const visibilities = ['public', 'staff', 'personal', 'admin'] as const;
export type Visibility = (typeof visibilities)[number];

/** The five audiences of DESIGN.md; a role is exactly one of them. */
export const audiences = ['public', 'staff', 'desk', 'door', 'admin'] as const;
export type Audience = (typeof audiences)[number];

export const audienceOfRole: Readonly<Record<Role, Audience>> = {
  admin: 'admin',
  ops: 'staff',
  desk: 'desk',
  door: 'door',
  kiosk: 'public',
};

export const attendeeStatuses = ['registered', 'cancelled'] as const;
export type AttendeeStatus = (typeof attendeeStatuses)[number];

export const roomStatuses = ['open', 'closed', 'out_of_service'] as const;
export type RoomStatus = (typeof roomStatuses)[number];

export const occupancyLevels = ['normal', 'near', 'full'] as const;
export type OccupancyLevel = (typeof occupancyLevels)[number];

export const sessionStatuses = ['scheduled', 'live', 'ended', 'cancelled'] as const;
export type SessionStatus = (typeof sessionStatuses)[number];

/** The public change kinds, most important first: the first that applies is an event's `kind`. */
export const changeKinds = ['added', 'cancelled', 'restored', 'moved', 'retimed', 'delayed', 'renamed'] as const;
export type ChangeKind = (typeof changeKinds)[number];

/**
 * Kinds of `session.updated` that are not schedule changes: `status` is the clock moving a
 * session to live or ended; `edited` is a change to other details (speakers, access, …).
 * Neither appears in the change feed.
 */
export const updateKinds = [...changeKinds, 'status', 'edited'] as const;
export type UpdateKind = (typeof updateKinds)[number];

export type AccessPolicy = { policy: 'open' } | { policy: 'categories'; categories: Category[] };

export const severities = ['info', 'warning', 'emergency'] as const;
export type Severity = (typeof severities)[number];

export const scanKinds = ['entry', 'exit'] as const;
export type ScanKind = (typeof scanKinds)[number];

/** How a check-in was made: a badge scan, or by name at the desk for someone without a badge. */
export const checkinMethods = ['scan', 'manual'] as const;
export type CheckinMethod = (typeof checkinMethods)[number];

export const scanResults = ['ok', 'warning', 'rejected'] as const;
export type ScanResult = (typeof scanResults)[number];

export const scanReasons = [
  'already_checked_in',
  'invalid_code',
  'unknown_attendee',
  'revoked_badge',
  'registration_cancelled',
  'not_allowed',
  'room_full',
  'room_closed',
  'invalid_time',
  'rate_limited',
  'unknown_room',
  'invalid_scan',
] as const;
export type ScanReason = (typeof scanReasons)[number];

/** Staff roles see counts, occupancy and statistics; a kiosk sees the public schedule only. */
export function isStaffRole(role: Role): boolean {
  return audienceOfRole[role] !== 'public';
}

/** What a badge key id looks like: it is part of every badge code and of the key's file name. */
export const KID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;
