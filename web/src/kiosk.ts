// Kiosk page: public now/next per room, recent changes, announcements and an emergency takeover, readable from three metres.
import { cursorKey, type LiveEvent } from './live-client.js';
import {
  isRecord,
  readAnnouncement,
  readChange,
  readList,
  readRoom,
  readSession,
  readSessionEvent,
  ROOM_STATUS_LABELS,
  type Announcement,
  type Room,
  type ScheduleChange,
  type Session,
} from './model.js';
import { byId, changeItem, fill, h, loadAllChanges, loadConference, startPage } from './page.js';
import {
  CHANGE_LABELS,
  latestChanges,
  roomSlots,
  sessionMarkers,
  type ScheduleContext,
} from './schedule.js';
import {
  DEFAULT_ZONE,
  dayOf,
  effectiveEnd,
  effectiveStart,
  longDateOf,
  timeOf,
  timeOnDay,
  validZone,
} from './time.js';

const ROOMS_PER_SCREEN = 6;
const ROTATE_MS = 15_000;
const TICKER_SIZE = 6;
const KEPT_CHANGES = 300;
const CACHE_KEY = 'eventday.kiosk.state';
const LOOKAHEAD_MS = 3 * 60 * 60_000;

interface KioskState {
  loaded: boolean;
  zone: string;
  title: string;
  rooms: Map<string, Room>;
  sessions: Map<string, Session>;
  announcements: Map<string, Announcement>;
  changes: Map<number, ScheduleChange>;
}

const state: KioskState = {
  loaded: false,
  zone: DEFAULT_ZONE,
  title: '',
  rooms: new Map(),
  sessions: new Map(),
  announcements: new Map(),
  changes: new Map(),
};

const roomFilter: string[] = (new URLSearchParams(window.location.search).get('roomIds') ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s.length > 0);

let screenIndex = 0;

const ctx: ScheduleContext = {
  get zone() {
    return state.zone;
  },
  roomName: (id) => state.rooms.get(id)?.name ?? 'another room',
  sessionTitle: (id) => state.sessions.get(id)?.title ?? null,
};

function byKey<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}

function keepRecentChanges(): void {
  if (state.changes.size <= KEPT_CHANGES) return;
  const seqs = [...state.changes.keys()].sort((a, b) => a - b);
  for (const seq of seqs.slice(0, seqs.length - KEPT_CHANGES)) state.changes.delete(seq);
}

// The cache lets a reloaded kiosk show the last known schedule at once, even while the server is
// unreachable; it is written in the same task as the live client's cursor, so the two always agree.
function saveCache(): void {
  const cursor = readCursor();
  if (!cursor) return;
  try {
    window.sessionStorage.setItem(
      CACHE_KEY,
      JSON.stringify({
        seq: cursor.seq,
        epoch: cursor.epoch,
        zone: state.zone,
        title: state.title,
        rooms: [...state.rooms.values()],
        sessions: [...state.sessions.values()],
        announcements: [...state.announcements.values()],
        changes: [...state.changes.values()],
      }),
    );
  } catch {
    // Storage full or disabled: the kiosk still works, it just starts empty after a reload.
  }
}

function readCursor(): { seq: number; epoch: string } | null {
  try {
    const parsed: unknown = JSON.parse(window.sessionStorage.getItem(cursorKey('kiosk')) ?? 'null');
    if (isRecord(parsed) && typeof parsed.seq === 'number' && typeof parsed.epoch === 'string') {
      return { seq: parsed.seq, epoch: parsed.epoch };
    }
  } catch {
    // Treated as no cursor.
  }
  return null;
}

function restoreCache(): void {
  const cursor = readCursor();
  let cached: unknown;
  try {
    cached = JSON.parse(window.sessionStorage.getItem(CACHE_KEY) ?? 'null');
  } catch {
    return;
  }
  if (!cursor || !isRecord(cached) || cached.seq !== cursor.seq || cached.epoch !== cursor.epoch) return;
  state.zone = validZone(cached.zone) ?? state.zone;
  state.title = typeof cached.title === 'string' ? cached.title : '';
  state.rooms = byKey(readList(cached.rooms, readRoom));
  state.sessions = byKey(readList(cached.sessions, readSession));
  state.announcements = byKey(readList(cached.announcements, readAnnouncement));
  state.changes = new Map(readList(cached.changes, readChange).map((c) => [c.seq, c]));
  state.loaded = true;
}

function visibleRooms(): Room[] {
  if (roomFilter.length > 0) {
    return roomFilter.map((id) => state.rooms.get(id)).filter((r): r is Room => r !== undefined);
  }
  return [...state.rooms.values()]
    .filter((r) => r.status !== 'out_of_service')
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

function concernsScreen(roomIds: unknown[]): boolean {
  if (roomFilter.length === 0) return true;
  return roomIds.some((id) => typeof id === 'string' && roomFilter.includes(id));
}

function timeBlock(s: Session, today: string): HTMLElement {
  const start = effectiveStart(s);
  const end = effectiveEnd(s);
  const range = `${timeOnDay(start, state.zone, today)}–${timeOf(end, state.zone)}`;
  if (s.delayMinutes > 0 && s.status !== 'cancelled') {
    return h(
      'p',
      { class: 'session__time' },
      h('span', { class: 'visually-hidden' }, 'originally '),
      h('s', { class: 'session__was' }, timeOf(Date.parse(s.startsAt), state.zone)),
      ' ',
      h('span', { class: 'visually-hidden' }, 'now '),
      range,
    );
  }
  return h('p', { class: 'session__time' }, range);
}

function sessionBlock(s: Session, latest: ScheduleChange | undefined, today: string): HTMLElement {
  const markers = sessionMarkers(s, latest, ctx);
  const meta = [s.type ? s.type.charAt(0).toUpperCase() + s.type.slice(1) : '', s.speakers.join(', ')]
    .filter((x) => x)
    .join(' · ');
  const changed = markers.some((m) => m.kind !== 'restricted');
  return h(
    'div',
    { class: 'session', 'data-session-id': s.id, 'data-status': s.status },
    timeBlock(s, today),
    h('p', { class: 'session__title' }, s.title),
    meta ? h('p', { class: 'session__meta' }, meta) : null,
    markers.length > 0
      ? h('ul', { class: 'markers' }, ...markers.map((m) => h('li', { class: `marker marker--${m.kind}` }, m.text)))
      : null,
    changed && s.changeNote ? h('p', { class: 'session__note' }, s.changeNote) : null,
  );
}

function movedAway(room: Room, now: number, latest: Map<string, ScheduleChange>): HTMLElement[] {
  const lines: HTMLElement[] = [];
  for (const change of latest.values()) {
    if (change.kind !== 'moved' || change.before?.roomId !== room.id) continue;
    const s = state.sessions.get(change.sessionId);
    if (!s || s.roomId === room.id || s.status === 'cancelled') continue;
    if (effectiveEnd(s) <= now || effectiveStart(s) > now + LOOKAHEAD_MS) continue;
    lines.push(
      h(
        'li',
        { class: 'room__note marker--moved' },
        h('strong', null, 'Moved: '),
        `${s.title} → ${ctx.roomName(s.roomId)}, ${timeOf(effectiveStart(s), state.zone)}`,
      ),
    );
  }
  return lines;
}

function roomCard(room: Room, now: number, today: string, latest: Map<string, ScheduleChange>): HTMLElement {
  const slots = roomSlots(state.sessions.values(), room.id, now);
  const tags: HTMLElement[] = [];
  if (room.status !== 'open') {
    tags.push(h('span', { class: 'tag tag--closed' }, ROOM_STATUS_LABELS[room.status] ?? room.status));
  } else if (room.full) {
    tags.push(h('span', { class: 'tag tag--full' }, 'Full'));
  }
  const notes = [
    ...slots.cancelled.map((s) =>
      h(
        'li',
        { class: 'room__note marker--cancelled', 'data-session-id': s.id },
        h('strong', null, 'Cancelled: '),
        `${s.title} (was ${timeOnDay(effectiveStart(s), state.zone, today)})`,
        s.changeNote ? ` — ${s.changeNote}` : '',
      ),
    ),
    ...movedAway(room, now, latest),
  ];
  const headingId = `room-${room.id}`;
  return h(
    'article',
    { class: 'room', 'data-room-id': room.id, 'data-room-status': room.status, 'aria-labelledby': headingId },
    h('header', { class: 'room__head' }, h('h2', { id: headingId, class: 'room__name' }, room.name), ...tags),
    h(
      'section',
      { class: 'slot slot--now' },
      h('h3', { class: 'slot__label' }, 'Now'),
      slots.now
        ? sessionBlock(slots.now, latest.get(slots.now.id), today)
        : h('p', { class: 'slot__empty' }, 'Nothing on now'),
    ),
    h(
      'section',
      { class: 'slot slot--next' },
      h('h3', { class: 'slot__label' }, 'Next'),
      slots.next
        ? sessionBlock(slots.next, latest.get(slots.next.id), today)
        : h('p', { class: 'slot__empty' }, 'No more sessions here'),
    ),
    notes.length > 0 ? h('ul', { class: 'room__notes' }, ...notes) : null,
  );
}

function renderRooms(now: number): void {
  const grid = byId('rooms', HTMLElement);
  const pager = byId('rooms-pager', HTMLElement);
  const rooms = visibleRooms();
  if (!state.loaded) {
    fill(grid, h('p', { class: 'placeholder' }, 'Loading the schedule…'));
    pager.hidden = true;
    return;
  }
  if (rooms.length === 0) {
    fill(grid, h('p', { class: 'placeholder' }, 'No rooms to show.'));
    pager.hidden = true;
    return;
  }
  const screens = Math.ceil(rooms.length / ROOMS_PER_SCREEN);
  const index = screenIndex % screens;
  const shown = rooms.slice(index * ROOMS_PER_SCREEN, (index + 1) * ROOMS_PER_SCREEN);
  const today = dayOf(now, state.zone);
  const latest = latestChanges(state.changes.values());
  grid.dataset.count = String(shown.length);
  fill(grid, ...shown.map((r) => roomCard(r, now, today, latest)));
  pager.hidden = screens < 2;
  pager.textContent = `Rooms ${index + 1} of ${screens}`;
}

function activeAnnouncements(now: number): Announcement[] {
  return [...state.announcements.values()]
    .filter((a) => (a.expiresAt === null || Date.parse(a.expiresAt) > now) && concernsScreen(a.roomIds ?? [null]))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

function renderAnnouncements(now: number): void {
  const list = byId('announcements', HTMLElement);
  const items = activeAnnouncements(now).filter((a) => a.severity !== 'emergency');
  byId('announcements-section', HTMLElement).hidden = items.length === 0;
  fill(
    list,
    ...items.map((a) =>
      h(
        'li',
        { class: `announcement announcement--${a.severity}`, 'data-announcement-id': a.id },
        h('strong', { class: 'announcement__label' }, a.severity === 'warning' ? 'Warning: ' : 'Notice: '),
        a.roomIds ? `${a.roomIds.map((id) => ctx.roomName(id)).join(', ')}: ` : '',
        a.text,
      ),
    ),
  );
}

function renderEmergency(now: number): void {
  const overlay = byId('emergency', HTMLElement);
  const emergency = activeAnnouncements(now).find((a) => a.severity === 'emergency');
  document.body.classList.toggle('has-emergency', emergency !== undefined);
  if (!emergency) {
    if (!overlay.hidden) {
      overlay.hidden = true;
      fill(byId('emergency-text', HTMLElement));
    }
    return;
  }
  const text = byId('emergency-text', HTMLElement);
  // Rewriting identical text would make screen readers announce the alert again every few seconds.
  if (overlay.hidden || overlay.dataset.announcementId !== emergency.id) {
    overlay.dataset.announcementId = emergency.id;
    text.textContent = emergency.text;
    byId('emergency-time', HTMLElement).textContent = `Issued ${timeOf(Date.parse(emergency.createdAt), state.zone)}`;
    overlay.hidden = false;
  }
}

function renderTicker(now: number): void {
  const list = byId('changes', HTMLElement);
  const relevant = [...state.changes.values()]
    .filter((c) => {
      const s = state.sessions.get(c.sessionId);
      if (!s || effectiveEnd(s) <= now) return false;
      return concernsScreen([s.roomId, c.before?.roomId, c.after?.roomId]);
    })
    .sort((a, b) => b.seq - a.seq)
    .slice(0, TICKER_SIZE);
  if (relevant.length === 0) {
    fill(list, h('li', { class: 'change change--none' }, 'No changes to the programme.'));
    return;
  }
  fill(list, ...relevant.map((c) => changeItem(c, ctx, state.zone)));
}

function renderClock(now: number): void {
  const clock = byId('clock', HTMLTimeElement);
  clock.textContent = timeOf(now, state.zone);
  clock.dateTime = new Date(now).toISOString();
  byId('date', HTMLElement).textContent = longDateOf(now, state.zone);
}

function render(): void {
  const now = Date.now();
  byId('event-title', HTMLElement).textContent = state.title || 'Programme';
  renderClock(now);
  renderRooms(now);
  renderAnnouncements(now);
  renderTicker(now);
  renderEmergency(now);
}

let renderQueued = false;
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  window.setTimeout(() => {
    renderQueued = false;
    render();
  }, 50);
}

function applyEvent(event: LiveEvent): void {
  switch (event.name) {
    case 'session.created':
    case 'session.updated': {
      const parsed = readSessionEvent(event.data, event.seq, event.at, event.name === 'session.created' ? 'added' : '');
      if (!parsed) return;
      state.sessions.set(parsed.session.id, parsed.session);
      if (CHANGE_LABELS[parsed.change.kind]) state.changes.set(parsed.change.seq, parsed.change);
      keepRecentChanges();
      break;
    }
    case 'room.updated': {
      const room = readRoom(event.data);
      if (room) state.rooms.set(room.id, room);
      break;
    }
    case 'announcement.created': {
      const a = readAnnouncement(event.data);
      if (a) state.announcements.set(a.id, a);
      break;
    }
    case 'announcement.removed': {
      if (isRecord(event.data) && typeof event.data.id === 'string') state.announcements.delete(event.data.id);
      break;
    }
    default:
      return;
  }
  saveCache();
  scheduleRender();
}

function main(): void {
  const page = startPage('kiosk', ' Showing the last known schedule.');
  if (!page) {
    renderClock(Date.now());
    window.setInterval(() => renderClock(Date.now()), 1000);
    return;
  }
  restoreCache();
  render();

  const loadChanges = async (): Promise<void> => {
    try {
      for (const c of await loadAllChanges(page.api)) state.changes.set(c.seq, c);
      keepRecentChanges();
      saveCache();
      scheduleRender();
    } catch {
      // The ticker then shows only changes that arrive live; the next snapshot tries again.
    }
  };

  void loadConference(page.api).then((found) => {
    if (found.zone) state.zone = found.zone;
    if (found.title) state.title = found.title;
    scheduleRender();
  });
  page.live({
    topics: ['schedule', 'announcements'],
    roomIds: roomFilter,
    hasState: () => state.loaded,
    onSnapshot(data) {
      state.rooms = byKey(readList(data.rooms, readRoom));
      state.sessions = byKey(readList(data.sessions, readSession));
      state.announcements = byKey(readList(data.announcements, readAnnouncement));
      // A snapshot may come from another epoch (a restored database) whose seqs mean something else.
      state.changes = new Map();
      const zone = validZone(data.timeZone) ?? (isRecord(data.conference) ? validZone(data.conference.time_zone_name) : null);
      if (zone) state.zone = zone;
      state.loaded = true;
      saveCache();
      render();
      void loadChanges();
    },
    onEvent: applyEvent,
  });

  window.setInterval(() => renderClock(Date.now()), 1000);
  window.setInterval(() => {
    screenIndex += 1;
    render();
  }, ROTATE_MS);
}

main();
