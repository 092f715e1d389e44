// Kiosk page: public now/next per room, the day's net changes, announcements and an emergency takeover, readable from three metres; ?roomIds=<one> is a door screen.
import { ApiError } from './api.js';
import { byId } from './dom.js';
import { connectStore } from './live-connect.js';
import { createLiveStore } from './live-store.js';
import { followNowNext } from './now-next.js';
import { startPage } from './page.js';
import { restoreCache, saveCache } from './kiosk/cache.js';
import { renderClock, renderTitle } from './kiosk/clock.js';
import { startOfDay } from './kiosk/day.js';
import { netChanges } from './kiosk/net.js';
import { renderAnnouncements, renderEmergency } from './kiosk/notices.js';
import { renderRooms } from './kiosk/rooms.js';
import { renderTicker } from './kiosk/ticker.js';
import { kioskView, type KioskView } from './kiosk/view.js';

const KEPT_CHANGES = 2000;
const RENDER_DELAY_MS = 50;
const STALE_NOTE = ' Showing the last known schedule.';
const REFUSED = 'This screen’s link is not valid: the server refused its device token. Ask the organisers for a new kiosk link.';
const REVOKED = 'This screen’s device token was revoked. Ask the organisers for a new kiosk link.';

function main(): void {
  const store = createLiveStore({ keepChanges: KEPT_CHANGES });
  const view: KioskView = kioskView(store, window.location.search);
  document.body.classList.toggle('kiosk--door', view.door);
  const page = startPage('kiosk');
  if (!page) {
    document.body.classList.add('has-token-problem');
    renderClock(Date.now());
    window.setInterval(() => renderClock(Date.now()), 1000);
    return;
  }
  let screenIndex = 0;
  let tokenProblem: string | null = null;
  const marker = byId('status', HTMLElement);

  const render = (): void => {
    const now = view.now();
    document.body.classList.toggle('has-token-problem', tokenProblem !== null);
    document.body.classList.toggle('token-in-grid', tokenProblem !== null);
    const net = netChanges(store.state.changes.values(), store.state.sessions, startOfDay(now, view.ctx.zone));
    renderTitle(store.state.event?.title);
    renderClock(now, view.ctx.zone);
    renderAnnouncements(view, now);
    renderTicker(view, now, net);
    renderRooms(view, now, screenIndex, net, tokenProblem);
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

  const refuse = (text: string): void => {
    tokenProblem = text;
    render();
  };
  // A socket refused at the upgrade looks like a network failure to a browser: one API call tells the two apart.
  const probeToken = async (): Promise<void> => {
    try {
      await page.api.api('/api/schedule/now');
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403) && tokenProblem === null) refuse(REFUSED);
    }
  };

  restoreCache(store);
  const nowNext = followNowNext(store, page.api, () => view.now());
  store.subscribe(({ replaced }) => {
    saveCache(store);
    if (replaced) render();
    else scheduleRender();
  });
  render();

  let wasOnline = false;
  let probed = false;
  connectStore(page, store, {
    topics: ['schedule', 'announcements'],
    roomIds: view.filter,
    changes: true,
    onServerTime: (at) => view.setServerTime(at),
    onStatus: (status, reason) => {
      // A socket resumed with `since` (after an outage, or from a saved copy) replays events but
      // brings no snapshot: what is on now is asked again.
      if (status === 'online' && !wasOnline && store.state.loaded) nowNext.refresh();
      wasOnline = status === 'online';
      if (reason === 'revoked') refuse(REVOKED);
      else if (status !== 'online' && store.state.loaded) marker.textContent = `${marker.textContent ?? ''}${STALE_NOTE}`;
      if (status !== 'online' && reason !== 'connecting' && reason !== 'revoked' && !probed) {
        probed = true;
        void probeToken();
      }
      if (status === 'online') probed = false;
    },
  });

  window.setInterval(() => renderClock(view.now(), view.ctx.zone), 1000);
  window.setInterval(() => {
    screenIndex += 1;
    render();
  }, view.rotateMs);
}

main();
