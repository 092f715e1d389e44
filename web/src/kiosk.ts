// Kiosk page: public now/next per room, recent changes, announcements and an emergency takeover, readable from three metres.
import { connectStore } from './live-connect.js';
import { createLiveStore } from './live-store.js';
import { followNowNext } from './now-next.js';
import { startPage } from './page.js';
import { restoreCache, saveCache } from './kiosk/cache.js';
import { renderClock, renderTitle } from './kiosk/clock.js';
import { renderAnnouncements, renderEmergency } from './kiosk/notices.js';
import { renderRooms } from './kiosk/rooms.js';
import { renderTicker } from './kiosk/ticker.js';
import { kioskView, type KioskView } from './kiosk/view.js';

const ROTATE_MS = 15_000;
const KEPT_CHANGES = 300;
const RENDER_DELAY_MS = 50;

function main(): void {
  const page = startPage('kiosk', ' Showing the last known schedule.');
  if (!page) {
    renderClock(Date.now());
    window.setInterval(() => renderClock(Date.now()), 1000);
    return;
  }
  const store = createLiveStore({ keepChanges: KEPT_CHANGES });
  const view: KioskView = kioskView(store, window.location.search);
  let screenIndex = 0;

  const render = (): void => {
    const now = Date.now();
    renderTitle(store.state.event?.title);
    renderClock(now, view.ctx.zone);
    renderRooms(view, now, screenIndex);
    renderAnnouncements(view, now);
    renderTicker(view, now);
    renderEmergency(view, now);
  };
  let renderQueued = false;
  const scheduleRender = (): void => {
    if (renderQueued) return;
    renderQueued = true;
    window.setTimeout(() => {
      renderQueued = false;
      render();
    }, RENDER_DELAY_MS);
  };

  restoreCache(store);
  const nowNext = followNowNext(store, page.api);
  store.subscribe(({ replaced }) => {
    saveCache(store);
    if (replaced) render();
    else scheduleRender();
  });
  render();

  let wasOnline = false;
  connectStore(page, store, {
    topics: ['schedule', 'announcements'],
    roomIds: view.filter,
    changes: true,
    onStatus: (status) => {
      // A socket resumed with `since` (after an outage, or from a saved copy) replays events but
      // brings no snapshot: what is on now is asked again.
      if (status === 'online' && !wasOnline && store.state.loaded) nowNext.refresh();
      wasOnline = status === 'online';
    },
  });

  window.setInterval(() => renderClock(Date.now(), view.ctx.zone), 1000);
  window.setInterval(() => {
    screenIndex += 1;
    render();
  }, ROTATE_MS);
}

main();
