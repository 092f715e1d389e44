// Sessions: the store functions, the wire shape, and the create / change / clock use cases that emit classified schedule changes.
import type { AccessPolicy, ChangeKind, UpdateKind } from '../core/vocabulary.js';
import { MINUTE_MS, toIso } from '../core/time.js';
import { changeFieldNames, type SessionEvent, type SessionWire } from '../contract/sessions.js';
import { DEFAULT_CHANGEOVER_MINUTES } from '../contract/allocation.js';
import {
  changedFields,
  classifyChange,
  clockStatus,
  placementWarnings,
  primaryKind,
  roomConflict,
  type EditWarning,
  type ScheduleFacts,
} from '../domain/schedule.js';
import { AppError, notFound } from '../core/errors.js';
import type { Op } from '../store/op.js';
import type { SessionQuery, SessionRecord, StoreReader } from '../store/ports.js';
import type { Actor, Tx, UnitOfWork } from '../store/unit-of-work.js';

/** A session as the use cases handle it; the effective times are derived by the database (and by core/time.ts in memory). */
export type SessionRow = SessionRecord;
export type { SessionQuery };

export function toSessionWire(row: SessionRow): SessionWire {
  return {
    id: row.id,
    title: row.title,
    theme: row.theme,
    type: row.type,
    startsAt: toIso(row.startsAt),
    endsAt: toIso(row.endsAt),
    roomId: row.roomId,
    speakers: row.speakers,
    status: row.status,
    delayMinutes: row.delayMinutes,
    access: row.access,
    expectedAttendance: row.expectedAttendance,
    requiredFeatures: row.requiredFeatures,
    version: row.version,
    changeNote: row.changeNote,
  };
}

export type NewSession = Pick<
  SessionRecord,
  'title' | 'theme' | 'type' | 'startsAt' | 'endsAt' | 'roomId' | 'speakers' | 'delayMinutes' | 'access' | 'expectedAttendance' | 'requiredFeatures' | 'changeNote'
> & {
  /** Write even when the room is in use at that time (the answer then warns `room_conflict`). */
  force?: boolean;
};

export interface SessionChanges {
  /** The version the editor saw; a stale one is refused. */
  version: number;
  title?: string;
  theme?: number | null;
  type?: string;
  startsAt?: number;
  endsAt?: number;
  roomId?: string;
  speakers?: string[];
  /** `cancelled` cancels; `scheduled` restores a cancelled session (live and ended follow the clock). */
  status?: 'scheduled' | 'cancelled';
  delayMinutes?: number;
  access?: AccessPolicy;
  expectedAttendance?: number;
  requiredFeatures?: string[];
  changeNote?: string | null;
  /** Write even when the room is in use at that time (the answer then warns `room_conflict`). */
  force?: boolean;
}

/** A written session and what staff should know about where it now is. */
export interface SessionWrite {
  row: SessionRow;
  warnings: EditWarning[];
}

/**
 * The gap a room needs between two sessions (people out, next speaker set up), the same default
 * the allocation planner uses.
 */
export const CHANGEOVER_MS = DEFAULT_CHANGEOVER_MINUTES * MINUTE_MS;

function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', 400, `${field}: ${message}`, { errors: [{ field, message }] });
}

function facts(row: SessionRow): ScheduleFacts {
  return {
    title: row.title,
    roomId: row.roomId,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    delayMinutes: row.delayMinutes,
    status: row.status,
  };
}

/** The status a session should have now: cancelled stays cancelled, the rest follows the clock. */
export function statusNow(row: Pick<SessionRow, 'startsAt' | 'endsAt' | 'delayMinutes' | 'status'>, now: number): SessionRow['status'] {
  return clockStatus({ ...row, cancelled: row.status === 'cancelled' }, now);
}

function versionConflict(edited: number, current: number): AppError {
  return new AppError(
    'version_conflict',
    409,
    `the session changed: you edited version ${edited}, it is now at version ${current}; reload it and try again`,
    { currentVersion: current },
  );
}

export class SessionService {
  constructor(
    private readonly reader: StoreReader,
    private readonly writer: UnitOfWork,
    private readonly newId: () => string,
    private readonly clock: () => number,
  ) {}

  get(id: string): Promise<SessionRow | undefined> {
    return this.reader.read((store) => store.sessions.find(id));
  }

  list(query: SessionQuery = {}): Promise<SessionRow[]> {
    return this.reader.read((store) => store.sessions.list(query));
  }

  create(actor: Actor, input: NewSession): Promise<SessionWrite> {
    const newId = this.newId;
    const insertIn = (tx: Tx, row: SessionRow): Op<void> => this.insertIn(tx, row);
    return this.writer.submit(actor, function* (tx) {
      if (input.endsAt <= input.startsAt) throw invalid('body.endsAt', 'must be after startsAt');
      yield* assertRoom(tx, input.roomId, 'body.roomId');
      const row: SessionRow = {
        id: newId(),
        externalKey: null,
        title: input.title,
        theme: input.theme,
        type: input.type,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        roomId: input.roomId,
        speakers: input.speakers,
        status: 'scheduled',
        delayMinutes: input.delayMinutes,
        access: input.access,
        expectedAttendance: input.expectedAttendance,
        requiredFeatures: [...new Set(input.requiredFeatures)],
        description: null,
        language: null,
        version: 1,
        changeNote: input.changeNote,
        createdAt: tx.now,
        updatedAt: tx.now,
      };
      row.status = statusNow(row, tx.now);
      const warnings = yield* checkPlacement(tx, row, input.force === true);
      yield* insertIn(tx, row);
      return { row, warnings };
    });
  }

  /**
   * Applies an editor's changes if the version they saw is still current (checked inside the
   * transaction on the row as locked, so two editors racing cannot both win). A change with nothing new writes nothing.
   */
  update(actor: Actor, id: string, changes: SessionChanges): Promise<SessionWrite> {
    return this.writer.submit(actor, function* (tx) {
      const row = yield* tx.store.sessions.findForUpdate(id);
      if (!row) throw notFound('session');
      if (changes.version !== row.version) throw versionConflict(changes.version, row.version);
      const startsAt = changes.startsAt ?? row.startsAt;
      const endsAt = changes.endsAt ?? row.endsAt;
      if (endsAt <= startsAt) throw invalid(changes.endsAt !== undefined ? 'body.endsAt' : 'body.startsAt', 'the session must end after it starts');
      if (changes.roomId !== undefined && changes.roomId !== row.roomId) yield* assertRoom(tx, changes.roomId, 'body.roomId');
      const cancelled = changes.status === undefined ? row.status === 'cancelled' : changes.status === 'cancelled';
      const next: SessionRow = {
        ...row,
        title: changes.title ?? row.title,
        theme: changes.theme === undefined ? row.theme : changes.theme,
        type: changes.type ?? row.type,
        startsAt,
        endsAt,
        roomId: changes.roomId ?? row.roomId,
        speakers: changes.speakers ?? row.speakers,
        delayMinutes: changes.delayMinutes ?? row.delayMinutes,
        access: changes.access ?? row.access,
        expectedAttendance: changes.expectedAttendance ?? row.expectedAttendance,
        requiredFeatures: changes.requiredFeatures === undefined ? row.requiredFeatures : [...new Set(changes.requiredFeatures)],
      };
      next.status = cancelled ? 'cancelled' : statusNow({ ...next, status: 'scheduled' }, tx.now);
      const diff = changedFields(toSessionWire(row), toSessionWire(next), changeFieldNames);
      const fieldsChanged = Object.keys(diff.after).length > 0;
      // The note explains this change; a change that comes without one must not inherit the reason for an older one.
      const note = changes.changeNote !== undefined ? changes.changeNote : fieldsChanged ? null : row.changeNote;
      // A new place or time is checked; a delay is the floor reporting what happens, so it is never
      // refused, but an overlap it causes is said (warning room_conflict); other edits leave the slot alone.
      const placed = next.roomId !== row.roomId || next.startsAt !== row.startsAt || next.endsAt !== row.endsAt || (row.status === 'cancelled' && !cancelled);
      const delayed = next.delayMinutes !== row.delayMinutes && !cancelled;
      const warnings = placed
        ? yield* checkPlacement(tx, next, changes.force === true)
        : delayed
          ? yield* checkPlacement(tx, next, true)
          : yield* placementOf(tx, next);
      if (!fieldsChanged && note === row.changeNote) return { row, warnings };
      return { row: yield* updateSessionIn(tx, row, { ...next, changeNote: note }), warnings };
    });
  }

  /** Inserts a session and emits its `session.created` (kind `added`); inside the caller's unit of work. */
  *insertIn(tx: Tx, row: SessionRow): Op<void> {
    yield* tx.store.sessions.insert(row);
    const wire = toSessionWire(row);
    const after = Object.fromEntries(changeFieldNames.map((f) => [f, wire[f]])) as Partial<SessionWire>;
    emitSession(tx, 'session.created', 'added', ['added'], null, after, row.changeNote, wire);
  }

  /**
   * Moves sessions to live or ended as the clock passes their start and end (delays applied).
   * Derived state, not an edit: the version stays, so an editor's open form does not go stale.
   */
  async advanceStatuses(): Promise<number> {
    // Delays only push a session later, so nothing that starts after now can be due.
    const now = this.clock();
    const due = (await this.reader.read((store) => store.sessions.due(now + 1))).filter((row) => statusNow(row, now) !== row.status);
    // Most ticks find nothing: they must not take the write lock for it.
    if (due.length === 0) return 0;
    return this.writer.submit(null, function* (tx) {
      let moved = 0;
      for (const { id } of due) {
        // As it is now, locked: an edit committed since the read above (here or on another node) is
        // judged, and one racing this tick cannot have its status overwritten by a stale one.
        const row = yield* tx.store.sessions.findForUpdate(id);
        if (!row) continue;
        const status = statusNow(row, tx.now);
        if (status === row.status) continue;
        const after: SessionRow = { ...row, status };
        yield* tx.store.sessions.setStatus(row.id, status);
        emitSession(tx, 'session.updated', 'status', [], { status: row.status }, { status }, null, toSessionWire(after));
        moved += 1;
      }
      return moved;
    });
  }
}

/**
 * Writes a changed session with the next version and emits one `session.updated` carrying every
 * change kind it makes; inside the caller's unit of work. Returns the row as stored. A session
 * that another transaction changed since `before` was read is refused (`version_conflict`).
 */
export function* updateSessionIn(tx: Tx, before: SessionRow, next: SessionRow): Op<SessionRow> {
  const after: SessionRow = { ...next, version: before.version + 1, updatedAt: tx.now };
  if (!(yield* tx.store.sessions.update(after, before.version))) {
    const current = yield* tx.store.sessions.find(before.id);
    if (!current) throw notFound('session');
    throw versionConflict(before.version, current.version);
  }
  const kinds = classifyChange(facts(before), facts(after));
  const diff = changedFields(toSessionWire(before), toSessionWire(after), changeFieldNames);
  emitSession(tx, 'session.updated', primaryKind(kinds), kinds, diff.before, diff.after, after.changeNote, toSessionWire(after), [before.roomId, after.roomId]);
  return after;
}

function emitSession(
  tx: Tx,
  name: 'session.created' | 'session.updated',
  kind: UpdateKind,
  kinds: ChangeKind[],
  before: Partial<SessionWire> | null,
  after: Partial<SessionWire> | null,
  note: string | null,
  session: SessionWire,
  roomIds: string[] = [session.roomId],
): void {
  const data: SessionEvent = { kind, kinds, before, after, note, session };
  tx.emit(name, data, roomIds);
}

/**
 * Refuses a place already in use (changeover included) with 409 `room_conflict` naming the
 * other session, unless forced; answers the warnings of the place. Runs before any write.
 */
function* checkPlacement(tx: Tx, row: SessionRow, force: boolean): Op<EditWarning[]> {
  const others = yield* tx.store.sessions.inRoom(row.roomId);
  const other = roomConflict(row, others, CHANGEOVER_MS);
  const warnings = yield* placementOf(tx, row);
  if (other === null) return warnings;
  const detail = `the room is in use by "${other.title}" (${toIso(other.startsAt)} to ${toIso(other.endsAt)}${other.delayMinutes > 0 ? `, ${other.delayMinutes} min late` : ''}) within the ${DEFAULT_CHANGEOVER_MINUTES}-minute changeover`;
  if (!force) {
    throw new AppError('room_conflict', 409, `${detail}; send "force": true to save anyway`, { conflictingSessionId: other.id, warnings });
  }
  return [{ code: 'room_conflict', detail }, ...warnings];
}

function* placementOf(tx: Tx, row: SessionRow): Op<EditWarning[]> {
  const room = yield* tx.store.rooms.find(row.roomId);
  return room ? placementWarnings(row, room) : [];
}

function* assertRoom(tx: Tx, roomId: string, field: string): Op<void> {
  if (!(yield* tx.store.rooms.find(roomId))) throw invalid(field, `no room with id "${roomId}"`);
}
