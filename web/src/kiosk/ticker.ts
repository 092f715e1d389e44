// The kiosk's "Programme changes" list: the newest changes to sessions not over yet, for the rooms this screen is for.
import { byId, fill, h } from '../dom.js';
import { changeItem } from '../schedule.js';
import { sessionEnd } from '../time.js';
import { concernsScreen, type KioskView } from './view.js';

const TICKER_SIZE = 6;

export function renderTicker(view: KioskView, now: number): void {
  const { changes, sessions } = view.store.state;
  const list = byId('changes', HTMLElement);
  const relevant = [...changes.values()]
    .filter((c) => {
      const s = sessions.get(c.sessionId);
      if (!s || sessionEnd(s) <= now) return false;
      return concernsScreen(view, [s.roomId, c.before?.roomId, c.after?.roomId]);
    })
    .sort((a, b) => b.seq - a.seq)
    .slice(0, TICKER_SIZE);
  if (relevant.length === 0) {
    fill(list, h('li', { class: 'change change--none' }, 'No changes to the programme.'));
    return;
  }
  fill(list, ...relevant.map((c) => changeItem(c, view.ctx)));
}
