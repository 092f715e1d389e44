// The kiosk's room cards: what the server says is on now and next in each room, delays, moves and cancellations, a page of rooms at a time.
import type { ChangeEntry, SessionWire } from '../../../src/contract/index.js';
import { byId, fill, h } from '../dom.js';
import { ROOM_STATUS_LABELS } from '../labels.js';
import type { Room } from '../live-store.js';
import { latestChanges, sessionMarkers } from '../schedule.js';
import { dayOf, sessionEnd, sessionStart, timeOf, timeOnDay } from '../time.js';
import { visibleRooms, type KioskView } from './view.js';

const ROOMS_PER_SCREEN = 6;
/** How far ahead a move away or a cancellation is worth telling people waiting at a room. */
const LOOKAHEAD_MS = 3 * 60 * 60_000;
const CANCELLED_SHOWN = 2;

function timeBlock(view: KioskView, s: SessionWire, today: string): HTMLElement {
  const zone = view.ctx.zone;
  const range = `${timeOnDay(sessionStart(s), zone, today)}–${timeOf(sessionEnd(s), zone)}`;
  if (s.delayMinutes > 0 && s.status !== 'cancelled') {
    return h(
      'p',
      { class: 'session__time' },
      h('span', { class: 'visually-hidden' }, 'originally '),
      h('s', { class: 'session__was' }, timeOf(Date.parse(s.startsAt), zone)),
      ' ',
      h('span', { class: 'visually-hidden' }, 'now '),
      range,
    );
  }
  return h('p', { class: 'session__time' }, range);
}

function sessionBlock(view: KioskView, s: SessionWire, latest: ChangeEntry | undefined, today: string): HTMLElement {
  const markers = sessionMarkers(s, latest, view.ctx);
  const meta = [s.type ? s.type.charAt(0).toUpperCase() + s.type.slice(1) : '', s.speakers.join(', ')]
    .filter((x) => x)
    .join(' · ');
  const changed = markers.some((m) => m.kind !== 'restricted');
  return h(
    'div',
    { class: 'session', 'data-session-id': s.id, 'data-status': s.status },
    timeBlock(view, s, today),
    h('p', { class: 'session__title' }, s.title),
    meta ? h('p', { class: 'session__meta' }, meta) : null,
    markers.length > 0
      ? h('ul', { class: 'markers' }, ...markers.map((m) => h('li', { class: `marker marker--${m.kind}` }, m.text)))
      : null,
    changed && s.changeNote ? h('p', { class: 'session__note' }, s.changeNote) : null,
  );
}

/** Sessions moved out of this room that people may still come here for. */
function movedAway(view: KioskView, room: Room, now: number, latest: Map<string, ChangeEntry>): HTMLElement[] {
  const lines: HTMLElement[] = [];
  for (const change of latest.values()) {
    if (change.kind !== 'moved' || change.before?.roomId !== room.id) continue;
    const s = view.store.state.sessions.get(change.sessionId);
    if (!s || s.roomId === room.id || s.status === 'cancelled') continue;
    if (sessionEnd(s) <= now || sessionStart(s) > now + LOOKAHEAD_MS) continue;
    lines.push(
      h(
        'li',
        { class: 'room__note marker--moved' },
        h('strong', null, 'Moved: '),
        `${s.title} → ${view.ctx.roomName(s.roomId)}, ${timeOf(sessionStart(s), view.ctx.zone)}`,
      ),
    );
  }
  return lines;
}

/** Cancelled sessions of this room that would have been on before its next one, so that nobody waits for them. */
function cancelledHere(view: KioskView, room: Room, next: SessionWire | null, now: number): SessionWire[] {
  const horizon = next ? sessionStart(next) : now + LOOKAHEAD_MS;
  return [...view.store.state.sessions.values()]
    .filter((s) => s.roomId === room.id && s.status === 'cancelled' && sessionEnd(s) > now && sessionStart(s) <= horizon)
    .sort((a, b) => sessionStart(a) - sessionStart(b))
    .slice(0, CANCELLED_SHOWN);
}

function slot(view: KioskView, kind: 'now' | 'next', s: SessionWire | null, latest: Map<string, ChangeEntry>, today: string): HTMLElement {
  return h(
    'section',
    { class: `slot slot--${kind}` },
    h('h3', { class: 'slot__label' }, kind === 'now' ? 'Now' : 'Next'),
    s
      ? sessionBlock(view, s, latest.get(s.id), today)
      : h('p', { class: 'slot__empty' }, kind === 'now' ? 'Nothing on now' : 'No more sessions here'),
  );
}

function roomCard(view: KioskView, room: Room, now: number, today: string, latest: Map<string, ChangeEntry>): HTMLElement {
  const { sessions, nowNext } = view.store.state;
  const known = (id: string | null | undefined): SessionWire | null => (id ? (sessions.get(id) ?? null) : null);
  const current = known(nowNext.get(room.id)?.currentId);
  const next = known(nowNext.get(room.id)?.nextId);
  const tags: HTMLElement[] = [];
  if (room.status !== 'open') {
    tags.push(h('span', { class: 'tag tag--closed' }, ROOM_STATUS_LABELS[room.status]));
  } else if (room.full) {
    tags.push(h('span', { class: 'tag tag--full' }, 'Full'));
  }
  const notes = [
    ...cancelledHere(view, room, next, now).map((s) =>
      h(
        'li',
        { class: 'room__note marker--cancelled', 'data-session-id': s.id },
        h('strong', null, 'Cancelled: '),
        `${s.title} (was ${timeOnDay(sessionStart(s), view.ctx.zone, today)})`,
        s.changeNote ? ` — ${s.changeNote}` : '',
      ),
    ),
    ...movedAway(view, room, now, latest),
  ];
  const headingId = `room-${room.id}`;
  return h(
    'article',
    { class: 'room', 'data-room-id': room.id, 'data-room-status': room.status, 'aria-labelledby': headingId },
    h('header', { class: 'room__head' }, h('h2', { id: headingId, class: 'room__name' }, room.name), ...tags),
    slot(view, 'now', current, latest, today),
    slot(view, 'next', next, latest, today),
    notes.length > 0 ? h('ul', { class: 'room__notes' }, ...notes) : null,
  );
}

/** Shows page `screenIndex` (modulo the number of pages) of the rooms this screen is for. */
export function renderRooms(view: KioskView, now: number, screenIndex: number): void {
  const grid = byId('rooms', HTMLElement);
  const pager = byId('rooms-pager', HTMLElement);
  const rooms = visibleRooms(view);
  if (!view.store.state.loaded) {
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
  const today = dayOf(now, view.ctx.zone);
  const latest = latestChanges(view.store.state.changes.values());
  grid.dataset.count = String(shown.length);
  fill(grid, ...shown.map((r) => roomCard(view, r, now, today, latest)));
  pager.hidden = screens < 2;
  pager.textContent = `Rooms ${index + 1} of ${screens}`;
}
