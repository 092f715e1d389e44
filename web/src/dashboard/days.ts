// The event's days as a list in day-month order: a native date input shows the browser's own locale, often US order.
import { fill, h } from '../dom.js';

const label = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** "Thu, 3 Dec 2026" for "2026-12-03" (a calendar day: no zone shifts it). */
export function dayLabel(day: string): string {
  return label.format(Date.parse(`${day}T12:00:00Z`));
}

/** Offers the event's days (and the chosen one, if it is not among them) and selects the chosen one. */
export function fillDays(select: HTMLSelectElement, days: readonly string[], chosen: string): void {
  const all = [...new Set([...days, ...(chosen ? [chosen] : [])])].sort();
  const current = [...select.options].map((o) => o.value);
  if (current.join() !== all.join()) fill(select, ...all.map((d) => h('option', { value: d }, dayLabel(d))));
  select.value = chosen;
}
