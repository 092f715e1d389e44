// The dashboard's arrivals panel: venue check-ins in total, by hour (the event's wall clock), by category and by desk.
import { byId, fill, h } from '../dom.js';
import { categoryLabel } from '../labels.js';
import type { Dash } from './context.js';

/** Hours are wall-clock keys of the event's zone ("2023-02-15T08:00"): read as written, never through the browser's zone. */
const WALL_HOUR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}$/;

function hourLabel(key: string, multiDay: boolean): string {
  const wall = WALL_HOUR.exec(key);
  if (!wall) return key;
  return multiDay ? `${wall[3]}/${wall[2]} ${wall[4]}:00` : `${wall[4]}:00`;
}

type Rows = [string, number][];

function bars(container: HTMLElement, rows: Rows, label: (key: string) => string): void {
  const max = rows.reduce((m, [, n]) => Math.max(m, n), 0);
  if (rows.length === 0) {
    fill(container, h('li', { class: 'muted' }, 'No arrivals yet.'));
    return;
  }
  fill(
    container,
    ...rows.map(([key, n]) => {
      const fillBar = h('span', { class: 'bar__fill' });
      fillBar.style.width = `${max > 0 ? (n / max) * 100 : 0}%`;
      return h(
        'li',
        { class: 'bars__row', 'data-key': key },
        h('span', { class: 'bars__label' }, label(key)),
        h('span', { class: 'bar', 'aria-hidden': 'true' }, fillBar),
        h('span', { class: 'bars__value' }, String(n)),
      );
    }),
  );
}

const largestFirst = (counts: Record<string, number>): Rows => Object.entries(counts).sort(([, a], [, b]) => b - a);

function renderArrivals(dash: Dash): void {
  const stats = dash.store.state.checkinStats;
  byId('arrivals-total', HTMLElement).textContent = stats ? `${stats.total} arrived` : '–';
  const byHour: Rows = stats ? Object.entries(stats.byHour).sort(([a], [b]) => a.localeCompare(b)) : [];
  const days = new Set(byHour.map(([key]) => key.slice(0, 10)));
  bars(byId('arrivals-hour', HTMLElement), byHour, (key) => hourLabel(key, days.size > 1));
  bars(byId('arrivals-category', HTMLElement), stats ? largestFirst(stats.byCategory) : [], categoryLabel);
  bars(byId('arrivals-desk', HTMLElement), stats ? largestFirst(stats.byDesk) : [], (k) => k);
}

export function arrivalsPanel(dash: Dash): void {
  dash.panel(['stats'], () => renderArrivals(dash));
}
