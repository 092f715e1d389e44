// The one live store of every page: a snapshot becomes state, each live event is applied once here, and pages subscribe to what changed.
import type {
  Alert,
  AnnouncementWire,
  ChangeEntry,
  ChangeKind,
  CheckinStats,
  EventInfo,
  LiveEvent,
  NowNextIds,
  NowNextWire,
  OccupancyLevel,
  PublicRoom,
  SessionWire,
  SnapshotData,
  StaffRoom,
  UpdateKind,
} from '../../src/contract/index.js';
import { changeKinds } from '../../src/core/vocabulary.js';

/** An event as one of the pages' audiences receives it: kiosk (public), dashboard (staff), desk. */
export type StoreEvent = LiveEvent<'public'> | LiveEvent<'staff'> | LiveEvent<'desk'>;

/**
 * A room as a page knows it: its public state, and the staff figures once a staff snapshot or an
 * occupancy event has told them (`room.updated` carries the public shape to every audience).
 */
export type Room = PublicRoom & Partial<Pick<StaffRoom, 'capacity' | 'occupancy' | 'occupancyLevel'>>;

/** A capacity alert: from the snapshot (rooms alerting when it was taken), or a `room.alert` event. */
export interface AlertEntry extends Alert {
  seq: number | null;
  at: string | null;
  previousLevel: OccupancyLevel | null;
}

export interface LiveState {
  /** False until a snapshot (or a kiosk's saved copy of one) arrived: events need state to apply to. */
  loaded: boolean;
  event: EventInfo | null;
  rooms: Map<string, Room>;
  sessions: Map<string, SessionWire>;
  announcements: Map<string, AnnouncementWire>;
  /** Public schedule changes by seq: those read from /api/schedule/changes and those pushed since. */
  changes: Map<number, ChangeEntry>;
  /** Per room, the session on now and the next, as the server decides. */
  nowNext: Map<string, NowNextIds>;
  checkinStats: CheckinStats | null;
  /** Newest first. */
  alerts: AlertEntry[];
  /** The newest schedule event seen since the snapshot: a plan based on an older seq is probably stale. */
  scheduleSeq: number;
}

export type Part = 'event' | 'rooms' | 'sessions' | 'announcements' | 'changes' | 'nowNext' | 'stats' | 'alerts' | 'allocation';

export interface StoreUpdate {
  parts: ReadonlySet<Part>;
  /** The live event that caused the update, if one did. */
  event: StoreEvent | null;
  /** True when the whole state was replaced (a snapshot, or a saved copy restored). */
  replaced: boolean;
}

/** What a kiosk keeps in sessionStorage to show the last known schedule after a reload. */
export interface SavedState {
  event: EventInfo | null;
  rooms: Room[];
  sessions: SessionWire[];
  announcements: AnnouncementWire[];
  changes: ChangeEntry[];
  nowNext: NowNextIds[];
}

export interface LiveStore {
  readonly state: Readonly<LiveState>;
  subscribe(listener: (update: StoreUpdate) => void): () => void;
  snapshot(data: SnapshotData): void;
  apply(event: StoreEvent): void;
  /** Changes read from /api/schedule/changes; merged, since live ones may have arrived meanwhile. */
  mergeChanges(entries: readonly ChangeEntry[]): void;
  /** The answer of GET /api/schedule/now. */
  setNowNext(rows: readonly NowNextWire[]): void;
  /** Sessions from a REST answer; a copy older than the one held is ignored. */
  putSessions(list: readonly SessionWire[]): void;
  /** A room from a REST answer (the staff shape, after a PATCH). */
  putRoom(room: Room): void;
  putAnnouncement(a: AnnouncementWire): void;
  dropAnnouncement(id: string): void;
  save(): SavedState;
  restore(saved: SavedState): void;
}

const ALL_PARTS: readonly Part[] = ['event', 'rooms', 'sessions', 'announcements', 'changes', 'nowNext', 'stats', 'alerts', 'allocation'];
const ALERTS_KEPT = 30;

function isChangeKind(kind: UpdateKind): kind is ChangeKind {
  return (changeKinds as readonly string[]).includes(kind);
}

const byKey = <T extends { id: string }>(items: readonly T[]): Map<string, T> => new Map(items.map((i) => [i.id, i]));

export function createLiveStore(options: { keepChanges?: number } = {}): LiveStore {
  const keepChanges = options.keepChanges ?? Number.POSITIVE_INFINITY;
  const listeners = new Set<(update: StoreUpdate) => void>();
  const state: LiveState = {
    loaded: false,
    event: null,
    rooms: new Map(),
    sessions: new Map(),
    announcements: new Map(),
    changes: new Map(),
    nowNext: new Map(),
    checkinStats: null,
    alerts: [],
    scheduleSeq: 0,
  };

  const notify = (parts: Iterable<Part>, event: StoreEvent | null = null, replaced = false): void => {
    const update: StoreUpdate = { parts: new Set(parts), event, replaced };
    for (const listener of listeners) listener(update);
  };

  const trimChanges = (): void => {
    if (state.changes.size <= keepChanges) return;
    const seqs = [...state.changes.keys()].sort((a, b) => a - b);
    for (const seq of seqs.slice(0, seqs.length - keepChanges)) state.changes.delete(seq);
  };

  const mergeRoom = (room: Room): void => {
    // A public-shaped update keeps the staff figures already known.
    state.rooms.set(room.id, { ...state.rooms.get(room.id), ...room });
  };

  const newer = (s: SessionWire): boolean => (state.sessions.get(s.id)?.version ?? -1) <= s.version;

  const changed = (e: StoreEvent): Part[] => {
    switch (e.name) {
      case 'session.created':
      case 'session.updated': {
        const { session, kind, kinds, before, after, note } = e.data;
        state.sessions.set(session.id, session);
        if (!isChangeKind(kind)) return ['sessions'];
        state.changes.set(e.seq, { seq: e.seq, at: e.at, sessionId: session.id, kind, kinds, before, after, note });
        trimChanges();
        return ['sessions', 'changes'];
      }
      case 'session.hidden':
        // A session that turned closed-door leaves a kiosk's programme (EVENTDAY_PUBLIC_RESTRICTED=hidden).
        state.sessions.delete(e.data.sessionId);
        return ['sessions'];
      case 'room.created':
      case 'room.updated':
        mergeRoom(e.data);
        return ['rooms'];
      case 'announcement.created':
        state.announcements.set(e.data.id, e.data);
        return ['announcements'];
      case 'announcement.removed':
        state.announcements.delete(e.data.id);
        return ['announcements'];
      case 'room.occupancy': {
        const { roomId, occupancy, capacity, occupancyLevel } = e.data;
        const room = state.rooms.get(roomId);
        if (room) state.rooms.set(roomId, { ...room, occupancy, capacity, occupancyLevel });
        return ['rooms'];
      }
      case 'room.alert': {
        const { roomId, level, previousLevel, occupancy, capacity } = e.data;
        const room = state.rooms.get(roomId);
        // The figures at the alert are current; the level a card shows comes with room.occupancy.
        if (room) state.rooms.set(roomId, { ...room, occupancy, capacity });
        state.alerts.unshift({ roomId, level, occupancy, capacity, previousLevel, seq: e.seq, at: e.at });
        state.alerts.length = Math.min(state.alerts.length, ALERTS_KEPT);
        return ['rooms', 'alerts'];
      }
      case 'checkins.stats':
        state.checkinStats = e.data;
        return ['stats'];
      case 'allocation.planned':
      case 'allocation.proposed':
      case 'allocation.applied':
        return ['allocation'];
      default:
        return [];
    }
  };

  return {
    state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot(data) {
      state.event = data.event;
      state.rooms = byKey<Room>(data.rooms);
      state.sessions = byKey(data.sessions);
      state.announcements = byKey(data.announcements);
      // A snapshot may come from another epoch (a restored database) whose seqs mean something else.
      state.changes = new Map();
      state.scheduleSeq = 0;
      state.nowNext = new Map(data.nowNext.map((n) => [n.roomId, n]));
      if ('checkinStats' in data) {
        state.checkinStats = data.checkinStats;
        state.alerts = data.alerts.map((a) => ({ ...a, seq: null, at: null, previousLevel: null }));
      }
      state.loaded = true;
      notify(ALL_PARTS, null, true);
    },
    apply(event) {
      if (event.topic === 'schedule') state.scheduleSeq = Math.max(state.scheduleSeq, event.seq);
      notify(changed(event), event);
    },
    mergeChanges(entries) {
      for (const c of entries) state.changes.set(c.seq, c);
      trimChanges();
      notify(['changes']);
    },
    setNowNext(rows) {
      state.nowNext = new Map(rows.map((r) => [r.roomId, { roomId: r.roomId, currentId: r.current?.id ?? null, nextId: r.next?.id ?? null }]));
      for (const r of rows) {
        for (const s of [r.current, r.next]) if (s && newer(s)) state.sessions.set(s.id, s);
      }
      notify(['nowNext', 'sessions']);
    },
    putSessions(list) {
      for (const s of list) if (newer(s)) state.sessions.set(s.id, s);
      notify(['sessions']);
    },
    putRoom(room) {
      mergeRoom(room);
      notify(['rooms']);
    },
    putAnnouncement(a) {
      state.announcements.set(a.id, a);
      notify(['announcements']);
    },
    dropAnnouncement(id) {
      state.announcements.delete(id);
      notify(['announcements']);
    },
    save() {
      return {
        event: state.event,
        rooms: [...state.rooms.values()],
        sessions: [...state.sessions.values()],
        announcements: [...state.announcements.values()],
        changes: [...state.changes.values()],
        nowNext: [...state.nowNext.values()],
      };
    },
    restore(saved) {
      state.event = saved.event;
      state.rooms = byKey(saved.rooms);
      state.sessions = byKey(saved.sessions);
      state.announcements = byKey(saved.announcements);
      state.changes = new Map(saved.changes.map((c) => [c.seq, c]));
      state.nowNext = new Map(saved.nowNext.map((n) => [n.roomId, n]));
      state.loaded = true;
      notify(ALL_PARTS, null, true);
    },
  };
}
