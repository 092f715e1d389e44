// The kiosk's "Programme changes": the day's net change per session still to come, newest first, as many as fit the column.
import type { SessionWire } from '../../../src/contract/index.js';
import { byId, fill, h } from '../dom.js';
import { CHANGE_LABELS } from '../schedule.js';
import { sessionEnd, sessionStart, timeOf } from '../time.js';
import type { NetChange } from './net.js';
import { concernsScreen, type KioskView } from './view.js';

const TICKER_MAX = 8;

function detailOf(view: KioskView, c: NetChange, s: SessionWire): string {
  const zone = view.ctx.zone;
  const roomName = (id: string): string => view.ctx.roomName(id);
  switch (c.kinds[0]) {
    case 'moved':
      return `${roomName(c.was.roomId ?? s.roomId)} → ${roomName(s.roomId)}, ${timeOf(sessionStart(s), zone)}`;
    case 'retimed':
      return `${timeOf(Date.parse(c.was.startsAt ?? s.startsAt), zone)} → ${timeOf(sessionStart(s), zone)}, ${roomName(s.roomId)}`;
    case 'delayed':
      return s.delayMinutes > 0 ? `now ${timeOf(sessionStart(s), zone)} (${s.delayMinutes} min late), ${roomName(s.roomId)}` : `back on time, ${roomName(s.roomId)}`;
    case 'renamed':
      return `was “${c.was.title ?? ''}”`;
    default:
      return `${timeOf(sessionStart(s), zone)}, ${roomName(s.roomId)}`;
  }
}

function item(view: KioskView, c: NetChange, s: SessionWire): HTMLLIElement {
  const kind = c.kinds[0]!;
  return h(
    'li',
    { class: `change change--${kind}`, 'data-seq': c.seq, 'data-session-id': c.sessionId, 'data-kind': kind },
    h('strong', { class: 'change__label' }, CHANGE_LABELS[kind]),
    ' ',
    h('span', { class: 'change__title' }, s.title),
    h('span', { class: 'change__detail' }, ` — ${detailOf(view, c, s)}`),
    c.note ? h('span', { class: 'change__note' }, ` “${c.note}”`) : null,
  );
}

/** Drops the last (oldest) items of a list until it fits its own height. */
export function fitList(list: HTMLElement): void {
  while (list.children.length > 1 && list.scrollHeight > list.clientHeight) list.lastElementChild?.remove();
}

export function renderTicker(view: KioskView, now: number, net: Map<string, NetChange>): void {
  const { sessions } = view.store.state;
  const list = byId('changes', HTMLElement);
  const relevant = [...net.values()]
    .map((c) => ({ c, s: sessions.get(c.sessionId) }))
    .filter((x): x is { c: NetChange; s: SessionWire } => {
      if (!x.s || sessionEnd(x.s) <= now) return false;
      return concernsScreen(view, [x.s.roomId, x.c.was.roomId]);
    })
    .sort((a, b) => b.c.seq - a.c.seq)
    .slice(0, TICKER_MAX);
  if (relevant.length === 0) {
    fill(list, h('li', { class: 'change change--none' }, 'No changes to the programme today.'));
    return;
  }
  fill(list, ...relevant.map(({ c, s }) => item(view, c, s)));
  fitList(list);
}
