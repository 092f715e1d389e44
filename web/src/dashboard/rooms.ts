// The dashboard's rooms panel (occupancy per room, open/close) and capacity alerts panel.
import { byId, fill, h, keepFocus } from '../dom.js';
import { LEVEL_LABELS, ROOM_STATUS_LABELS } from '../labels.js';
import type { Room } from '../live-store.js';
import type { StaffRoom } from '../../../src/contract/index.js';
import { problemText } from '../page.js';
import { timeOf } from '../time.js';
import { sortedRooms, type Dash } from './context.js';

async function setRoomStatus(dash: Dash, room: Room, status: StaffRoom['status']): Promise<void> {
  try {
    const updated = await dash.api.api<StaffRoom>(`/api/rooms/${encodeURIComponent(room.id)}`, { method: 'PATCH', json: { status } });
    dash.store.putRoom(updated);
  } catch (err) {
    byId('rooms-status', HTMLElement).textContent = `Could not change ${room.name}: ${problemText(err)}`;
  }
}

function roomCard(dash: Dash, room: Room): HTMLElement {
  const level = room.occupancyLevel ?? 'normal';
  const occupancy = room.occupancy ?? 0;
  const capacity = room.capacity ?? 0;
  const pct = capacity > 0 ? Math.round((occupancy / capacity) * 100) : 0;
  const fillBar = h('span', { class: 'bar__fill' });
  fillBar.style.width = `${Math.min(100, pct)}%`;
  const target = room.status === 'open' ? 'closed' : 'open';
  const toggle = h(
    'button',
    { type: 'button', class: 'button button--small', 'data-focus-key': `room-toggle-${room.id}` },
    room.status === 'open' ? 'Close room' : 'Open room',
  );
  toggle.addEventListener('click', () => void setRoomStatus(dash, room, target));
  return h(
    'article',
    { class: `room-card level--${level}`, 'data-room-id': room.id, 'data-level': level, 'data-room-status': room.status },
    h('h3', { class: 'room-card__name' }, room.name),
    h(
      'p',
      { class: 'room-card__level' },
      h('strong', null, LEVEL_LABELS[level]),
      room.status !== 'open' ? ` · ${ROOM_STATUS_LABELS[room.status]}` : '',
    ),
    h('p', { class: 'room-card__count' }, `${occupancy} / ${capacity} (${pct}%)`),
    h('span', { class: 'bar', 'aria-hidden': 'true' }, fillBar),
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
  dash.panel(['rooms'], () => renderRooms(dash));
  dash.panel(['alerts', 'rooms', 'event'], () => renderAlerts(dash));
}
