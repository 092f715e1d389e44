// The programme on public surfaces (anonymous feeds, kiosk lists, snapshots and live events): closed-door sessions per EVENTDAY_PUBLIC_RESTRICTED.
import type { Op } from '../store/op.js';
import type { StorePorts, StoreReader } from '../store/ports.js';
import { changeKinds } from '../core/vocabulary.js';
import { toIso } from '../core/time.js';
import { notFound } from '../core/errors.js';
import type { PublicSnapshotData } from '../contract/live.js';
import { changeKindSchema, type ChangeEntry, type NowNextWire, type SessionEvent, type SessionWire } from '../contract/sessions.js';
import { nowAndNext } from '../domain/schedule.js';
import { UNPUBLISHED_ROOM } from '../contract/rooms.js';
import { isRestricted, publicChange, publicProgramme, publicSession, type PublicRestricted } from '../domain/public-schedule.js';
import type { ExportInput } from '../interop/schedule-export.js';
import type { EventRecord } from '../live/event-log.js';
import { exportInputIn, type ScheduleService } from './schedule.js';
import { toSessionWire, type SessionRow } from './sessions.js';

/** `public`: anonymous callers and kiosks; `full`: staff, who see every session where it is. */
export type ScheduleView = 'public' | 'full';

export interface NowNextAnswer {
  rows: NowNextWire[];
  /** The next start or end of a session: until then the answer cannot change by itself. */
  validUntil: number;
}

/** The closed-door sessions as of a log position. */
interface Restricted {
  seq: number;
  ids: Set<string>;
}

export class PublicScheduleService {
  /**
   * The sessions closed-door now, as of the last event followed: history of a session is judged by
   * what it is now as well as by what it was, so one added open and restricted later never shows
   * its old title, room or speakers in the public change feed or a kiosk replay. Kept from the log,
   * so that shaping a live event (synchronous, on every publish) reads no store.
   */
  private restricted: Restricted | null = null;
  /** Events followed while `load` reads: applied once it has, past the seq it read at. */
  private early: EventRecord[] | null = null;

  constructor(
    private readonly reader: StoreReader,
    private readonly schedule: ScheduleService,
    private readonly clock: () => number,
    readonly mode: PublicRestricted,
  ) {}

  /** Reads the closed-door sessions and the log head they stand at; at start, before any event is shaped. Answers that seq. */
  async load(): Promise<number> {
    const early: EventRecord[] = [];
    this.early = early;
    let loaded: Restricted;
    try {
      loaded = await this.reader.read(function* (store) {
        // The head before the ids: a change committed between the two reads is in the ids already, and its event, past the head, says the same again.
        const seq = yield* store.log.headSeq();
        return { seq, ids: new Set(yield* store.programme.restrictedIds()) };
      });
    } finally {
      this.early = null;
    }
    applyEvents(loaded, early);
    this.restricted = loaded;
    return loaded.seq;
  }

  /** Every committed event, in seq order, before it is published: keeps the closed-door sessions current. */
  follow(records: readonly EventRecord[]): void {
    if (this.early !== null) for (const record of records) this.early.push(record);
    if (this.restricted !== null) applyEvents(this.restricted, records);
  }

  private restrictedNow(): ReadonlySet<string> {
    if (this.restricted === null) throw new Error('the public schedule was not loaded: await load() at start');
    return this.restricted.ids;
  }

  /**
   * As `restrictedNow`, inside a read: the followed set while it is at the head the read sees (always
   * on one node), else the store's own answer (another node's change this one has not received yet).
   */
  private *restrictedIn(store: StorePorts): Op<ReadonlySet<string>> {
    const head = yield* store.log.headSeq();
    if (this.restricted !== null && this.restricted.seq === head) return this.restricted.ids;
    return new Set(yield* store.programme.restrictedIds());
  }

  /** The programme for the exporters (schedule.json, .xml, .ics) as the view may see it. */
  exportInput(view: ScheduleView): Promise<ExportInput> {
    const mode = this.mode;
    return this.reader.read(function* (store) {
      const input = yield* exportInputIn(store);
      if (view === 'full') return input;
      const { rooms, sessions: list } = publicProgramme(input.rooms, input.sessions, new Set(yield* store.programme.restrictedIds()), mode);
      return { ...input, rooms, sessions: list };
    });
  }

  /** Sessions as a kiosk lists them. */
  sessions(list: readonly SessionWire[]): SessionWire[] {
    return list.flatMap((s) => publicSession(s, this.mode) ?? []);
  }

  /** Per room the session on now and the next, as the view may see them; a listed closed-door session is in the placeholder room. */
  nowNext(view: ScheduleView, roomId?: string): Promise<NowNextAnswer> {
    const now = this.clock();
    return this.reader.read((store) => this.nowNextIn(store, now, view, roomId));
  }

  private *nowNextIn(store: StorePorts, now: number, view: ScheduleView, roomId: string | undefined): Op<NowNextAnswer> {
    const validUntil = (yield* store.programme.nextChangeAfter(now)) ?? Number.POSITIVE_INFINITY;
    if (view === 'full') return { rows: yield* this.schedule.nowNextRowsIn(store, roomId), validUntil };
    const rows = yield* this.publicNowNextIn(store, now);
    if (roomId === undefined) return { rows, validUntil };
    // An unknown room is 404 as for staff; the placeholder is not a room one can ask for.
    if (!(yield* store.rooms.find(roomId))) throw notFound('room');
    return { rows: rows.filter((r) => r.roomId === roomId), validUntil };
  }

  private *publicNowNextIn(store: StorePorts, now: number): Op<NowNextWire[]> {
    const wire = (row: SessionRow | null | undefined): SessionWire | null => (row ? toSessionWire(row) : null);
    // Open and closed-door sessions are candidates apart, so that a closed-door session never stands in for the next open one of its room.
    const slots = nowAndNext(yield* store.programme.nowNextCandidates(now, true), now);
    const rows: NowNextWire[] = (yield* store.rooms.list()).map((room) => {
      const slot = slots.get(room.id);
      return { roomId: room.id, current: wire(slot?.current), next: wire(slot?.next) };
    });
    if (this.mode === 'listed' && (yield* store.programme.anyRestricted())) {
      const closed = (yield* store.programme.nowNextCandidates(now, false)).map((s) => ({ ...s, roomId: UNPUBLISHED_ROOM.id }));
      const slot = nowAndNext(closed, now).get(UNPUBLISHED_ROOM.id);
      rows.push({ roomId: UNPUBLISHED_ROOM.id, current: wire(slot?.current), next: wire(slot?.next) });
    }
    return rows;
  }

  /** The change feed as the view may see it; a public page is filled up to `limit` past the changes it leaves out. */
  changes(view: ScheduleView, since: number, limit: number): Promise<ChangeEntry[]> {
    if (view === 'full') return this.schedule.changes(since, limit);
    return this.reader.read((store) => this.publicChangesIn(store, since, limit));
  }

  private *publicChangesIn(store: StorePorts, since: number, limit: number): Op<ChangeEntry[]> {
    const out: ChangeEntry[] = [];
    const restrictedNow = yield* this.restrictedIn(store);
    let after = since;
    for (;;) {
      const records = yield* store.log.readNamed(after, limit, { names: ['session.created', 'session.updated'], kinds: changeKinds });
      for (const row of records) {
        const data = JSON.parse(row.payloadJson) as SessionEvent;
        const entry: ChangeEntry = {
          seq: row.seq,
          at: toIso(row.at),
          sessionId: data.session.id,
          kind: changeKindSchema.parse(data.kind),
          kinds: data.kinds,
          before: data.before,
          after: data.after,
          note: data.note,
        };
        const shown = publicChange(entry, isRestricted(data.session.access) || restrictedNow.has(entry.sessionId), this.mode);
        if (shown) out.push(shown);
        if (out.length === limit) return out;
      }
      if (records.length < limit) return out;
      after = records[records.length - 1]!.seq;
    }
  }

  /** A kiosk's snapshot: closed-door sessions hidden or in the placeholder room, now/next by the same rule (a step of the snapshot's read). */
  *snapshotIn(store: StorePorts, data: PublicSnapshotData): Op<PublicSnapshotData> {
    const list = this.sessions(data.sessions);
    const listed = list.some((s) => s.roomId === UNPUBLISHED_ROOM.id);
    const placeholder = { id: UNPUBLISHED_ROOM.id, name: UNPUBLISHED_ROOM.name, features: [], status: 'open' as const, full: false };
    const nowNext = (yield* this.publicNowNextIn(store, this.clock())).map((r) => ({ roomId: r.roomId, currentId: r.current?.id ?? null, nextId: r.next?.id ?? null }));
    return { ...data, sessions: list, rooms: listed ? [...data.rooms, placeholder] : data.rooms, nowNext };
  }

  /**
   * A schedule event as kiosks receive it: the record itself, the record rewritten (a listed
   * closed-door session without its room), or null (a hidden one).
   */
  liveRecord(record: EventRecord): EventRecord | null {
    if (record.name !== 'session.created' && record.name !== 'session.updated') return record;
    const data = JSON.parse(record.payloadJson) as SessionEvent;
    const restrictedThen = isRestricted(data.session.access);
    // A replay of events from before the session was closed-door: judged by what it is now.
    if (!restrictedThen && !this.restrictedNow().has(data.session.id)) return record;
    if (this.mode === 'hidden') {
      // Kiosks held this session while it was open: they are told to drop it, and nothing more.
      const madeRestricted = restrictedThen && data.before?.access !== undefined && !isRestricted(data.before.access);
      return madeRestricted ? { ...record, name: 'session.hidden', roomIds: null, payloadJson: JSON.stringify({ sessionId: data.session.id }) } : null;
    }
    // Listed: without the room, and a move between rooms that are not published says nothing (as in the change feed).
    const kinds = data.kinds.filter((k) => k !== 'moved');
    if (record.name === 'session.updated' && kinds.length === 0 && data.kinds.length > 0) return null;
    const kind = kinds.length === 0 || kinds.some((k) => k === data.kind) ? data.kind : kinds[0]!;
    const strip = <F extends { roomId?: string | undefined }>(fields: F | null): F | null => (fields && 'roomId' in fields ? { ...fields, roomId: UNPUBLISHED_ROOM.id } : fields);
    const shown: SessionEvent = { ...data, kind, kinds, session: { ...data.session, roomId: UNPUBLISHED_ROOM.id }, before: strip(data.before), after: strip(data.after) };
    return { ...record, roomIds: [UNPUBLISHED_ROOM.id], payloadJson: JSON.stringify(shown) };
  }
}

/** Events past the seq the set stands at: a session created or changed is closed-door or not as its payload says. */
function applyEvents(restricted: Restricted, records: readonly EventRecord[]): void {
  for (const record of records) {
    if (record.seq <= restricted.seq) continue;
    restricted.seq = record.seq;
    if (record.name !== 'session.created' && record.name !== 'session.updated') continue;
    const { session } = JSON.parse(record.payloadJson) as SessionEvent;
    if (isRestricted(session.access)) restricted.ids.add(session.id);
    else restricted.ids.delete(session.id);
  }
}
