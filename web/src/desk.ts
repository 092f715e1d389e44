// Registration desk page: badge scans with a big result, an offline outbox, name search, walk-ins, badge printing and undo.
import { byId } from './dom.js';
import { connectStore } from './live-connect.js';
import { createLiveStore } from './live-store.js';
import { startPage } from './page.js';
import { openScanQueue } from './scan-queue.js';
import { AttendeePanel } from './desk/attendee.js';
import type { Desk } from './desk/context.js';
import { Outbox } from './desk/outbox.js';
import { RecentScans } from './desk/recent.js';
import { resultPanel } from './desk/result.js';
import { Scanner } from './desk/scan.js';
import { Search } from './desk/search.js';
import { wireWalkIn } from './desk/walk-in.js';

const FLUSH_EVERY_MS = 15_000;

async function main(): Promise<void> {
  const page = startPage('desk', ' Scans are queued on this device.');
  if (!page) return;
  const queue = await openScanQueue();
  const store = createLiveStore();
  const message = byId('desk-message', HTMLElement);
  let scanner: Scanner | null = null;
  const desk: Desk = {
    page,
    api: page.api,
    store,
    say: (text) => {
      message.textContent = text;
    },
    focusScan: () => scanner?.focus(),
  };

  const recent = new RecentScans(desk, (scanId) => void scanner?.undo(scanId));
  const outbox = new Outbox(desk, queue, recent);
  scanner = new Scanner(desk, outbox, recent, resultPanel(desk));
  const attendee = new AttendeePanel(desk);
  const search = new Search(desk, (id) => void attendee.show(id));
  scanner.wire(() => search.close());
  search.wire();
  wireWalkIn(desk, attendee);

  const arrivals = byId('arrivals-total', HTMLElement);
  store.subscribe(({ parts }) => {
    if (parts.has('stats') && store.state.checkinStats) arrivals.textContent = `${store.state.checkinStats.total} checked in`;
    // Times are shown in the event's zone, which the snapshot tells.
    if (parts.has('event')) recent.render();
  });

  await outbox.start();
  window.setInterval(() => void outbox.flush(), FLUSH_EVERY_MS);
  void outbox.flush();
  connectStore(page, store, {
    topics: ['checkins'],
    onStatus: (status) => {
      if (status === 'online') void outbox.flush();
    },
  });
}

void main();
