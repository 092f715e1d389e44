// Staff dashboard: room occupancy and alerts, the day's sessions with quick changes, arrivals, change feed, announcements and allocation plans.
import { ApiError, type ApiClient, type LiveEvent } from './live-client.js';
import {
  categoryLabel,
  isRecord,
  LEVEL_LABELS,
  readAnnouncement,
  readList,
  readRoom,
  readSession,
  readSessionEvent,
  ROOM_STATUS_LABELS,
  SESSION_STATUS_LABELS,
  type Announcement,
  type OccupancyLevel,
  type Room,
  type ScheduleChange,
  type Session,
} from './model.js';
import { byId, changeItem, confirmTwice, errorText, fill, h, keepFocus, loadAllChanges, loadConference, startPage } from './page.js';
import { CHANGE_LABELS, latestChanges, sessionMarkers, type ScheduleContext } from './schedule.js';
import { DEFAULT_ZONE, dayOf, effectiveEnd, effectiveStart, timeOf } from './time.js';

const ALERTS_KEPT = 30;

const UNPLACED_REASONS: Record<string, string> = {
  no_compatible_room: 'no open room has the features it needs',
  all_compatible_rooms_busy: 'every suitable room is taken at that time',
};
const FEED_SIZE = 60;

interface Plan {
  id: string;
  day: string;
  basedOnSeq: number;
  assignments: { sessionId: string; fromRoomId: string | null; toRoomId: string }[];
  unplaced: { sessionId: string; reason: string }[];
  objective: { unplaced: number; seatsShort: number; moves: number; seatsIdle: number };
  optimal: boolean;
  solveMs: number | null;
  state: 'proposed' | 'applied' | 'stale';
}

interface Alert {
  seq: number;
  at: string;
  roomId: string;
  level: string;
  previousLevel: string;
  occupancy: number | null;
  capacity: number | null;
}

type Stats = { total: number; byHour: [string, number][]; byCategory: [string, number][]; byDesk: [string, number][] };

type Part = 'rooms' | 'alerts' | 'sessions' | 'feed' | 'stats' | 'announcements' | 'plan';

const state = {
  zone: DEFAULT_ZONE,
  day: '',
  loaded: false,
  rooms: new Map<string, Room>(),
  sessions: new Map<string, Session>(),
  announcements: new Map<string, Announcement>(),
  changes: new Map<number, ScheduleChange>(),
  alerts: [] as Alert[],
  stats: null as Stats | null,
  plan: null as Plan | null,
  planSessions: new Map<string, Session>(),
  planActivity: '',
  lastScheduleSeq: 0,
  editing: null as string | null,
};

const ctx: ScheduleContext = {
  get zone() {
    return state.zone;
  },
  roomName: (id) => state.rooms.get(id)?.name ?? id,
  sessionTitle: (id) => state.sessions.get(id)?.title ?? state.planSessions.get(id)?.title ?? null,
};

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function problemText(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return [err.detail ? `${err.title}: ${err.detail}` : err.title, fields].filter((x) => x).join(' — ');
  }
  return errorText(err);
}

/** `{ key: count }` or `[{ hour|category|desk|key: …, count }]`: either shape is read. */
function readCounts(v: unknown): [string, number][] {
  if (Array.isArray(v)) {
    const out: [string, number][] = [];
    for (const item of v) {
      if (!isRecord(item)) continue;
      const key = item.hour ?? item.category ?? item.desk ?? item.deskId ?? item.deviceId ?? item.key ?? item.name;
      const count = num(item.count) ?? num(item.total) ?? num(item.value);
      if ((typeof key === 'string' || typeof key === 'number') && count !== null) out.push([String(key), count]);
    }
    return out;
  }
  if (isRecord(v)) {
    return Object.entries(v).flatMap(([k, c]): [string, number][] => {
      const n = num(c) ?? (isRecord(c) ? num(c.count) : null);
      return n === null ? [] : [[k, n]];
    });
  }
  return [];
}

function readStats(v: unknown): Stats | null {
  if (!isRecord(v)) return null;
  const byHour = readCounts(v.byHour).sort(([a], [b]) => hourOrder(a).localeCompare(hourOrder(b)));
  return {
    total: num(v.total) ?? byHour.reduce((sum, [, n]) => sum + n, 0),
    byHour,
    byCategory: readCounts(v.byCategory).sort(([, a], [, b]) => b - a),
    byDesk: readCounts(v.byDesk).sort(([, a], [, b]) => b - a),
  };
}

const WALL_HOUR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}$/;
const ZONED_TIME = /(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Hours are wall-clock keys of the event's zone ("2023-02-15T08:00"): read as written, never
 * through the browser's own zone. Instants with an offset and bare hours ("8") are read too.
 */
function hourLabel(key: string, multiDay: boolean): string {
  const wall = WALL_HOUR.exec(key);
  if (wall) return multiDay ? `${wall[3]}/${wall[2]} ${wall[4]}:00` : `${wall[4]}:00`;
  if (ZONED_TIME.test(key) && Number.isFinite(Date.parse(key))) return timeOf(Date.parse(key), state.zone);
  if (/^\d{1,2}$/.test(key)) return `${key.padStart(2, '0')}:00`;
  return key;
}

function hourOrder(key: string): string {
  return /^\d{1,2}$/.test(key) ? key.padStart(2, '0') : key;
}

function readPlan(v: unknown, day: string): Plan | null {
  if (!isRecord(v) || typeof v.id !== 'string') return null;
  const assignments = Array.isArray(v.assignments)
    ? v.assignments.filter(isRecord).map((a) => ({
        sessionId: String(a.sessionId ?? ''),
        fromRoomId: typeof a.fromRoomId === 'string' ? a.fromRoomId : null,
        toRoomId: String(a.toRoomId ?? ''),
      }))
    : [];
  const unplaced = Array.isArray(v.unplaced)
    ? v.unplaced.filter(isRecord).map((u) => ({ sessionId: String(u.sessionId ?? ''), reason: String(u.reason ?? '') }))
    : [];
  const objective = isRecord(v.objective) ? v.objective : {};
  return {
    id: v.id,
    day,
    basedOnSeq: num(v.basedOnSeq) ?? 0,
    assignments,
    unplaced,
    objective: {
      unplaced: num(objective.unplaced) ?? unplaced.length,
      seatsShort: num(objective.seatsShort) ?? 0,
      moves: num(objective.moves) ?? assignments.filter((a) => a.fromRoomId !== a.toRoomId).length,
      seatsIdle: num(objective.seatsIdle) ?? 0,
    },
    optimal: v.optimal === true,
    solveMs: num(v.solveMs),
    state: 'proposed',
  };
}

function sortedRooms(): Room[] {
  return [...state.rooms.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

function sessionDay(s: Session): string {
  return dayOf(Date.parse(s.startsAt), state.zone);
}

class Dashboard {
  private readonly dirty = new Set<Part>();
  private renderQueued = false;

  constructor(private readonly api: ApiClient) {}

  invalidate(...parts: Part[]): void {
    for (const p of parts) this.dirty.add(p);
    if (this.renderQueued) return;
    this.renderQueued = true;
    window.setTimeout(() => {
      this.renderQueued = false;
      const parts = [...this.dirty];
      this.dirty.clear();
      for (const part of parts) this.render(part);
    }, 50);
  }

  private render(part: Part): void {
    switch (part) {
      case 'rooms':
        return this.renderRooms();
      case 'alerts':
        return this.renderAlerts();
      case 'sessions':
        this.renderSessions();
        return this.renderEditor();
      case 'feed':
        return this.renderFeed();
      case 'stats':
        return this.renderStats();
      case 'announcements':
        return this.renderAnnouncements();
      case 'plan':
        return this.renderPlan();
    }
  }


  async loadSessions(): Promise<void> {
    const day = state.day;
    const status = byId('sessions-status', HTMLElement);
    try {
      const list = readList(
        await this.api.api<unknown>(`/api/sessions?${new URLSearchParams({ day }).toString()}`),
        readSession,
      );
      if (day !== state.day) return;
      state.sessions = new Map(list.map((s) => [s.id, s]));
      status.textContent = '';
    } catch (err) {
      status.textContent = `Could not load the sessions: ${problemText(err)}`;
    }
    this.invalidate('sessions', 'feed');
  }

  async loadChanges(): Promise<void> {
    try {
      const changes = await loadAllChanges(this.api);
      // Merged, not replaced: live events may have arrived while the pages were read.
      for (const c of changes) state.changes.set(c.seq, c);
      this.invalidate('feed', 'sessions');
    } catch (err) {
      byId('feed-status', HTMLElement).textContent = `Could not load the changes: ${problemText(err)}`;
    }
  }

  async loadStats(): Promise<void> {
    try {
      state.stats = readStats(await this.api.api<unknown>('/api/checkins/stats'));
      this.invalidate('stats');
    } catch (err) {
      byId('arrivals-status', HTMLElement).textContent = `Could not load arrivals: ${problemText(err)}`;
    }
  }


  snapshot(data: Record<string, unknown>): void {
    state.rooms = new Map(readList(data.rooms, readRoom).map((r) => [r.id, r]));
    state.announcements = new Map(readList(data.announcements, readAnnouncement).map((a) => [a.id, a]));
    // A snapshot may come from another epoch (a restored database) whose seqs mean something else.
    state.changes = new Map();
    state.lastScheduleSeq = 0;
    const stats = readStats(data.stats ?? data.checkinStats ?? data.arrivals);
    if (stats) state.stats = stats;
    state.loaded = true;
    this.invalidate('rooms', 'announcements', 'sessions', 'stats', 'plan');
    // Whatever was missed while disconnected is read again rather than reconstructed.
    void this.loadSessions();
    void this.loadChanges();
    void this.loadStats();
  }

  event(e: LiveEvent): void {
    if (e.topic === 'schedule') state.lastScheduleSeq = Math.max(state.lastScheduleSeq, e.seq);
    const d = isRecord(e.data) ? e.data : {};
    switch (e.name) {
      case 'session.created':
      case 'session.updated': {
        const parsed = readSessionEvent(e.data, e.seq, e.at, e.name === 'session.created' ? 'added' : '');
        if (!parsed) return;
        if (sessionDay(parsed.session) === state.day) state.sessions.set(parsed.session.id, parsed.session);
        else state.sessions.delete(parsed.session.id);
        if (state.planSessions.has(parsed.session.id)) state.planSessions.set(parsed.session.id, parsed.session);
        if (CHANGE_LABELS[parsed.change.kind]) state.changes.set(parsed.change.seq, parsed.change);
        this.invalidate('sessions', 'feed', 'plan');
        return;
      }
      case 'room.updated': {
        const room = readRoom(e.data);
        if (room) this.upsertRoom(room);
        return;
      }
      case 'room.occupancy':
      case 'room.alert': {
        const room = typeof d.roomId === 'string' ? state.rooms.get(d.roomId) : undefined;
        const level = e.name === 'room.alert' ? d.level : d.occupancyLevel;
        if (room) {
          room.occupancy = num(d.occupancy) ?? room.occupancy;
          room.capacity = num(d.capacity) ?? room.capacity;
          if (level === 'normal' || level === 'near' || level === 'full') {
            room.occupancyLevel = level;
            room.full = level === 'full';
          }
        }
        if (e.name === 'room.alert' && typeof d.roomId === 'string') {
          state.alerts.unshift({
            seq: e.seq,
            at: e.at,
            roomId: d.roomId,
            level: String(d.level ?? ''),
            previousLevel: String(d.previousLevel ?? ''),
            occupancy: num(d.occupancy),
            capacity: num(d.capacity),
          });
          state.alerts.length = Math.min(state.alerts.length, ALERTS_KEPT);
          this.invalidate('alerts');
        }
        this.invalidate('rooms');
        return;
      }
      case 'checkins.stats': {
        const stats = readStats(e.data);
        if (stats) state.stats = stats;
        this.invalidate('stats');
        return;
      }
      case 'announcement.created': {
        const a = readAnnouncement(e.data);
        if (a) state.announcements.set(a.id, a);
        this.invalidate('announcements');
        return;
      }
      case 'announcement.removed':
        if (typeof d.id === 'string') state.announcements.delete(d.id);
        this.invalidate('announcements');
        return;
      case 'allocation.proposed':
      case 'allocation.applied': {
        const id = typeof d.id === 'string' ? d.id : typeof d.planId === 'string' ? d.planId : null;
        const verb = e.name === 'allocation.applied' ? 'applied' : 'proposed';
        if (state.plan && id === state.plan.id) {
          if (verb === 'applied') state.plan.state = 'applied';
        } else {
          state.planActivity = `Another allocation plan was ${verb} at ${timeOf(Date.parse(e.at), state.zone)}.`;
        }
        this.invalidate('plan');
        if (verb === 'applied') void this.loadSessions();
        return;
      }
      default:
        return;
    }
  }


  private renderRooms(): void {
    const grid = byId('rooms', HTMLElement);
    keepFocus(grid, () =>
      fill(
        grid,
        ...sortedRooms().map((room) => {
          const level = room.occupancyLevel ?? 'normal';
          const occupancy = room.occupancy ?? 0;
          const capacity = room.capacity ?? 0;
          const pct = capacity > 0 ? Math.round((occupancy / capacity) * 100) : 0;
          const fillBar = h('span', { class: 'bar__fill' });
          fillBar.style.width = `${Math.min(100, pct)}%`;
          const toggle = h(
            'button',
            { type: 'button', class: 'button button--small', 'data-focus-key': `room-toggle-${room.id}` },
            room.status === 'open' ? 'Close room' : 'Open room',
          );
          const target = room.status === 'open' ? 'closed' : 'open';
          toggle.addEventListener('click', () => void this.setRoomStatus(room, target));
          return h(
            'article',
            {
              class: `room-card level--${level}`,
              'data-room-id': room.id,
              'data-level': level,
              'data-room-status': room.status,
            },
            h('h3', { class: 'room-card__name' }, room.name),
            h(
              'p',
              { class: 'room-card__level' },
              h('strong', null, LEVEL_LABELS[level]),
              room.status !== 'open' ? ` · ${ROOM_STATUS_LABELS[room.status] ?? room.status}` : '',
            ),
            h('p', { class: 'room-card__count' }, `${occupancy} / ${capacity} (${pct}%)`),
            h('span', { class: 'bar', 'aria-hidden': 'true' }, fillBar),
            toggle,
          );
        }),
      ),
    );
  }

  // A room change may come without the staff-only counts: keep the ones already known.
  private upsertRoom(room: Room): void {
    const old = state.rooms.get(room.id);
    state.rooms.set(room.id, {
      ...room,
      capacity: room.capacity ?? old?.capacity ?? null,
      occupancy: room.occupancy ?? old?.occupancy ?? null,
      occupancyLevel: room.occupancyLevel ?? old?.occupancyLevel ?? null,
    });
    this.invalidate('rooms', 'sessions', 'plan');
  }

  private async setRoomStatus(room: Room, status: string): Promise<void> {
    try {
      const updated = readRoom(
        await this.api.api<unknown>(`/api/rooms/${encodeURIComponent(room.id)}`, { method: 'PATCH', json: { status } }),
      );
      if (updated) this.upsertRoom(updated);
    } catch (err) {
      byId('rooms-status', HTMLElement).textContent = `Could not change ${room.name}: ${problemText(err)}`;
    }
  }

  private renderAlerts(): void {
    const list = byId('alerts', HTMLElement);
    if (state.alerts.length === 0) {
      fill(list, h('li', { class: 'alert alert--none' }, 'No capacity alerts.'));
      return;
    }
    fill(
      list,
      ...state.alerts.map((a) =>
        h(
          'li',
          { class: `alert level--${a.level}`, 'data-room-id': a.roomId, 'data-level': a.level },
          h('span', { class: 'alert__time' }, timeOf(Date.parse(a.at), state.zone)),
          ' ',
          h('strong', null, ctx.roomName(a.roomId)),
          `: ${LEVEL_LABELS[a.level as OccupancyLevel] ?? a.level}`,
          a.previousLevel ? ` (was ${LEVEL_LABELS[a.previousLevel as OccupancyLevel] ?? a.previousLevel})` : '',
          a.occupancy !== null && a.capacity !== null ? `, ${a.occupancy} / ${a.capacity}` : '',
        ),
      ),
    );
  }


  private daySessions(): Session[] {
    return [...state.sessions.values()].sort(
      (a, b) => effectiveStart(a) - effectiveStart(b) || ctx.roomName(a.roomId).localeCompare(ctx.roomName(b.roomId)),
    );
  }

  private renderSessions(): void {
    const body = byId('sessions-body', HTMLElement);
    const sessions = this.daySessions();
    const latest = latestChanges(state.changes.values());
    keepFocus(body, () => {
      if (sessions.length === 0) {
        fill(body, h('tr', null, h('td', { colspan: 6 }, `No sessions on ${state.day}.`)));
        return;
      }
      fill(
        body,
        ...sessions.map((s) => {
          const room = state.rooms.get(s.roomId);
          const markers = sessionMarkers(s, latest.get(s.id), ctx);
          const over = room?.capacity !== null && room?.capacity !== undefined && s.expectedAttendance > room.capacity;
          const edit = h(
            'button',
            {
              type: 'button',
              class: 'button button--small',
              'data-focus-key': `edit-${s.id}`,
              'aria-controls': 'editor',
              'aria-expanded': state.editing === s.id ? 'true' : 'false',
            },
            'Change…',
          );
          edit.addEventListener('click', () => this.openEditor(s.id));
          return h(
            'tr',
            {
              'data-session-id': s.id,
              'data-status': s.status,
              class: state.editing === s.id ? 'is-editing' : null,
            },
            h(
              'td',
              { class: 'nowrap' },
              s.delayMinutes > 0
                ? h('s', { class: 'was' }, h('span', { class: 'visually-hidden' }, 'originally '), timeOf(Date.parse(s.startsAt), state.zone))
                : null,
              s.delayMinutes > 0 ? ' ' : null,
              `${timeOf(effectiveStart(s), state.zone)}–${timeOf(effectiveEnd(s), state.zone)}`,
            ),
            h('td', null, room?.name ?? s.roomId),
            h('td', null, h('span', { class: 'session-title' }, s.title), s.type ? h('span', { class: 'muted' }, ` ${s.type}`) : null),
            h(
              'td',
              null,
              h('strong', null, SESSION_STATUS_LABELS[s.status] ?? s.status),
              ...markers
                .filter((m) => m.kind !== 'cancelled')
                .map((m) => h('span', { class: `marker marker--${m.kind}` }, m.text)),
            ),
            h(
              'td',
              { class: over ? 'over' : null },
              `${s.expectedAttendance}${room?.capacity !== null && room?.capacity !== undefined ? ` / ${room.capacity}` : ''}`,
              over ? h('span', { class: 'marker marker--over' }, 'Over capacity') : null,
            ),
            h('td', null, edit),
          );
        }),
      );
    });
  }

  private openEditor(id: string): void {
    state.editing = state.editing === id ? null : id;
    byId('editor-message', HTMLElement).textContent = '';
    byId('editor-note', HTMLInputElement).value = '';
    this.renderSessions();
    this.renderEditor();
    if (state.editing) {
      const editor = byId('editor', HTMLElement);
      editor.scrollIntoView({ block: 'nearest' });
      byId('editor-note', HTMLInputElement).focus();
    }
  }

  private renderEditor(): void {
    const editor = byId('editor', HTMLElement);
    const s = state.editing ? state.sessions.get(state.editing) : undefined;
    if (!s) {
      editor.hidden = true;
      return;
    }
    editor.hidden = false;
    editor.dataset.sessionId = s.id;
    byId('editor-title', HTMLElement).textContent = `Change: ${s.title}`;
    fill(
      byId('editor-summary', HTMLElement),
      `${ctx.roomName(s.roomId)} · ${timeOf(effectiveStart(s), state.zone)}–${timeOf(effectiveEnd(s), state.zone)} · `,
      SESSION_STATUS_LABELS[s.status] ?? s.status,
      s.delayMinutes > 0 ? ` · delayed ${s.delayMinutes} min` : '',
      ` · version ${s.version}`,
    );
    const select = byId('editor-room', HTMLSelectElement);
    const chosen = select.value;
    fill(
      select,
      ...sortedRooms().map((r) =>
        h('option', { value: r.id }, r.id === s.roomId ? `${r.name} (current)` : `${r.name}${r.capacity !== null ? ` · ${r.capacity} seats` : ''}`),
      ),
    );
    select.value = chosen && state.rooms.has(chosen) ? chosen : s.roomId;
    byId('editor-cancel', HTMLButtonElement).hidden = s.status === 'cancelled';
    byId('editor-restore', HTMLButtonElement).hidden = s.status !== 'cancelled';
    byId('editor-ontime', HTMLButtonElement).hidden = s.delayMinutes === 0;
  }

  /** Sends the version the editor saw; a 409 means someone else changed the session first. */
  async patchSession(change: Record<string, unknown>, done: string): Promise<void> {
    const s = state.editing ? state.sessions.get(state.editing) : undefined;
    if (!s) return;
    const message = byId('editor-message', HTMLElement);
    const noteInput = byId('editor-note', HTMLInputElement);
    const note = noteInput.value.trim();
    const form = byId('session-editor', HTMLFormElement);
    form.setAttribute('aria-busy', 'true');
    message.dataset.kind = 'info';
    message.textContent = 'Saving…';
    try {
      const updated = readSession(
        await this.api.api<unknown>(`/api/sessions/${encodeURIComponent(s.id)}`, {
          method: 'PATCH',
          json: { version: s.version, ...change, ...(note ? { changeNote: note } : {}) },
        }),
      );
      if (updated) {
        if (sessionDay(updated) === state.day) state.sessions.set(updated.id, updated);
        else state.sessions.delete(updated.id);
      }
      noteInput.value = '';
      message.dataset.kind = 'ok';
      message.textContent = `Saved: ${done}.`;
    } catch (err) {
      message.dataset.kind = 'error';
      if (err instanceof ApiError && err.code === 'version_conflict') {
        message.textContent =
          'Not saved: someone else changed this session after you opened it (version conflict). It has been reloaded with their change. Check it, then try again.';
        await this.loadSessions();
      } else {
        message.textContent = `Not saved: ${problemText(err)}`;
      }
    } finally {
      form.removeAttribute('aria-busy');
      this.invalidate('sessions');
    }
  }

  wireEditor(): void {
    const form = byId('session-editor', HTMLFormElement);
    form.addEventListener('submit', (e) => e.preventDefault());
    for (const button of form.querySelectorAll<HTMLButtonElement>('button[data-delay]')) {
      button.addEventListener('click', () => {
        const s = state.editing ? state.sessions.get(state.editing) : undefined;
        if (!s) return;
        const add = Number(button.dataset.delay);
        const total = s.delayMinutes + add;
        void this.patchSession({ delayMinutes: total }, `delayed ${add} more minutes (now ${total} min late)`);
      });
    }
    byId('editor-ontime', HTMLButtonElement).addEventListener('click', () => {
      void this.patchSession({ delayMinutes: 0 }, 'back on time');
    });
    byId('editor-move', HTMLButtonElement).addEventListener('click', () => {
      const s = state.editing ? state.sessions.get(state.editing) : undefined;
      const roomId = byId('editor-room', HTMLSelectElement).value;
      if (!s) return;
      if (roomId === s.roomId) {
        byId('editor-message', HTMLElement).textContent = 'Choose a different room to move to.';
        return;
      }
      void this.patchSession({ roomId }, `moved to ${ctx.roomName(roomId)}`);
    });
    confirmTwice(byId('editor-cancel', HTMLButtonElement), 'Confirm: cancel this session', () => {
      void this.patchSession({ status: 'cancelled' }, 'cancelled');
    });
    byId('editor-restore', HTMLButtonElement).addEventListener('click', () => {
      void this.patchSession({ status: 'scheduled' }, 'restored');
    });
    byId('editor-close', HTMLButtonElement).addEventListener('click', () => {
      const id = state.editing;
      state.editing = null;
      this.invalidate('sessions');
      if (id) window.setTimeout(() => document.querySelector<HTMLElement>(`[data-focus-key="edit-${CSS.escape(id)}"]`)?.focus(), 60);
    });
  }


  private renderFeed(): void {
    const list = byId('change-feed', HTMLElement);
    const changes = [...state.changes.values()].sort((a, b) => b.seq - a.seq).slice(0, FEED_SIZE);
    if (changes.length === 0) {
      fill(list, h('li', null, 'No changes yet.'));
      return;
    }
    fill(list, ...changes.map((c) => changeItem(c, ctx, state.zone)));
  }


  private bars(container: HTMLElement, rows: [string, number][], label: (key: string) => string): void {
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

  private renderStats(): void {
    const stats = state.stats;
    byId('arrivals-total', HTMLElement).textContent = stats ? `${stats.total} arrived` : '–';
    const days = new Set((stats?.byHour ?? []).map(([key]) => WALL_HOUR.exec(key)?.slice(1, 4).join('-') ?? ''));
    this.bars(byId('arrivals-hour', HTMLElement), stats?.byHour ?? [], (key) => hourLabel(key, days.size > 1));
    this.bars(byId('arrivals-category', HTMLElement), stats?.byCategory ?? [], categoryLabel);
    this.bars(byId('arrivals-desk', HTMLElement), stats?.byDesk ?? [], (k) => k);
  }


  private renderAnnouncements(): void {
    const list = byId('announcement-list', HTMLElement);
    const items = [...state.announcements.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const rooms = byId('announce-rooms', HTMLElement);
    const checked = new Set(
      [...rooms.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value),
    );
    fill(
      rooms,
      h('legend', null, 'Only in these rooms (optional)'),
      ...sortedRooms().map((r) =>
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', name: 'roomIds', value: r.id, checked: checked.has(r.id) }),
          ` ${r.name}`,
        ),
      ),
    );
    keepFocus(list, () => {
      if (items.length === 0) {
        fill(list, h('li', { class: 'muted' }, 'No active announcements.'));
        return;
      }
      fill(
        list,
        ...items.map((a) => {
          const remove = h(
            'button',
            { type: 'button', class: 'button button--small', 'data-focus-key': `remove-${a.id}` },
            a.severity === 'emergency' ? 'End emergency' : 'Remove',
          );
          remove.addEventListener('click', () => void this.removeAnnouncement(a));
          return h(
            'li',
            { class: `announcement announcement--${a.severity}`, 'data-announcement-id': a.id },
            h('strong', null, a.severity === 'emergency' ? 'EMERGENCY (full screen on kiosks)' : a.severity === 'warning' ? 'Warning' : 'Info'),
            ` ${a.text}`,
            h(
              'span',
              { class: 'muted' },
              ` · ${a.roomIds ? a.roomIds.map((id) => ctx.roomName(id)).join(', ') : 'all screens'}`,
              a.expiresAt ? ` · until ${timeOf(Date.parse(a.expiresAt), state.zone)}` : '',
            ),
            ' ',
            remove,
          );
        }),
      );
    });
  }

  private async removeAnnouncement(a: Announcement): Promise<void> {
    const message = byId('announce-message', HTMLElement);
    try {
      await this.api.api(`/api/announcements/${encodeURIComponent(a.id)}`, { method: 'DELETE' });
      state.announcements.delete(a.id);
      message.textContent = a.severity === 'emergency' ? 'Emergency ended: screens are back to normal.' : 'Announcement removed.';
      this.invalidate('announcements');
    } catch (err) {
      message.textContent = `Could not remove it: ${problemText(err)}`;
    }
  }

  wireAnnouncements(): void {
    const form = byId('announce-form', HTMLFormElement);
    const severity = byId('announce-severity', HTMLSelectElement);
    const confirmRow = byId('announce-confirm-row', HTMLElement);
    const confirm = byId('announce-confirm', HTMLInputElement);
    const submit = byId('announce-submit', HTMLButtonElement);
    const message = byId('announce-message', HTMLElement);
    const syncSeverity = (): void => {
      const emergency = severity.value === 'emergency';
      confirmRow.hidden = !emergency;
      confirm.required = emergency;
      submit.textContent = emergency ? 'Send EMERGENCY to all screens' : 'Publish announcement';
    };
    severity.addEventListener('change', syncSeverity);
    syncSeverity();
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const body: Record<string, unknown> = {
        text: String(data.get('text') ?? '').trim(),
        severity: severity.value,
      };
      const roomIds = data.getAll('roomIds').map(String);
      if (roomIds.length > 0) body.roomIds = roomIds;
      const minutes = Number(data.get('expires') ?? '');
      if (minutes > 0) body.expiresAt = new Date(Date.now() + minutes * 60_000).toISOString();
      message.textContent = 'Publishing…';
      void (async () => {
        try {
          const a = readAnnouncement(await this.api.api<unknown>('/api/announcements', { method: 'POST', json: body }));
          if (a) state.announcements.set(a.id, a);
          form.reset();
          syncSeverity();
          message.textContent = 'Announcement published.';
          this.invalidate('announcements');
        } catch (err) {
          message.textContent = `Not published: ${problemText(err)}`;
        }
      })();
    });
  }


  wirePlans(): void {
    const form = byId('plan-form', HTMLFormElement);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.requestPlan();
    });
    byId('plan-apply', HTMLButtonElement).addEventListener('click', () => void this.applyPlan());
  }

  private async requestPlan(): Promise<void> {
    const day = byId('plan-day', HTMLInputElement).value || state.day;
    const changeover = Number(byId('plan-changeover', HTMLInputElement).value);
    const message = byId('plan-message', HTMLElement);
    message.textContent = 'Solving…';
    try {
      const body: Record<string, unknown> = { day };
      if (Number.isFinite(changeover) && changeover >= 0) body.changeoverMinutes = changeover;
      const plan = readPlan(await this.api.api<unknown>('/api/allocation/plans', { method: 'POST', json: body }), day);
      if (!plan) throw new Error('unexpected answer from the server');
      const sessions =
        day === state.day
          ? [...state.sessions.values()]
          : readList(await this.api.api<unknown>(`/api/sessions?${new URLSearchParams({ day }).toString()}`), readSession);
      state.planSessions = new Map(sessions.map((s) => [s.id, s]));
      state.plan = plan;
      state.planActivity = '';
      message.textContent = `Plan ready for ${day}.`;
    } catch (err) {
      message.textContent = `No plan: ${problemText(err)}`;
    }
    this.invalidate('plan');
  }

  private async applyPlan(): Promise<void> {
    const plan = state.plan;
    if (!plan || plan.state !== 'proposed') return;
    const message = byId('plan-message', HTMLElement);
    message.textContent = 'Applying…';
    try {
      const result = await this.api.api<unknown>(`/api/allocation/plans/${encodeURIComponent(plan.id)}/apply`, {
        method: 'POST',
      });
      const changes = Array.isArray(result)
        ? result
        : isRecord(result)
          ? [result.changes, result.sessions, result.applied].find(Array.isArray)
          : undefined;
      plan.state = 'applied';
      message.textContent =
        changes !== undefined ? `Plan applied: ${changes.length} ${changes.length === 1 ? 'session' : 'sessions'} changed.` : 'Plan applied.';
      void this.loadSessions();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'stale_plan') {
        plan.state = 'stale';
        message.textContent =
          'Not applied: the schedule or the rooms changed after this plan was made (stale plan). Nothing was changed. Request a new plan.';
      } else {
        message.textContent = `Not applied: ${problemText(err)}`;
      }
    }
    this.invalidate('plan');
  }

  private renderPlan(): void {
    const section = byId('plan', HTMLElement);
    const plan = state.plan;
    byId('plan-activity', HTMLElement).textContent = state.planActivity;
    if (!plan) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    section.dataset.planId = plan.id;
    section.dataset.state = plan.state;
    const o = plan.objective;
    fill(
      byId('plan-figures', HTMLElement),
      ...(
        [
          ['Unplaced sessions', o.unplaced],
          ['Seats short', o.seatsShort],
          ['Moves', o.moves],
          ['Seats idle', o.seatsIdle],
        ] as const
      ).map(([label, value]) => h('div', { class: 'figure', 'data-figure': label }, h('dt', null, label), h('dd', null, String(value)))),
      h(
        'div',
        { class: 'figure' },
        h('dt', null, 'Solution'),
        h('dd', null, plan.optimal ? 'Optimal' : 'Not proven optimal'),
      ),
      h('div', { class: 'figure' }, h('dt', null, 'Solve time'), h('dd', null, plan.solveMs !== null ? `${plan.solveMs} ms` : '–')),
    );
    const title = (id: string): string => state.planSessions.get(id)?.title ?? ctx.sessionTitle(id) ?? id;
    const when = (id: string): string => {
      const s = state.planSessions.get(id);
      return s ? `${timeOf(effectiveStart(s), state.zone)}–${timeOf(effectiveEnd(s), state.zone)}` : '';
    };
    const moves = plan.assignments.filter((a) => a.fromRoomId !== a.toRoomId);
    fill(
      byId('plan-moves', HTMLElement),
      ...(moves.length === 0
        ? [h('tr', null, h('td', { colspan: 4 }, 'No session needs to move.'))]
        : moves.map((m) => {
            const s = state.planSessions.get(m.sessionId);
            const to = state.rooms.get(m.toRoomId);
            return h(
              'tr',
              { 'data-session-id': m.sessionId },
              h('td', null, when(m.sessionId)),
              h('td', null, title(m.sessionId)),
              h('td', null, `${m.fromRoomId === null ? 'no room' : ctx.roomName(m.fromRoomId)} → ${ctx.roomName(m.toRoomId)}`),
              h('td', null, s ? `${s.expectedAttendance}${to?.capacity !== null && to?.capacity !== undefined ? ` / ${to.capacity}` : ''}` : ''),
            );
          })),
    );
    const unplaced = byId('plan-unplaced', HTMLElement);
    byId('plan-unplaced-section', HTMLElement).hidden = plan.unplaced.length === 0;
    fill(
      unplaced,
      ...plan.unplaced.map((u) =>
        h('li', { 'data-session-id': u.sessionId }, h('strong', null, title(u.sessionId)), `: ${UNPLACED_REASONS[u.reason] ?? u.reason.replace(/_/g, ' ')}`),
      ),
    );
    const apply = byId('plan-apply', HTMLButtonElement);
    apply.disabled = plan.state !== 'proposed';
    apply.textContent = plan.state === 'applied' ? 'Applied' : plan.state === 'stale' ? 'Out of date' : 'Apply plan';
    byId('plan-stale', HTMLElement).hidden = !(plan.state === 'proposed' && state.lastScheduleSeq > plan.basedOnSeq);
  }
}

function main(): void {
  const page = startPage('dashboard');
  if (!page) return;
  const dash = new Dashboard(page.api);
  const dayInput = byId('day', HTMLInputElement);
  dash.wireEditor();
  dash.wireAnnouncements();
  dash.wirePlans();
  dayInput.addEventListener('change', () => {
    if (!dayInput.value) return;
    state.day = dayInput.value;
    state.editing = null;
    byId('sessions-day', HTMLElement).textContent = state.day;
    void dash.loadSessions();
  });

  void loadConference(page.api).then((found) => {
    if (found.zone) state.zone = found.zone;
    state.day = dayOf(Date.now(), state.zone);
    dayInput.value = state.day;
    byId('plan-day', HTMLInputElement).value = state.day;
    byId('sessions-day', HTMLElement).textContent = state.day;
    byId('zone', HTMLElement).textContent = `Times in ${state.zone}`;
    page.live({
      hasState: () => state.loaded,
      onSnapshot: (data) => dash.snapshot(data),
      onEvent: (e) => dash.event(e),
    });
  });
}

main();
