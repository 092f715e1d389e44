// The dashboard's announcements panel: publish (an emergency needs a second confirmation), the active ones, and removal.
import type { AnnouncementWire, NewAnnouncementBody, Severity } from '../../../src/contract/index.js';
import { byId, fill, formText, formTexts, h, keepFocus } from '../dom.js';
import { problemText } from '../page.js';
import { timeOf } from '../time.js';
import { sortedRooms, type Dash } from './context.js';

const SEVERITY_TEXT: Record<Severity, string> = {
  emergency: 'EMERGENCY (full screen on kiosks)',
  warning: 'Warning',
  info: 'Info',
};

function isSeverity(value: string): value is Severity {
  return Object.prototype.hasOwnProperty.call(SEVERITY_TEXT, value);
}

async function remove(dash: Dash, a: AnnouncementWire): Promise<void> {
  const message = byId('announce-message', HTMLElement);
  try {
    await dash.api.api(`/api/announcements/${encodeURIComponent(a.id)}`, { method: 'DELETE' });
    dash.store.dropAnnouncement(a.id);
    message.textContent = a.severity === 'emergency' ? 'Emergency ended: screens are back to normal.' : 'Announcement removed.';
  } catch (err) {
    message.textContent = `Could not remove it: ${problemText(err)}`;
  }
}

/** The room choices of the form, keeping what was ticked. */
function renderRoomChoices(dash: Dash): void {
  const rooms = byId('announce-rooms', HTMLElement);
  const checked = new Set([...rooms.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value));
  fill(
    rooms,
    h('legend', null, 'Only in these rooms (optional)'),
    ...sortedRooms(dash).map((r) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'roomIds', value: r.id, checked: checked.has(r.id) }), ` ${r.name}`),
    ),
  );
}

function item(dash: Dash, a: AnnouncementWire): HTMLLIElement {
  const button = h(
    'button',
    { type: 'button', class: 'button button--small', 'data-focus-key': `remove-${a.id}` },
    a.severity === 'emergency' ? 'End emergency' : 'Remove',
  );
  button.addEventListener('click', () => void remove(dash, a));
  const where = a.roomIds && a.roomIds.length > 0 ? a.roomIds.map((id) => dash.ctx.roomName(id)).join(', ') : 'all screens';
  return h(
    'li',
    { class: `announcement announcement--${a.severity}`, 'data-announcement-id': a.id },
    h('strong', null, SEVERITY_TEXT[a.severity]),
    ` ${a.text}`,
    h('span', { class: 'muted' }, ` · ${where}`, a.expiresAt ? ` · until ${timeOf(Date.parse(a.expiresAt), dash.ctx.zone)}` : ''),
    ' ',
    button,
  );
}

function renderAnnouncements(dash: Dash): void {
  renderRoomChoices(dash);
  const list = byId('announcement-list', HTMLElement);
  const items = [...dash.store.state.announcements.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  keepFocus(list, () => {
    if (items.length === 0) fill(list, h('li', { class: 'muted' }, 'No active announcements.'));
    else fill(list, ...items.map((a) => item(dash, a)));
  });
}

function announcementBody(data: FormData, severity: Severity): NewAnnouncementBody {
  const body: NewAnnouncementBody = { text: formText(data, 'text'), severity };
  const roomIds = formTexts(data, 'roomIds');
  if (roomIds.length > 0) body.roomIds = roomIds;
  const minutes = Number(formText(data, 'expires'));
  if (minutes > 0) body.expiresAt = new Date(Date.now() + minutes * 60_000).toISOString();
  return body;
}

export function announcementsPanel(dash: Dash): void {
  const form = byId('announce-form', HTMLFormElement);
  const severity = byId('announce-severity', HTMLSelectElement);
  const confirmRow = byId('announce-confirm-row', HTMLElement);
  const confirm = byId('announce-confirm', HTMLInputElement);
  const submit = byId('announce-submit', HTMLButtonElement);
  const message = byId('announce-message', HTMLElement);
  const chosen = (): Severity => (isSeverity(severity.value) ? severity.value : 'info');
  const syncSeverity = (): void => {
    const emergency = chosen() === 'emergency';
    confirmRow.hidden = !emergency;
    confirm.required = emergency;
    submit.textContent = emergency ? 'Send EMERGENCY to all screens' : 'Publish announcement';
  };
  severity.addEventListener('change', syncSeverity);
  syncSeverity();

  const publish = async (body: NewAnnouncementBody): Promise<void> => {
    try {
      dash.store.putAnnouncement(await dash.api.api<AnnouncementWire>('/api/announcements', { method: 'POST', json: body }));
      form.reset();
      syncSeverity();
      message.textContent = 'Announcement published.';
    } catch (err) {
      message.textContent = `Not published: ${problemText(err)}`;
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    message.textContent = 'Publishing…';
    void publish(announcementBody(new FormData(form), chosen()));
  });
  dash.panel(['announcements', 'rooms', 'event'], () => renderAnnouncements(dash));
}
