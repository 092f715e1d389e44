// What every part of the kiosk reads: the live store, the rooms this screen is for (?roomIds=), door mode, the rotation, the zone, room names and the server's clock.
import type { LiveStore, Room } from '../live-store.js';
import type { ScheduleContext } from '../schedule.js';
import { DEFAULT_ZONE, validZone } from '../time.js';

const DEFAULT_ROTATE_S = 15;
const MIN_ROTATE_S = 5;
const MAX_ROTATE_S = 300;

export interface KioskView {
  store: LiveStore;
  /** Room ids from `?roomIds=a,b`; empty: every room. */
  filter: readonly string[];
  /** `?roomIds=<one>`: the screen beside one door, in huge type. */
  door: boolean;
  /** How long one page of rooms stays (`?rotate=` seconds). */
  rotateMs: number;
  ctx: ScheduleContext;
  /** The server's time (the welcome's `at` against this screen's clock), so a demo at another hour shows that hour. */
  now(): number;
  setServerTime(at: number): void;
}

function rotateOf(raw: string | null): number {
  const seconds = raw === null ? Number.NaN : Number(raw);
  if (!Number.isFinite(seconds)) return DEFAULT_ROTATE_S * 1000;
  return Math.min(MAX_ROTATE_S, Math.max(MIN_ROTATE_S, seconds)) * 1000;
}

export function kioskView(store: LiveStore, search: string): KioskView {
  const params = new URLSearchParams(search);
  const filter = (params.get('roomIds') ?? '')
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
  let offset = 0;
  return {
    store,
    filter,
    door: filter.length === 1,
    rotateMs: rotateOf(params.get('rotate')),
    ctx,
    now: () => Date.now() + offset,
    setServerTime: (at) => {
      offset = at - Date.now();
    },
  };
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
