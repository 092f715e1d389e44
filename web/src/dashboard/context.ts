// What the dashboard's panels share: the live store, the API, the chosen day and session, names and the zone, and batched rendering.
import type { SessionWire } from '../../../src/contract/index.js';
import type { ApiClient } from '../api.js';
import type { LiveStore, Part, Room } from '../live-store.js';
import type { ScheduleContext } from '../schedule.js';
import { DEFAULT_ZONE, dayOf, sessionStart, validZone } from '../time.js';

/** What a panel can depend on: parts of the live state, or the dashboard's own choices. */
export type DashPart = Part | 'day' | 'editing' | 'plan';

export interface DashView {
  /** The local day (YYYY-MM-DD) whose sessions are listed; empty until the first snapshot tells the zone. */
  day: string;
  /** The session whose editor is open. */
  editing: string | null;
}

export interface Dash {
  readonly store: LiveStore;
  readonly api: ApiClient;
  readonly view: DashView;
  readonly ctx: ScheduleContext;
  /** Registers a panel: `render` runs, at most once per batch, when any of `parts` changed. */
  panel(parts: readonly DashPart[], render: () => void): void;
  invalidate(...parts: DashPart[]): void;
}

const RENDER_DELAY_MS = 50;

export function createDash(store: LiveStore, api: ApiClient): Dash {
  const panels: { parts: ReadonlySet<DashPart>; render: () => void }[] = [];
  const dirty = new Set<DashPart>();
  let queued = false;
  const flush = (): void => {
    queued = false;
    const changed = [...dirty];
    dirty.clear();
    for (const p of panels) if (changed.some((part) => p.parts.has(part))) p.render();
  };
  const ctx: ScheduleContext = {
    get zone() {
      return validZone(store.state.event?.timeZone) ?? DEFAULT_ZONE;
    },
    roomName: (id) => store.state.rooms.get(id)?.name ?? id,
    sessionTitle: (id) => store.state.sessions.get(id)?.title ?? null,
  };
  const dash: Dash = {
    store,
    api,
    view: { day: '', editing: null },
    ctx,
    panel(parts, render) {
      panels.push({ parts: new Set(parts), render });
    },
    invalidate(...parts) {
      for (const p of parts) dirty.add(p);
      if (queued) return;
      queued = true;
      window.setTimeout(flush, RENDER_DELAY_MS);
    },
  };
  store.subscribe(({ parts }) => dash.invalidate(...parts));
  return dash;
}

export function sortedRooms(dash: Dash): Room[] {
  return [...dash.store.state.rooms.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** The local day a session is listed on: the day of its scheduled start in the event's zone. */
export function sessionDay(dash: Dash, s: SessionWire): string {
  return dayOf(Date.parse(s.startsAt), dash.ctx.zone);
}

/** The sessions of a day, in the order they really start, then by room. */
/** The days ops may pick: the event's days, the days sessions are on, and today in the event's zone. */
export function pickableDays(dash: Dash): string[] {
  const days = new Set(dash.store.state.event?.days ?? []);
  for (const s of dash.store.state.sessions.values()) days.add(sessionDay(dash, s));
  days.add(dayOf(Date.now(), dash.ctx.zone));
  return [...days].sort();
}

export function sessionsOn(dash: Dash, day: string): SessionWire[] {
  return [...dash.store.state.sessions.values()]
    .filter((s) => sessionDay(dash, s) === day)
    .sort((a, b) => sessionStart(a) - sessionStart(b) || dash.ctx.roomName(a.roomId).localeCompare(dash.ctx.roomName(b.roomId)));
}

/** "expected / seats", seats when the room's capacity is known. */
export function expectedText(s: SessionWire, room: Room | undefined): string {
  return `${s.expectedAttendance}${room?.capacity !== undefined ? ` / ${room.capacity}` : ''}`;
}
