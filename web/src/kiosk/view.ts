// What every part of the kiosk reads: the live store, the rooms this screen is for (?roomIds=), the zone and room names.
import type { LiveStore, Room } from '../live-store.js';
import type { ScheduleContext } from '../schedule.js';
import { DEFAULT_ZONE, validZone } from '../time.js';

export interface KioskView {
  store: LiveStore;
  /** Room ids from `?roomIds=a,b`; empty: every room. */
  filter: readonly string[];
  ctx: ScheduleContext;
}

export function kioskView(store: LiveStore, search: string): KioskView {
  const filter = (new URLSearchParams(search).get('roomIds') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const ctx: ScheduleContext = {
    get zone() {
      return validZone(store.state.event?.timeZone) ?? DEFAULT_ZONE;
    },
    roomName: (id) => store.state.rooms.get(id)?.name ?? 'another room',
    sessionTitle: (id) => store.state.sessions.get(id)?.title ?? null,
  };
  return { store, filter, ctx };
}

export function visibleRooms(view: KioskView): Room[] {
  const { rooms } = view.store.state;
  if (view.filter.length > 0) {
    return view.filter.map((id) => rooms.get(id)).filter((r): r is Room => r !== undefined);
  }
  return [...rooms.values()]
    .filter((r) => r.status !== 'out_of_service')
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** Whether something about these rooms belongs on this screen: always when the screen shows every room. */
export function concernsScreen(view: KioskView, roomIds: readonly (string | null | undefined)[]): boolean {
  if (view.filter.length === 0) return true;
  return roomIds.some((id) => typeof id === 'string' && view.filter.includes(id));
}
