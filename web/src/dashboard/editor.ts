// The dashboard's session editor: delay, back on time, move, cancel or restore one session, with a public note and the version it saw.
import type { SessionPatchBody, SessionWire } from '../../../src/contract/index.js';
import { ApiError } from '../api.js';
import { byId, confirmTwice, fill, h } from '../dom.js';
import { SESSION_STATUS_LABELS } from '../labels.js';
import { problemText } from '../page.js';
import { sessionEnd, sessionStart, timeOf } from '../time.js';
import { ask } from './ask.js';
import { sortedRooms, type Dash } from './context.js';

type Change = Omit<SessionPatchBody, 'version' | 'changeNote' | 'force'>;
interface Warning {
  code: string;
  detail: string;
}

function warningsOf(value: unknown): Warning[] {
  return Array.isArray(value)
    ? value.filter((w): w is Warning => typeof w === 'object' && w !== null && typeof (w as Warning).detail === 'string')
    : [];
}

/** What a move would run into that the page can see before asking the server: seats and features. */
function moveWarnings(dash: Dash, s: SessionWire, roomId: string): string[] {
  const room = dash.store.state.rooms.get(roomId);
  if (!room) return [];
  const out: string[] = [];
  if (room.capacity !== undefined && s.expectedAttendance > room.capacity) {
    out.push(`Over capacity: ${s.expectedAttendance} expected, ${room.name} seats ${room.capacity} (${s.expectedAttendance - room.capacity} short)`);
  }
  const missing = s.requiredFeatures.filter((f) => !room.features.includes(f));
  if (missing.length > 0) out.push(`Missing feature: ${room.name} has no ${missing.join(', ').replace(/_/g, ' ')}`);
  if (room.status !== 'open') out.push(`${room.name} is ${room.status.replace(/_/g, ' ')}`);
  return out;
}

const editing = (dash: Dash): SessionWire | undefined =>
  dash.view.editing ? dash.store.state.sessions.get(dash.view.editing) : undefined;

function renderEditor(dash: Dash): void {
  const editor = byId('editor', HTMLElement);
  const s = editing(dash);
  if (!s) {
    editor.hidden = true;
    return;
  }
  const zone = dash.ctx.zone;
  editor.hidden = false;
  editor.dataset.sessionId = s.id;
  byId('editor-title', HTMLElement).textContent = `Change: ${s.title}`;
  fill(
    byId('editor-summary', HTMLElement),
    `${dash.ctx.roomName(s.roomId)} · ${timeOf(sessionStart(s), zone)}–${timeOf(sessionEnd(s), zone)} · `,
    SESSION_STATUS_LABELS[s.status],
    s.delayMinutes > 0 ? ` · delayed ${s.delayMinutes} min` : '',
    ` · version ${s.version}`,
  );
  const select = byId('editor-room', HTMLSelectElement);
  const chosen = select.value;
  fill(
    select,
    ...sortedRooms(dash).map((r) =>
      h('option', { value: r.id }, r.id === s.roomId ? `${r.name} (current)` : `${r.name}${r.capacity !== undefined ? ` · ${r.capacity} seats` : ''}`),
    ),
  );
  select.value = chosen && dash.store.state.rooms.has(chosen) ? chosen : s.roomId;
  byId('editor-cancel', HTMLButtonElement).hidden = s.status === 'cancelled';
  byId('editor-restore', HTMLButtonElement).hidden = s.status !== 'cancelled';
  byId('editor-ontime', HTMLButtonElement).hidden = s.delayMinutes === 0;
}

/** Opens the editor for a session, or closes it when it is already open for that one. */
export function openEditor(dash: Dash, id: string): void {
  dash.view.editing = dash.view.editing === id ? null : id;
  byId('editor-message', HTMLElement).textContent = '';
  byId('editor-note', HTMLInputElement).value = '';
  dash.invalidate('editing');
  renderEditor(dash);
  if (dash.view.editing) {
    byId('editor', HTMLElement).scrollIntoView({ block: 'nearest' });
    byId('editor-note', HTMLInputElement).focus();
  }
}

/**
 * Sends the version the editor saw. A 409 version_conflict means someone else changed the session
 * first; a 409 room_conflict names the session already in the room and asks before saving anyway.
 */
async function patchSession(dash: Dash, change: Change, done: string, force = false): Promise<void> {
  const s = editing(dash);
  if (!s) return;
  const message = byId('editor-message', HTMLElement);
  const noteInput = byId('editor-note', HTMLInputElement);
  const note = noteInput.value.trim();
  const form = byId('session-editor', HTMLFormElement);
  form.setAttribute('aria-busy', 'true');
  message.dataset.kind = 'info';
  message.textContent = 'Saving…';
  let retry = false;
  try {
    const body: SessionPatchBody = { version: s.version, ...change, ...(note ? { changeNote: note } : {}), ...(force ? { force: true } : {}) };
    const updated = await dash.api.api<SessionWire & { warnings?: unknown }>(`/api/sessions/${encodeURIComponent(s.id)}`, { method: 'PATCH', json: body });
    const { warnings, ...session } = updated;
    dash.store.putSessions([session]);
    noteInput.value = '';
    const list = warningsOf(warnings);
    message.dataset.kind = list.length > 0 ? 'warning' : 'ok';
    message.textContent = `Saved: ${done}.${list.length > 0 ? ` Note: ${list.map((w) => w.detail).join('; ')}.` : ''}`;
  } catch (err) {
    message.dataset.kind = 'error';
    if (err instanceof ApiError && err.code === 'version_conflict') {
      message.textContent =
        'Not saved: someone else changed this session after you opened it (version conflict). It has been reloaded with their change. Check it, then try again.';
      await reload(dash);
    } else if (err instanceof ApiError && err.code === 'room_conflict') {
      const otherId = typeof err.body.conflictingSessionId === 'string' ? err.body.conflictingSessionId : null;
      const other = otherId ? dash.store.state.sessions.get(otherId) : undefined;
      const zone = dash.ctx.zone;
      const who = other
        ? `"${other.title}" (${dash.ctx.roomName(other.roomId)}, ${timeOf(sessionStart(other), zone)}–${timeOf(sessionEnd(other), zone)})`
        : 'another session';
      message.textContent = `Not saved: the room is taken by ${who}, with the 10-minute changeover.`;
      const room = dash.ctx.roomName(change.roomId ?? s.roomId);
      retry = await ask({
        title: `${room} is in use at that time`,
        text: `Not saved yet: "${s.title}" would overlap ${who}, counting the 10-minute changeover. Save anyway? Both sessions would then share ${room}.`,
        items: warningsOf(err.body.warnings).map((w) => w.detail),
        confirm: 'Save anyway',
        danger: true,
      });
      if (!retry) message.textContent += ' Nothing was changed.';
    } else {
      message.textContent = `Not saved: ${problemText(err)}`;
    }
  } finally {
    form.removeAttribute('aria-busy');
    dash.invalidate('editing');
  }
  if (retry) await patchSession(dash, change, done, true);
}

// The live event of the other change may still be on its way: the day's sessions are read again.
async function reload(dash: Dash): Promise<void> {
  try {
    dash.store.putSessions(await dash.api.api<SessionWire[]>(`/api/sessions?${new URLSearchParams({ day: dash.view.day }).toString()}`));
  } catch {
    // The pushed update brings it anyway.
  }
}

export function editorPanel(dash: Dash): void {
  const form = byId('session-editor', HTMLFormElement);
  form.addEventListener('submit', (e) => e.preventDefault());
  for (const button of form.querySelectorAll<HTMLButtonElement>('button[data-delay]')) {
    button.addEventListener('click', () => {
      const s = editing(dash);
      if (!s) return;
      const add = Number(button.dataset.delay);
      const total = s.delayMinutes + add;
      void patchSession(dash, { delayMinutes: total }, `delayed ${add} more minutes (now ${total} min late)`);
    });
  }
  byId('editor-ontime', HTMLButtonElement).addEventListener('click', () => {
    void patchSession(dash, { delayMinutes: 0 }, 'back on time');
  });
  byId('editor-move', HTMLButtonElement).addEventListener('click', () => {
    const s = editing(dash);
    const roomId = byId('editor-room', HTMLSelectElement).value;
    if (!s) return;
    if (roomId === s.roomId) {
      byId('editor-message', HTMLElement).textContent = 'Choose a different room to move to.';
      return;
    }
    const done = `moved to ${dash.ctx.roomName(roomId)}`;
    const warnings = moveWarnings(dash, s, roomId);
    if (warnings.length === 0) {
      void patchSession(dash, { roomId }, done);
      return;
    }
    void ask({ title: `Move ${s.title}?`, text: `Before you move it to ${dash.ctx.roomName(roomId)}:`, items: warnings, confirm: 'Save anyway' }).then((yes) => {
      if (yes) void patchSession(dash, { roomId }, done);
      else byId('editor-message', HTMLElement).textContent = 'Not moved.';
    });
  });
  confirmTwice(byId('editor-cancel', HTMLButtonElement), 'Confirm: cancel this session', () => {
    void patchSession(dash, { status: 'cancelled' }, 'cancelled');
  });
  byId('editor-restore', HTMLButtonElement).addEventListener('click', () => {
    void patchSession(dash, { status: 'scheduled' }, 'restored');
  });
  byId('editor-close', HTMLButtonElement).addEventListener('click', () => {
    const id = dash.view.editing;
    dash.view.editing = null;
    dash.invalidate('editing');
    if (id) window.setTimeout(() => document.querySelector<HTMLElement>(`[data-focus-key="edit-${CSS.escape(id)}"]`)?.focus(), 60);
  });
  dash.panel(['sessions', 'rooms', 'editing', 'event'], () => renderEditor(dash));
}
