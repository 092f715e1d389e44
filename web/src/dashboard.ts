// Staff dashboard: room occupancy and alerts, the day's sessions with quick changes, arrivals, change feed, announcements and allocation plans.
import { byId } from './dom.js';
import { connectStore } from './live-connect.js';
import { createLiveStore } from './live-store.js';
import { problemText, startPage } from './page.js';
import { dayOf } from './time.js';
import { allocationPanel } from './dashboard/allocation.js';
import { announcementsPanel } from './dashboard/announcements.js';
import { arrivalsPanel } from './dashboard/arrivals.js';
import { createDash, type Dash } from './dashboard/context.js';
import { editorPanel } from './dashboard/editor.js';
import { feedError, feedPanel } from './dashboard/feed.js';
import { roomPanels } from './dashboard/rooms.js';
import { sessionsPanel } from './dashboard/sessions.js';

/** Today in the event's zone, or, outside the event's days, the next of them (else the last). */
function defaultDay(dash: Dash): string {
  const today = dayOf(Date.now(), dash.ctx.zone);
  const days = [...(dash.store.state.event?.days ?? [])].sort();
  if (days.length === 0 || days.includes(today)) return today;
  return days.find((d) => d > today) ?? days[days.length - 1] ?? today;
}

function main(): void {
  const page = startPage('dashboard');
  if (!page) return;
  const store = createLiveStore();
  const dash = createDash(store, page.api);
  roomPanels(dash);
  sessionsPanel(dash);
  editorPanel(dash);
  arrivalsPanel(dash);
  feedPanel(dash);
  announcementsPanel(dash);
  allocationPanel(dash);

  // The zone and the days come with the first snapshot: until then no day is chosen.
  store.subscribe(({ parts }) => {
    if (!parts.has('event') || !store.state.event) return;
    byId('zone', HTMLElement).textContent = `Times in ${dash.ctx.zone}`;
    if (dash.view.day) return;
    dash.view.day = defaultDay(dash);
    dash.invalidate('day');
  });
  connectStore(page, store, {
    changes: true,
    onChangesError: (err) => feedError(`Could not load the changes: ${problemText(err)}`),
  });
}

main();
