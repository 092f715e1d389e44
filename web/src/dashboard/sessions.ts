// The dashboard's sessions panel: the chosen day's sessions with status, change markers and seats, and a button to change each.
import type { SessionWire } from '../../../src/contract/index.js';
import { byId, fill, h, keepFocus } from '../dom.js';
import { SESSION_STATUS_LABELS } from '../labels.js';
import { latestChanges, sessionMarkers } from '../schedule.js';
import { sessionEnd, sessionStart, timeOf } from '../time.js';
import { expectedText, pickableDays, sessionsOn, type Dash } from './context.js';
import { dayLabel, fillDays } from './days.js';
import { openEditor } from './editor.js';

function timeCell(dash: Dash, s: SessionWire): HTMLElement {
  const zone = dash.ctx.zone;
  return h(
    'td',
    { class: 'nowrap' },
    s.delayMinutes > 0 ? h('s', { class: 'was' }, h('span', { class: 'visually-hidden' }, 'originally '), timeOf(Date.parse(s.startsAt), zone)) : null,
    s.delayMinutes > 0 ? ' ' : null,
    `${timeOf(sessionStart(s), zone)}–${timeOf(sessionEnd(s), zone)}`,
  );
}

function row(dash: Dash, s: SessionWire, latest: ReturnType<typeof latestChanges>): HTMLElement {
  const room = dash.store.state.rooms.get(s.roomId);
  const markers = sessionMarkers(s, latest.get(s.id), dash.ctx);
  const over = room?.capacity !== undefined && s.expectedAttendance > room.capacity;
  const editing = dash.view.editing === s.id;
  const edit = h(
    'button',
    {
      type: 'button',
      class: 'button button--small',
      'data-focus-key': `edit-${s.id}`,
      'aria-controls': 'editor',
      'aria-expanded': editing ? 'true' : 'false',
    },
    'Change…',
  );
  edit.addEventListener('click', () => openEditor(dash, s.id));
  return h(
    'tr',
    { 'data-session-id': s.id, 'data-status': s.status, class: editing ? 'is-editing' : null },
    timeCell(dash, s),
    h('td', null, room?.name ?? s.roomId),
    // The type is a tag, left out when the title already says it ("Coffee break", not "Coffee break break").
    h('td', null, h('span', { class: 'session-title' }, s.title), s.type && !s.title.toLowerCase().includes(s.type.toLowerCase()) ? h('span', { class: 'tag' }, s.type) : null),
    h(
      'td',
      null,
      h('strong', null, SESSION_STATUS_LABELS[s.status]),
      ...markers.filter((m) => m.kind !== 'cancelled').map((m) => h('span', { class: `marker marker--${m.kind}` }, m.text)),
    ),
    h('td', { class: over ? 'over' : null }, expectedText(s, room), over ? h('span', { class: 'marker marker--over' }, 'Over capacity') : null),
    h('td', null, edit),
  );
}

function renderSessions(dash: Dash): void {
  const body = byId('sessions-body', HTMLElement);
  byId('sessions-day', HTMLElement).textContent = dash.view.day ? dayLabel(dash.view.day) : '';
  if (!dash.store.state.loaded) return;
  const sessions = sessionsOn(dash, dash.view.day);
  const latest = latestChanges(dash.store.state.changes.values());
  keepFocus(body, () => {
    if (sessions.length === 0) {
      fill(body, h('tr', null, h('td', { colspan: 6 }, `No sessions on ${dayLabel(dash.view.day)}.`)));
      return;
    }
    fill(body, ...sessions.map((s) => row(dash, s, latest)));
  });
}

export function sessionsPanel(dash: Dash): void {
  const dayInput = byId('day', HTMLSelectElement);
  const planDay = byId('plan-day', HTMLSelectElement);
  dayInput.addEventListener('change', () => {
    if (!dayInput.value) return;
    dash.view.day = dayInput.value;
    dash.view.editing = null;
    dash.invalidate('day', 'editing');
  });
  dash.panel(['sessions', 'rooms', 'changes', 'day', 'editing', 'event'], () => {
    const days = pickableDays(dash);
    fillDays(dayInput, days, dash.view.day);
    fillDays(planDay, days, planDay.value || dash.view.day);
    renderSessions(dash);
  });
}
