// The dashboard's rooms panel (occupancy per room, open/close) and capacity alerts panel.
import { byId, fill, h, keepFocus } from '../dom.js';
import { LEVEL_LABELS, ROOM_STATUS_LABELS } from '../labels.js';
import type { Room } from '../live-store.js';
import type { StaffRoom } from '../../../src/contract/index.js';
import { problemText } from '../page.js';
import type { SessionWire } from '../../../src/contract/index.js';
import { dayOf, sessionEnd, sessionStart, timeOf, timeOnDay } from '../time.js';
import { ask } from './ask.js';
import { sortedRooms, type Dash } from './context.js';

async function setRoomStatus(dash: Dash, room: Room, status: StaffRoom['status']): Promise<void> {
  try {
    const updated = await dash.api.api<StaffRoom>(`/api/rooms/${encodeURIComponent(room.id)}`, { method: 'PATCH', json: { status } });
    dash.store.putRoom(updated);
    byId('rooms-status', HTMLElement).textContent = `${room.name}: ${ROOM_STATUS_LABELS[status].toLowerCase()}.`;
  } catch (err) {
    byId('rooms-status', HTMLElement).textContent = `Could not change ${room.name}: ${problemText(err)}`;
  }
}

/** The sessions still to come or on in a room (not cancelled), in order. */
function sessionsLeftIn(dash: Dash, roomId: string): SessionWire[] {
  const now = Date.now();
  return [...dash.store.state.sessions.values()]
    .filter((s) => s.roomId === roomId && s.status !== 'cancelled' && sessionEnd(s) > now)
    .sort((a, b) => sessionStart(a) - sessionStart(b));
}

/** Closing a room strands its sessions: staff see which before they confirm. */
async function closeRoom(dash: Dash, room: Room): Promise<void> {
  const zone = dash.ctx.zone;
  const today = dayOf(Date.now(), zone);
  const left = sessionsLeftIn(dash, room.id);
  const yes = await ask({
    title: `Close ${room.name}?`,
    text:
      left.length === 0
        ? 'No session is on or still to come in this room.'
        : `${left.length} ${left.length === 1 ? 'session is' : 'sessions are'} on or still to come in this room. They stay there until you move or cancel them (an allocation plan can find them rooms):`,
    items: left.map((s) => `${timeOnDay(sessionStart(s), zone, today)}–${timeOf(sessionEnd(s), zone)} ${s.title}`),
    confirm: 'Close room',
    danger: true,
  });
  if (yes) await setRoomStatus(dash, room, 'closed');
}

function onNow(dash: Dash, room: Room): string {
  const ids = dash.store.state.nowNext.get(room.id);
  const current = ids?.currentId ? dash.store.state.sessions.get(ids.currentId) : undefined;
  const next = ids?.nextId ? dash.store.state.sessions.get(ids.nextId) : undefined;
  const zone = dash.ctx.zone;
  if (current) return `Now: ${current.title}`;
  if (next) return `Next ${timeOnDay(sessionStart(next), zone, dayOf(Date.now(), zone))}: ${next.title}`;
  return 'Nothing on';
}

function roomCard(dash: Dash, room: Room): HTMLElement {
  const level = room.occupancyLevel ?? 'normal';
  const occupancy = room.occupancy ?? 0;
  const capacity = room.capacity ?? 0;
  const pct = capacity > 0 ? Math.round((occupancy / capacity) * 100) : 0;
  const fillBar = h('span', { class: 'bar__fill' });
  fillBar.style.width = `${Math.min(100, pct)}%`;
  const open = room.status === 'open';
  const toggle = h(
    'button',
    { type: 'button', class: 'button button--small', 'data-focus-key': `room-toggle-${room.id}`, 'data-action': open ? 'close' : 'open' },
    open ? 'Close room' : 'Open room',
  );
  toggle.addEventListener('click', () => void (open ? closeRoom(dash, room) : setRoomStatus(dash, room, 'open')));
  // Closed is its own state: it is never shown as a calm "normal" level.
  const state = open ? `level--${level}` : `room-card--${room.status}`;
  const now = onNow(dash, room);
  return h(
    'article',
    { class: `room-card ${state}`, 'data-room-id': room.id, 'data-level': level, 'data-room-status': room.status },
    h('h3', { class: 'room-card__name' }, room.name),
    h('p', { class: 'room-card__level' }, h('strong', null, open ? LEVEL_LABELS[level] : ROOM_STATUS_LABELS[room.status])),
    h('p', { class: 'room-card__count' }, `${occupancy} / ${capacity} (${pct}%)`),
    h('span', { class: 'bar', 'aria-hidden': 'true' }, fillBar),
    h('p', { class: 'room-card__now', title: now }, now),
    toggle,
  );
}

function renderRooms(dash: Dash): void {
  const grid = byId('rooms', HTMLElement);
  keepFocus(grid, () => fill(grid, ...sortedRooms(dash).map((room) => roomCard(dash, room))));
}

function renderAlerts(dash: Dash): void {
  const list = byId('alerts', HTMLElement);
  const { alerts } = dash.store.state;
  if (alerts.length === 0) {
    fill(list, h('li', { class: 'alert alert--none' }, 'No capacity alerts.'));
    return;
  }
  fill(
    list,
    ...alerts.map((a) =>
      h(
        'li',
        { class: `alert level--${a.level}`, 'data-room-id': a.roomId, 'data-level': a.level },
        // An alert from the snapshot has no time: it was already on when the page connected.
        a.at !== null ? h('span', { class: 'alert__time' }, timeOf(Date.parse(a.at), dash.ctx.zone)) : null,
        a.at !== null ? ' ' : null,
        h('strong', null, dash.ctx.roomName(a.roomId)),
        `: ${LEVEL_LABELS[a.level]}`,
        a.previousLevel !== null ? ` (was ${LEVEL_LABELS[a.previousLevel]})` : '',
        `, ${a.occupancy} / ${a.capacity}`,
      ),
    ),
  );
}

export function roomPanels(dash: Dash): void {
  dash.panel(['rooms', 'nowNext', 'sessions'], () => renderRooms(dash));
  dash.panel(['alerts', 'rooms', 'event'], () => renderAlerts(dash));
}
