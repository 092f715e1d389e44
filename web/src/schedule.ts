// Schedule rules shared by kiosk and dashboard: now/next per room, change markers, and change wording.
import { categoryLabel, type ScheduleChange, type Session } from './model.js';
import { effectiveEnd, effectiveStart, timeOf } from './time.js';

export interface RoomSlots {
  now: Session | null;
  next: Session | null;
  /** Cancelled sessions that would have been on before the next one, so that nobody waits for them. */
  cancelled: Session[];
}

const LOOKAHEAD_MS = 3 * 60 * 60_000;

export function roomSlots(sessions: Iterable<Session>, roomId: string, now: number): RoomSlots {
  const upcoming = [...sessions]
    .filter((s) => s.roomId === roomId && s.status !== 'ended' && effectiveEnd(s) > now)
    .sort((a, b) => effectiveStart(a) - effectiveStart(b));
  const active = upcoming.filter((s) => s.status !== 'cancelled');
  const current = active.find((s) => s.status === 'live' || effectiveStart(s) <= now) ?? null;
  const next = active.find((s) => s !== current && effectiveStart(s) > now) ?? null;
  const horizon = next ? effectiveStart(next) : now + LOOKAHEAD_MS;
  const cancelled = upcoming.filter((s) => s.status === 'cancelled' && effectiveStart(s) <= horizon).slice(0, 2);
  return { now: current, next, cancelled };
}

export type MarkerKind = 'cancelled' | 'delayed' | 'moved' | 'retimed' | 'restricted';

export interface Marker {
  kind: MarkerKind;
  text: string;
}

export interface ScheduleContext {
  zone: string;
  roomName(id: string): string;
  sessionTitle(id: string): string | null;
}

const field = (o: Record<string, unknown> | null, key: string): unknown => (o ? o[key] : undefined);

/** The newest change per session, for the markers. */
export function latestChanges(changes: Iterable<ScheduleChange>): Map<string, ScheduleChange> {
  const latest = new Map<string, ScheduleChange>();
  for (const c of changes) {
    const prior = latest.get(c.sessionId);
    if (!prior || prior.seq < c.seq) latest.set(c.sessionId, c);
  }
  return latest;
}

/** Words for what is unusual about a session: a marker is never carried by colour alone. */
export function sessionMarkers(s: Session, latest: ScheduleChange | undefined, ctx: ScheduleContext): Marker[] {
  const markers: Marker[] = [];
  if (s.status === 'cancelled') markers.push({ kind: 'cancelled', text: 'Cancelled' });
  if (s.status !== 'cancelled' && s.delayMinutes > 0) {
    markers.push({ kind: 'delayed', text: `Delayed ${s.delayMinutes} min` });
  }
  if (latest?.kind === 'moved') {
    const from = field(latest.before, 'roomId');
    markers.push({
      kind: 'moved',
      text: typeof from === 'string' && from !== s.roomId ? `Moved from ${ctx.roomName(from)}` : 'Moved',
    });
  }
  if (latest?.kind === 'retimed') {
    const was = field(latest.before, 'startsAt');
    markers.push({
      kind: 'retimed',
      text: typeof was === 'string' ? `New time (was ${timeOf(Date.parse(was), ctx.zone)})` : 'New time',
    });
  }
  if (s.access.policy === 'categories' && s.access.categories.length > 0) {
    markers.push({ kind: 'restricted', text: `Only: ${s.access.categories.map(categoryLabel).join(', ')}` });
  }
  return markers;
}

export const CHANGE_LABELS: Record<string, string> = {
  moved: 'Moved',
  retimed: 'New time',
  delayed: 'Delayed',
  cancelled: 'Cancelled',
  restored: 'Back on',
  renamed: 'Renamed',
  added: 'Added',
};

export interface ChangeText {
  label: string;
  title: string;
  detail: string;
  note: string | null;
}

export function describeChange(c: ScheduleChange, ctx: ScheduleContext): ChangeText {
  const afterTitle = field(c.after, 'title');
  const beforeTitle = field(c.before, 'title');
  const title =
    ctx.sessionTitle(c.sessionId) ??
    (typeof afterTitle === 'string' ? afterTitle : typeof beforeTitle === 'string' ? beforeTitle : 'A session');
  const time = (v: unknown): string | null => (typeof v === 'string' ? timeOf(Date.parse(v), ctx.zone) : null);
  let detail = '';
  switch (c.kind) {
    case 'moved': {
      const from = field(c.before, 'roomId');
      const to = field(c.after, 'roomId');
      if (typeof from === 'string' && typeof to === 'string') detail = `${ctx.roomName(from)} → ${ctx.roomName(to)}`;
      else if (typeof to === 'string') detail = `now in ${ctx.roomName(to)}`;
      break;
    }
    case 'retimed': {
      const from = time(field(c.before, 'startsAt'));
      const to = time(field(c.after, 'startsAt'));
      if (from && to) detail = `${from} → ${to}`;
      else if (to) detail = `now at ${to}`;
      break;
    }
    case 'delayed': {
      const minutes = field(c.after, 'delayMinutes');
      if (typeof minutes === 'number') detail = minutes > 0 ? `now ${minutes} min late` : 'back on time';
      break;
    }
    case 'renamed':
      if (typeof beforeTitle === 'string') detail = `was “${beforeTitle}”`;
      break;
    default:
      break;
  }
  return { label: CHANGE_LABELS[c.kind] ?? 'Changed', title, detail, note: c.note };
}
