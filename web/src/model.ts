// Wire shapes the pages read (from API.md) and the lenient readers that turn server JSON into them.

export type OccupancyLevel = 'normal' | 'near' | 'full';

export interface Room {
  id: string;
  name: string;
  status: string;
  full: boolean;
  features: string[];
  /** Staff roles only: kiosks never see counts. */
  capacity: number | null;
  occupancy: number | null;
  occupancyLevel: OccupancyLevel | null;
}

export interface Access {
  policy: string;
  categories: string[];
}

export interface Session {
  id: string;
  title: string;
  type: string;
  startsAt: string;
  endsAt: string;
  roomId: string;
  speakers: string[];
  status: string;
  delayMinutes: number;
  access: Access;
  expectedAttendance: number;
  version: number;
  changeNote: string | null;
}

export interface Announcement {
  id: string;
  text: string;
  severity: 'info' | 'warning' | 'emergency';
  roomIds: string[] | null;
  createdAt: string;
  expiresAt: string | null;
}

export interface ScheduleChange {
  seq: number;
  at: string;
  sessionId: string;
  kind: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  note: string | null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const optNum = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function readRoom(v: unknown): Room | null {
  if (!isRecord(v) || typeof v.id !== 'string') return null;
  const level = v.occupancyLevel;
  return {
    id: v.id,
    name: str(v.name, v.id),
    status: str(v.status, 'open'),
    full: v.full === true || level === 'full',
    features: strings(v.features),
    capacity: optNum(v.capacity),
    occupancy: optNum(v.occupancy),
    occupancyLevel: level === 'normal' || level === 'near' || level === 'full' ? level : null,
  };
}

export function readSession(v: unknown): Session | null {
  if (!isRecord(v) || typeof v.id !== 'string') return null;
  const access = isRecord(v.access) ? v.access : {};
  return {
    id: v.id,
    title: str(v.title, 'Untitled session'),
    type: str(v.type),
    startsAt: str(v.startsAt),
    endsAt: str(v.endsAt),
    roomId: str(v.roomId),
    speakers: strings(v.speakers),
    status: str(v.status, 'scheduled'),
    delayMinutes: num(v.delayMinutes),
    access: { policy: str(access.policy, 'open'), categories: strings(access.categories) },
    expectedAttendance: num(v.expectedAttendance),
    version: num(v.version),
    changeNote: typeof v.changeNote === 'string' && v.changeNote ? v.changeNote : null,
  };
}

export function readAnnouncement(v: unknown): Announcement | null {
  if (!isRecord(v) || typeof v.id !== 'string') return null;
  const severity = v.severity === 'warning' || v.severity === 'emergency' ? v.severity : 'info';
  return {
    id: v.id,
    text: str(v.text),
    severity,
    roomIds: Array.isArray(v.roomIds) && v.roomIds.length > 0 ? strings(v.roomIds) : null,
    createdAt: str(v.createdAt),
    expiresAt: typeof v.expiresAt === 'string' ? v.expiresAt : null,
  };
}

export function readChange(v: unknown): ScheduleChange | null {
  if (!isRecord(v) || typeof v.seq !== 'number' || typeof v.sessionId !== 'string') return null;
  return {
    seq: v.seq,
    at: str(v.at),
    sessionId: v.sessionId,
    kind: str(v.kind, 'changed'),
    before: isRecord(v.before) ? v.before : null,
    after: isRecord(v.after) ? v.after : null,
    note: typeof v.note === 'string' && v.note ? v.note : null,
  };
}

export function readList<T>(v: unknown, read: (item: unknown) => T | null): T[] {
  if (!Array.isArray(v)) return [];
  const out: T[] = [];
  for (const item of v) {
    const parsed = read(item);
    if (parsed !== null) out.push(parsed);
  }
  return out;
}

/**
 * `session.created` and `session.updated` carry `{ session, kind, before, after, note }`; a bare
 * session is accepted too. The event's seq and time make it a change entry like the ones that
 * `GET /api/schedule/changes` lists.
 */
export function readSessionEvent(
  data: unknown,
  seq: number,
  at: string,
  defaultKind: string,
): { session: Session; change: ScheduleChange } | null {
  if (!isRecord(data)) return null;
  const session = readSession(isRecord(data.session) ? data.session : data);
  if (!session) return null;
  const change: ScheduleChange = {
    seq,
    at,
    sessionId: session.id,
    kind: typeof data.kind === 'string' ? data.kind : defaultKind,
    before: isRecord(data.before) ? data.before : null,
    after: isRecord(data.after) ? data.after : null,
    note: typeof data.note === 'string' && data.note ? data.note : null,
  };
  return { session, change };
}

export const CATEGORY_LABELS: Record<string, string> = {
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

export function categoryLabel(category: string): string {
  return CATEGORY_LABELS[category] ?? category.replace(/_/g, ' ');
}

const FLAG_LABELS: Record<string, string> = {
  vip: 'VIP',
  accessibility: 'Accessibility needs',
  interpreter_needed: 'Interpreter needed',
};

export function flagLabel(flag: string): string {
  return FLAG_LABELS[flag] ?? flag.replace(/_/g, ' ');
}

export const SESSION_STATUS_LABELS: Record<string, string> = {
  scheduled: 'Scheduled',
  live: 'On now',
  ended: 'Ended',
  cancelled: 'Cancelled',
};

export const ROOM_STATUS_LABELS: Record<string, string> = {
  open: 'Open',
  closed: 'Closed',
  out_of_service: 'Out of service',
};

export const LEVEL_LABELS: Record<OccupancyLevel, string> = {
  normal: 'Normal',
  near: 'Near capacity',
  full: 'Full',
};
