// The dashboard's change feed: the newest public schedule changes, as kiosks show them.
import { byId, fill, h } from '../dom.js';
import { changeItem } from '../schedule.js';
import type { Dash } from './context.js';

const FEED_SIZE = 60;

function renderFeed(dash: Dash): void {
  const list = byId('change-feed', HTMLElement);
  const changes = [...dash.store.state.changes.values()].sort((a, b) => b.seq - a.seq).slice(0, FEED_SIZE);
  if (changes.length === 0) {
    fill(list, h('li', null, 'No changes yet.'));
    return;
  }
  fill(list, ...changes.map((c) => changeItem(c, dash.ctx)));
}

export function feedPanel(dash: Dash): void {
  dash.panel(['changes', 'sessions', 'rooms', 'event'], () => renderFeed(dash));
}

/** Shown in the feed's status line when the feed could not be read after a snapshot. */
export function feedError(message: string): void {
  byId('feed-status', HTMLElement).textContent = message;
}
