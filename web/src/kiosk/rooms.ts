// The kiosk's room cards: what is on now (every session, even two at once) and next today, the change markers first, a move shown in both rooms; packed into pages by measuring, so nothing is clipped.
import { UNPUBLISHED_ROOM, type SessionWire } from '../../../src/contract/index.js';
import { byId, fill, h } from '../dom.js';
import { categoryLabel, ROOM_STATUS_LABELS } from '../labels.js';
import type { Room } from '../live-store.js';
import { dayOf, sessionEnd, sessionStart, timeOf, timeOnDay } from '../time.js';
import { resumesText } from './day.js';
import type { NetChange } from './net.js';
import { visibleRooms, type KioskView } from './view.js';

/** How far ahead a move away or a cancellation is worth telling people waiting at a room. */
const LOOKAHEAD_MS = 3 * 60 * 60_000;
const CANCELLED_SHOWN = 2;
const COLUMNS = 2;

interface Marker {
  kind: 'cancelled' | 'delayed' | 'moved' | 'retimed' | 'restricted' | 'added';
  text: string;
}

/** Words for what is unusual about a session, from the day's net change: never colour alone. */
function markersOf(view: KioskView, s: SessionWire, net: NetChange | undefined): Marker[] {
  const markers: Marker[] = [];
  if (s.status === 'cancelled') markers.push({ kind: 'cancelled', text: 'Cancelled' });
  if (s.status !== 'cancelled' && s.delayMinutes > 0) markers.push({ kind: 'delayed', text: `Delayed ${s.delayMinutes} min` });
  if (net?.was.roomId !== undefined && net.was.roomId !== s.roomId) {
    markers.push({ kind: 'moved', text: `Moved from ${view.ctx.roomName(net.was.roomId)}` });
  }
  if (net?.was.startsAt !== undefined) {
    markers.push({ kind: 'retimed', text: `New time (was ${timeOf(Date.parse(net.was.startsAt), view.ctx.zone)})` });
  }
  if (net?.kinds.includes('added')) markers.push({ kind: 'added', text: 'Added today' });
  if (s.access.policy === 'categories' && s.access.categories.length > 0) {
    markers.push({ kind: 'restricted', text: `Only: ${s.access.categories.map(categoryLabel).join(', ')}` });
  }
  return markers;
}

function timeLine(view: KioskView, label: string, s: SessionWire, today: string): HTMLElement {
  const zone = view.ctx.zone;
  const range = `${timeOnDay(sessionStart(s), zone, today)}–${timeOf(sessionEnd(s), zone)}`;
  const delayed = s.delayMinutes > 0 && s.status !== 'cancelled';
  return h(
    'p',
    { class: 'session__time' },
    h('span', { class: 'slot__label' }, label),
    ' ',
    delayed ? h('span', { class: 'visually-hidden' }, 'originally ') : null,
    delayed ? h('s', { class: 'session__was' }, timeOf(Date.parse(s.startsAt), zone)) : null,
    delayed ? ' ' : null,
    delayed ? h('span', { class: 'visually-hidden' }, 'now ') : null,
    range,
  );
}

function sessionBlock(view: KioskView, label: string, s: SessionWire, net: Map<string, NetChange>, today: string, withMeta: boolean): HTMLElement {
  const markers = markersOf(view, s, net.get(s.id));
  const changed = markers.some((m) => m.kind !== 'restricted');
  const meta = withMeta ? s.speakers.join(', ') : '';
  return h(
    'div',
    { class: 'session', 'data-session-id': s.id, 'data-status': s.status },
    markers.length > 0
      ? h('ul', { class: 'markers' }, ...markers.map((m) => h('li', { class: `marker marker--${m.kind}`, 'data-testid': 'marker' }, m.text)))
      : null,
    timeLine(view, label, s, today),
    h('p', { class: 'session__title' }, s.title),
    meta ? h('p', { class: 'session__meta' }, meta) : null,
    changed && s.changeNote ? h('p', { class: 'session__note' }, s.changeNote) : null,
  );
}

const live = (s: SessionWire, now: number): boolean => s.status !== 'cancelled' && sessionStart(s) <= now && sessionEnd(s) > now;

interface RoomPlan {
  room: Room;
  current: SessionWire[];
  next: SessionWire | null;
  notes: HTMLElement[];
}

/** Sessions moved out of this room today that people may still come here for: the room they left says where they went. */
function movedAway(view: KioskView, room: Room, now: number, net: Map<string, NetChange>): HTMLElement[] {
  const lines: HTMLElement[] = [];
  for (const change of net.values()) {
    if (change.was.roomId !== room.id) continue;
    const s = view.store.state.sessions.get(change.sessionId);
    if (!s || s.roomId === room.id || s.status === 'cancelled') continue;
    if (sessionEnd(s) <= now || sessionStart(s) > now + LOOKAHEAD_MS) continue;
    lines.push(
      h(
        'li',
        { class: 'room__note marker marker--moved', 'data-session-id': s.id, 'data-testid': 'moved-away' },
        `Moved to ${view.ctx.roomName(s.roomId)}: `,
        h('span', { class: 'room__note-title' }, `${s.title}, ${timeOf(sessionStart(s), view.ctx.zone)}`),
      ),
    );
  }
  return lines;
}

/** Cancelled sessions of this room that would have been on before its next one, so that nobody waits for them. */
function cancelledHere(view: KioskView, room: Room, next: SessionWire | null, now: number, today: string): HTMLElement[] {
  const horizon = next ? sessionStart(next) : now + LOOKAHEAD_MS;
  return [...view.store.state.sessions.values()]
    .filter((s) => s.roomId === room.id && s.status === 'cancelled' && sessionEnd(s) > now && sessionStart(s) <= horizon)
    .sort((a, b) => sessionStart(a) - sessionStart(b))
    .slice(0, CANCELLED_SHOWN)
    .map((s) =>
      h(
        'li',
        { class: 'room__note marker marker--cancelled', 'data-session-id': s.id },
        `Cancelled: `,
        h('span', { class: 'room__note-title' }, `${s.title} (was ${timeOnDay(sessionStart(s), view.ctx.zone, today)})${s.changeNote ? ` — ${s.changeNote}` : ''}`),
      ),
    );
}

function planRoom(view: KioskView, room: Room, now: number, today: string, net: Map<string, NetChange>): RoomPlan {
  const { sessions, nowNext } = view.store.state;
  const known = (id: string | null | undefined): SessionWire | null => (id ? (sessions.get(id) ?? null) : null);
  const serverCurrent = known(nowNext.get(room.id)?.currentId);
  // The server names one session on now; another on at the same time in this room is shown too, never dropped.
  const others = [...sessions.values()]
    .filter((s) => s.roomId === room.id && s.id !== serverCurrent?.id && live(s, now))
    .sort((a, b) => sessionStart(a) - sessionStart(b));
  const current = [...(serverCurrent ? [serverCurrent] : []), ...others];
  let next = known(nowNext.get(room.id)?.nextId);
  if (next && current.some((s) => s.id === next?.id)) {
    next =
      [...sessions.values()]
        .filter((s) => s.roomId === room.id && s.status !== 'cancelled' && sessionStart(s) > now)
        .sort((a, b) => sessionStart(a) - sessionStart(b))[0] ?? null;
  }
  // Only the coming hours: a next session on another day is not shown.
  if (next && dayOf(sessionStart(next), view.ctx.zone) !== today) next = null;
  return { room, current, next, notes: [...cancelledHere(view, room, next, now, today), ...movedAway(view, room, now, net)] };
}

function roomCard(view: KioskView, plan: RoomPlan, today: string, net: Map<string, NetChange>, emptyNext: string): HTMLElement {
  const { room } = plan;
  const tags: HTMLElement[] = [];
  // The placeholder of listed closed-door sessions is no room: it has no open, full or closed state to show.
  const real = room.id !== UNPUBLISHED_ROOM.id;
  if (real && room.status !== 'open') tags.push(h('span', { class: 'tag tag--closed', 'data-testid': 'room-state' }, ROOM_STATUS_LABELS[room.status]));
  else if (real && room.full) tags.push(h('span', { class: 'tag tag--full', 'data-testid': 'room-state' }, view.door ? 'Full — no seats left' : 'Full'));
  else if (real && view.door) tags.push(h('span', { class: 'tag tag--open', 'data-testid': 'room-state' }, 'Open — seats free'));
  const headingId = `room-${room.id}`;
  return h(
    'article',
    { class: 'room', 'data-room-id': room.id, 'data-room-status': room.status, 'data-full': String(room.full), 'aria-labelledby': headingId },
    h('header', { class: 'room__head' }, h('h2', { id: headingId, class: 'room__name' }, room.name), ...tags),
    plan.notes.length > 0 ? h('ul', { class: 'room__notes' }, ...plan.notes) : null,
    h(
      'section',
      { class: 'slot slot--now' },
      ...(plan.current.length > 0
        ? plan.current.map((s) => sessionBlock(view, '▶ Now', s, net, today, true))
        : [h('p', { class: 'slot__empty' }, 'Nothing on now')]),
    ),
    h(
      'section',
      { class: 'slot slot--next' },
      plan.next ? sessionBlock(view, 'Next', plan.next, net, today, view.door) : h('p', { class: 'slot__empty' }, emptyNext),
    ),
  );
}

/**
 * Pages of cards that fit: the cards are laid out once at their real width with no height limit,
 * measured, and put in rows of two until the next row would not fit the grid's height.
 */
function packPages(grid: HTMLElement, cards: HTMLElement[], columns: number): HTMLElement[][] {
  grid.dataset.measure = 'true';
  grid.dataset.count = String(Math.min(columns, cards.length));
  fill(grid, ...cards);
  const available = grid.clientHeight;
  const gap = Number.parseFloat(getComputedStyle(grid).rowGap) || 0;
  const heights = cards.map((c) => c.getBoundingClientRect().height);
  delete grid.dataset.measure;
  const pages: HTMLElement[][] = [];
  let page: HTMLElement[] = [];
  let used = 0;
  for (let i = 0; i < cards.length; i += columns) {
    const row = cards.slice(i, i + columns);
    const rowHeight = Math.max(...heights.slice(i, i + columns));
    const needed = used === 0 ? rowHeight : used + gap + rowHeight;
    if (page.length > 0 && needed > available) {
      pages.push(page);
      page = [];
      used = rowHeight;
    } else {
      used = needed;
    }
    page.push(...row);
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

/**
 * A card taller than the whole screen even alone (a very long title): its long titles keep three lines
 * and scroll slowly through the rest, so every word is shown in turn and nothing else is pushed out.
 */
function scrollLongTitles(card: HTMLElement): void {
  for (const title of card.querySelectorAll<HTMLElement>('.session__title')) {
    const inner = h('span', { class: 'session__scroller' }, title.textContent ?? '');
    fill(title, inner);
    title.classList.add('session__title--scroll');
    const overflow = inner.getBoundingClientRect().height - title.clientHeight;
    if (overflow > 0) title.style.setProperty('--scroll', `${-Math.ceil(overflow)}px`);
    else title.classList.remove('session__title--scroll');
  }
}

/** Speakers are left out of the cards (never a change marker) when that saves a page of rooms. */
function autoFit(grid: HTMLElement, cards: HTMLElement[]): HTMLElement[][] {
  delete grid.dataset.compact;
  const full = packPages(grid, cards, COLUMNS);
  if (full.length === 1) return full;
  grid.dataset.compact = 'true';
  const compact = packPages(grid, cards, COLUMNS);
  if (compact.length < full.length) return compact;
  delete grid.dataset.compact;
  return full;
}

function placeholder(grid: HTMLElement, pager: HTMLElement, text: string, kind: string): void {
  document.body.classList.toggle('is-day-end', kind === 'day-end');
  delete grid.dataset.count;
  delete grid.dataset.compact;
  fill(grid, h('p', { class: `placeholder placeholder--${kind}`, 'data-testid': `placeholder-${kind}` }, text));
  pager.hidden = true;
}

/** Shows page `screenIndex` (modulo the number of pages) of the rooms this screen is for. */
export function renderRooms(view: KioskView, now: number, screenIndex: number, net: Map<string, NetChange>, tokenProblem: string | null): void {
  const grid = byId('rooms', HTMLElement);
  const pager = byId('rooms-pager', HTMLElement);
  if (tokenProblem) return placeholder(grid, pager, tokenProblem, 'token');
  if (!view.store.state.loaded) return placeholder(grid, pager, 'Loading the schedule…', 'loading');
  const rooms = visibleRooms(view);
  if (rooms.length === 0) return placeholder(grid, pager, 'No rooms to show.', 'empty');
  const today = dayOf(now, view.ctx.zone);
  const plans = rooms
    .map((r) => planRoom(view, r, now, today, net))
    // Only the coming hours: a room with nothing on now, nothing later today and nothing to tell is left out (a door screen keeps its room).
    .filter((p) => view.door || p.current.length > 0 || p.next !== null || p.notes.length > 0);
  const scope = view.filter.length > 0 ? [...view.store.state.sessions.values()].filter((s) => view.filter.includes(s.roomId)) : view.store.state.sessions.values();
  const resumes = resumesText(scope, now, view.ctx.zone);
  const dayEnd = resumes ? `${resumes}.` : 'The programme has ended. Thank you for coming.';
  if (plans.length === 0 || (!view.door && plans.every((p) => p.current.length === 0 && p.next === null))) {
    return placeholder(grid, pager, dayEnd, 'day-end');
  }
  const cards = plans.map((p) => roomCard(view, p, today, net, view.door ? `Nothing more here today. ${dayEnd}` : 'Nothing more here today'));
  const pages = view.door ? [cards] : autoFit(grid, cards);
  document.body.classList.remove('is-day-end');
  const index = screenIndex % pages.length;
  const shown = pages[index]!;
  grid.dataset.count = String(Math.min(COLUMNS, shown.length));
  fill(grid, ...shown);
  // Still taller than the screen (a card alone with a very long title): its titles scroll.
  if (grid.scrollHeight > grid.clientHeight) for (const card of shown) scrollLongTitles(card);
  pager.hidden = pages.length < 2;
  pager.textContent = `Rooms ${index + 1}/${pages.length}`;
}
