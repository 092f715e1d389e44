// The dashboard's change feed: the newest public schedule changes of every day, with the session's day and time, and door headcounts.
import type { ChangeEntry } from '../../../src/contract/index.js';
import { byId, fill, h } from '../dom.js';
import { describeChange } from '../schedule.js';
import { dayOf, sessionStart, timeOf } from '../time.js';
import type { Dash } from './context.js';

const FEED_SIZE = 60;

interface Headcount {
  seq: number;
  at: string;
  roomId: string;
  count: number;
  previous: number;
}

/** A day and time as people at the event write them: "Tue 17 Feb 10:45" (day before month, 24-hour clock). */
function whenText(ms: number, zone: string, today: string): string {
  const time = timeOf(ms, zone);
  if (dayOf(ms, zone) === today) return time;
  const date = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: zone }).format(ms);
  return `${date} ${time}`;
}

function changeEntry(dash: Dash, c: ChangeEntry, today: string): HTMLElement {
  const zone = dash.ctx.zone;
  const d = describeChange(c, dash.ctx);
  const s = dash.store.state.sessions.get(c.sessionId);
  return h(
    'li',
    { class: `change change--${c.kind}`, 'data-seq': c.seq, 'data-session-id': c.sessionId },
    h('span', { class: 'change__time' }, whenText(Date.parse(c.at), zone, today)),
    ' ',
    h('strong', { class: 'change__label' }, d.label),
    ' ',
    h('span', { class: 'change__title' }, d.title),
    s ? h('span', { class: 'change__when' }, ` (${whenText(sessionStart(s), zone, today)}, ${dash.ctx.roomName(s.roomId)})`) : null,
    d.detail ? h('span', { class: 'change__detail' }, ` — ${d.detail}`) : null,
    d.note ? h('span', { class: 'change__note' }, ` “${d.note}”`) : null,
  );
}

function headcountEntry(dash: Dash, e: Headcount, today: string): HTMLElement {
  return h(
    'li',
    { class: 'change change--headcount', 'data-seq': e.seq, 'data-room-id': e.roomId },
    h('span', { class: 'change__time' }, whenText(Date.parse(e.at), dash.ctx.zone, today)),
    ' ',
    h('strong', { class: 'change__label' }, 'Headcount'),
    ' ',
    h('span', { class: 'change__title' }, dash.ctx.roomName(e.roomId)),
    h('span', { class: 'change__detail' }, ` — counted ${e.count} (was ${e.previous})`),
  );
}

function renderFeed(dash: Dash, headcounts: readonly Headcount[]): void {
  const list = byId('change-feed', HTMLElement);
  const today = dayOf(Date.now(), dash.ctx.zone);
  const entries = [
    ...[...dash.store.state.changes.values()].map((c) => ({ seq: c.seq, el: () => changeEntry(dash, c, today) })),
    ...headcounts.map((e) => ({ seq: e.seq, el: () => headcountEntry(dash, e, today) })),
  ]
    .sort((a, b) => b.seq - a.seq)
    .slice(0, FEED_SIZE);
  if (entries.length === 0) {
    fill(list, h('li', null, 'No changes yet.'));
    return;
  }
  fill(list, ...entries.map((e) => e.el()));
}

export function feedPanel(dash: Dash): void {
  // Headcounts are heard live (the change feed API lists schedule changes only).
  const headcounts: Headcount[] = [];
  dash.store.subscribe(({ event }) => {
    if (event?.name !== 'room.headcount') return;
    const { data } = event;
    headcounts.unshift({ seq: event.seq, at: event.at, roomId: data.roomId, count: data.count, previous: data.previous });
    headcounts.length = Math.min(headcounts.length, FEED_SIZE);
    dash.invalidate('changes');
  });
  dash.panel(['changes', 'sessions', 'rooms', 'event'], () => renderFeed(dash, headcounts));
}

/** Shown in the feed's status line when the feed could not be read after a snapshot. */
export function feedError(message: string): void {
  byId('feed-status', HTMLElement).textContent = message;
}
