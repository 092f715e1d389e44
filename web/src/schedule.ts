// Schedule wording shared by kiosk and dashboard: change markers on a session, and one change-list item (kiosk ticker, dashboard feed).
import type { ChangeEntry, ChangeKind, SessionWire } from '../../src/contract/index.js';
import { h } from './dom.js';
import { categoryLabel } from './labels.js';
import { timeOf } from './time.js';

export type MarkerKind = 'cancelled' | 'delayed' | 'moved' | 'retimed' | 'restricted';

export interface Marker {
  kind: MarkerKind;
  text: string;
}

export interface ScheduleContext {
  readonly zone: string;
  roomName(id: string): string;
  sessionTitle(id: string): string | null;
}

/** The newest change per session, for the markers. */
export function latestChanges(changes: Iterable<ChangeEntry>): Map<string, ChangeEntry> {
  const latest = new Map<string, ChangeEntry>();
  for (const c of changes) {
    const prior = latest.get(c.sessionId);
    if (!prior || prior.seq < c.seq) latest.set(c.sessionId, c);
  }
  return latest;
}

/** Words for what is unusual about a session: a marker is never carried by colour alone. */
export function sessionMarkers(s: SessionWire, latest: ChangeEntry | undefined, ctx: ScheduleContext): Marker[] {
  const markers: Marker[] = [];
  if (s.status === 'cancelled') markers.push({ kind: 'cancelled', text: 'Cancelled' });
  if (s.status !== 'cancelled' && s.delayMinutes > 0) {
    markers.push({ kind: 'delayed', text: `Delayed ${s.delayMinutes} min` });
  }
  if (latest?.kind === 'moved') {
    const from = latest.before?.roomId;
    markers.push({
      kind: 'moved',
      text: from !== undefined && from !== s.roomId ? `Moved from ${ctx.roomName(from)}` : 'Moved',
    });
  }
  if (latest?.kind === 'retimed') {
    const was = latest.before?.startsAt;
    markers.push({
      kind: 'retimed',
      text: was !== undefined ? `New time (was ${timeOf(Date.parse(was), ctx.zone)})` : 'New time',
    });
  }
  if (s.access.policy === 'categories' && s.access.categories.length > 0) {
    markers.push({ kind: 'restricted', text: `Only: ${s.access.categories.map(categoryLabel).join(', ')}` });
  }
  return markers;
}

export const CHANGE_LABELS: Record<ChangeKind, string> = {
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

export function describeChange(c: ChangeEntry, ctx: ScheduleContext): ChangeText {
  const afterTitle = c.after?.title;
  const beforeTitle = c.before?.title;
  const title = ctx.sessionTitle(c.sessionId) ?? afterTitle ?? beforeTitle ?? 'A session';
  const time = (v: string | undefined): string | null => (v !== undefined ? timeOf(Date.parse(v), ctx.zone) : null);
  let detail = '';
  switch (c.kind) {
    case 'moved': {
      const from = c.before?.roomId;
      const to = c.after?.roomId;
      if (from !== undefined && to !== undefined) detail = `${ctx.roomName(from)} → ${ctx.roomName(to)}`;
      else if (to !== undefined) detail = `now in ${ctx.roomName(to)}`;
      break;
    }
    case 'retimed': {
      const from = time(c.before?.startsAt);
      const to = time(c.after?.startsAt);
      if (from && to) detail = `${from} → ${to}`;
      else if (to) detail = `now at ${to}`;
      break;
    }
    case 'delayed': {
      const minutes = c.after?.delayMinutes;
      if (minutes !== undefined) detail = minutes > 0 ? `now ${minutes} min late` : 'back on time';
      break;
    }
    case 'renamed':
      if (beforeTitle !== undefined) detail = `was “${beforeTitle}”`;
      break;
    default:
      break;
  }
  return { label: CHANGE_LABELS[c.kind], title, detail, note: c.note };
}

/** One entry of a change list (kiosk ticker, dashboard feed): time, kind in words, title, detail, public note. */
export function changeItem(c: ChangeEntry, ctx: ScheduleContext): HTMLLIElement {
  const d = describeChange(c, ctx);
  return h(
    'li',
    { class: `change change--${c.kind}`, 'data-seq': c.seq, 'data-session-id': c.sessionId },
    h('span', { class: 'change__time' }, timeOf(Date.parse(c.at), ctx.zone)),
    ' ',
    h('strong', { class: 'change__label' }, d.label),
    ' ',
    h('span', { class: 'change__title' }, d.title),
    d.detail ? h('span', { class: 'change__detail' }, ` — ${d.detail}`) : null,
    d.note ? h('span', { class: 'change__note' }, ` “${d.note}”`) : null,
  );
}
