// Registration desk page: badge scans with a big result and a sound, offline verification from a synced list, an outbox, name search with check-in by name, walk-ins, badge printing and undo.
import type { CheckinAnswer, OfflineList } from '../../src/contract/index.js';
import { ApiError, type ApiClient } from './api.js';
import { byId } from './dom.js';
import { connectStore } from './live-connect.js';
import { createLiveStore } from './live-store.js';
import { startPage } from './page.js';
import { openScanQueue } from './scan-queue.js';
import { timeOf } from './time.js';
import { AttendeePanel } from './desk/attendee.js';
import { deskZone, type Desk } from './desk/context.js';
import { OfflineAttendees } from './desk/offline-list.js';
import { Outbox } from './desk/outbox.js';
import { RecentScans } from './desk/recent.js';
import { resultPanel, REVOKED_TEXT } from './desk/result.js';
import { Scanner } from './desk/scan.js';
import { Search } from './desk/search.js';
import { Sounds } from './desk/sound.js';
import { canVerify } from './desk/verify.js';
import { wireWalkIn } from './desk/walk-in.js';

const FLUSH_EVERY_MS = 15_000;
/** The offline list is refreshed this often while online (and after every reconnect). */
const LIST_EVERY_MS = 60_000;
/** How often the desk checks whether the event day is over (the list is wiped then). */
const DAY_CHECK_MS = 60_000;

/** Every call of the desk goes through here, so that a refused token (401) is noticed wherever it shows. */
function watchUnauthorized(api: ApiClient, onUnauthorized: () => void): ApiClient {
  const watch = async <T>(call: Promise<T>): Promise<T> => {
    try {
      return await call;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onUnauthorized();
      throw err;
    }
  };
  return { api: (path, init) => watch(api.api(path, init)), blob: (path, init) => watch(api.blob(path, init)) };
}

async function main(): Promise<void> {
  // A new link (#token=…) opened in this tab is a new device: start over with it.
  window.addEventListener('hashchange', () => {
    if (new URLSearchParams(window.location.hash.slice(1)).has('token')) window.location.reload();
  });
  const page = startPage('desk', ' Scans are checked on this device and queued.');
  if (!page) return;
  const queue = await openScanQueue();
  const store = createLiveStore();
  const message = byId('desk-message', HTMLElement);
  const listStatus = byId('offline-list', HTMLElement);
  let scanner: Scanner | null = null;
  let revoked = false;
  let offline: OfflineAttendees | null = null;
  const sounds = new Sounds();

  const desk: Desk = {
    page,
    api: page.api,
    store,
    say: (text) => {
      message.textContent = text;
    },
    focusScan: () => scanner?.focus(),
    revoked: () => revoked,
  };
  const result = resultPanel(desk, sounds);

  const showList = (): void => {
    if (!offline?.ready) {
      listStatus.dataset.state = 'none';
      listStatus.textContent = revoked
        ? 'Offline list: wiped from this device (revoked).'
        : canVerify()
        ? 'Offline list: not synced yet — offline scans are queued unchecked.'
        : 'Offline list: this browser cannot check signatures here (needs https) — offline scans are queued unchecked.';
      return;
    }
    listStatus.dataset.state = 'ready';
    const at = offline.syncedAt ? timeOf(Date.parse(offline.syncedAt), deskZone(desk)) : '';
    listStatus.textContent = `Offline list: ${offline.size} ${offline.size === 1 ? 'attendee' : 'attendees'}, synced ${at}.`;
  };

  const markRevoked = (): void => {
    if (revoked) return;
    revoked = true;
    // A revoked device must not keep a list of people.
    void offline?.wipe().then(showList);
    result.revoked();
    const problem = byId('token-problem', HTMLElement);
    problem.textContent = REVOKED_TEXT;
    problem.hidden = false;
  };
  desk.api = watchUnauthorized(page.api, markRevoked);

  offline = await OfflineAttendees.open(() => deskZone(desk));
  const list = offline;
  const sync = async (): Promise<void> => {
    if (revoked) return;
    try {
      await list.replace(await desk.api.api<OfflineList>('/api/checkins/offline-list'), deskZone(desk));
    } catch {
      // Offline or refused: the list kept so far still decides (a 401 has wiped it).
    }
    showList();
  };

  const recent = new RecentScans(desk, (scanId) => void scanner?.undo(scanId));
  const attendee = new AttendeePanel(desk, (id, reason) => scanner?.checkInByName(id, reason) ?? Promise.resolve(null));
  const onAnswer = (answer: CheckinAnswer): void => {
    attendee.follow(answer);
    if (answer.result !== 'rejected' && answer.attendee) void list.arrived(answer.attendee.id, answer.checkin.at);
  };
  const outbox = new Outbox(desk, queue, recent, onAnswer);
  scanner = new Scanner(desk, outbox, recent, result, list, onAnswer, (id) => void attendee.refresh(id));
  const search = new Search(desk, (id) => void attendee.show(id));
  scanner.wire(() => search.close());
  search.wire();
  wireWalkIn(desk, attendee, (code) => scanner?.scan(code) ?? Promise.resolve());

  const arrivals = byId('arrivals-total', HTMLElement);
  store.subscribe(({ parts }) => {
    if (parts.has('stats') && store.state.checkinStats) arrivals.textContent = `${store.state.checkinStats.total} checked in`;
    // Times are shown in the event's zone, which the snapshot tells.
    if (parts.has('event')) {
      recent.render();
      showList();
    }
  });

  showList();
  await outbox.start();
  window.setInterval(() => void outbox.flush(), FLUSH_EVERY_MS);
  window.setInterval(() => {
    if (page.online()) void sync();
  }, LIST_EVERY_MS);
  window.setInterval(() => {
    void list.expireIfDayEnded(deskZone(desk)).then((wiped) => {
      if (wiped) showList();
    });
  }, DAY_CHECK_MS);
  void outbox.flush();
  void sync();
  connectStore(page, store, {
    topics: ['checkins'],
    onStatus: (status, reason) => {
      if (reason === 'revoked') markRevoked();
      if (status === 'online') {
        void outbox.flush();
        void sync();
      }
    },
  });
}

void main();
