// The kiosk's header: the event's title, and the time and date in the event's zone.
import { byId } from '../dom.js';
import { DEFAULT_ZONE, longDateOf, timeOf } from '../time.js';

export function renderClock(now: number, zone = DEFAULT_ZONE): void {
  const clock = byId('clock', HTMLTimeElement);
  clock.textContent = timeOf(now, zone);
  clock.dateTime = new Date(now).toISOString();
  byId('date', HTMLElement).textContent = longDateOf(now, zone);
}

export function renderTitle(title: string | undefined): void {
  byId('event-title', HTMLElement).textContent = title || 'Programme';
}
