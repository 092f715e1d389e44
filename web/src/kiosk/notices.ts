// The kiosk's announcements: the side list, and an emergency that takes the whole screen until it is removed or expires.
import type { AnnouncementWire } from '../../../src/contract/index.js';
import { byId, fill, h } from '../dom.js';
import { timeOf } from '../time.js';
import { fitList } from './ticker.js';
import { concernsScreen, type KioskView } from './view.js';

/** An announcement without rooms is for every screen, a room-filtered kiosk included. */
function forThisScreen(view: KioskView, a: AnnouncementWire): boolean {
  return a.roomIds === null || a.roomIds.length === 0 || concernsScreen(view, a.roomIds);
}

function active(view: KioskView, now: number): AnnouncementWire[] {
  return [...view.store.state.announcements.values()]
    .filter((a) => (a.expiresAt === null || Date.parse(a.expiresAt) > now) && forThisScreen(view, a))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export function renderAnnouncements(view: KioskView, now: number): void {
  const list = byId('announcements', HTMLElement);
  const items = active(view, now).filter((a) => a.severity !== 'emergency');
  byId('announcements-section', HTMLElement).hidden = items.length === 0;
  fill(
    list,
    ...items.map((a) =>
      h(
        'li',
        { class: `announcement announcement--${a.severity}`, 'data-announcement-id': a.id },
        h('strong', { class: 'announcement__label' }, a.severity === 'warning' ? 'Warning: ' : 'Notice: '),
        a.roomIds && a.roomIds.length > 0 ? `${a.roomIds.map((id) => view.ctx.roomName(id)).join(', ')}: ` : '',
        a.text,
      ),
    ),
  );
  // Announcements never push the programme changes off screen: the oldest that do not fit wait.
  fitList(list);
}

export function renderEmergency(view: KioskView, now: number): void {
  const overlay = byId('emergency', HTMLElement);
  const emergency = active(view, now).find((a) => a.severity === 'emergency');
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
    byId('emergency-time', HTMLElement).textContent = `Issued ${timeOf(Date.parse(emergency.createdAt), view.ctx.zone)}`;
    overlay.hidden = false;
  }
}
