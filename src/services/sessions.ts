// Sessions: the store functions, the wire shape, and the create / change / clock use cases that emit classified schedule changes.
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Store } from '../db/open.js';
import type { AccessPolicy, ChangeKind, UpdateKind } from '../core/vocabulary.js';
import { MINUTE_MS, toIso } from '../core/time.js';
import { changeFieldNames, type SessionEvent, type SessionWire } from '../contract/sessions.js';
import { DEFAULT_CHANGEOVER_MINUTES } from '../contract/allocation.js';
import { rooms, sessions } from '../db/schema.js';
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
import type { Actor, Tx } from '../store/unit-of-work.js';
import type { Writer } from '../store/sqlite/writer.js';

/** A session as the use cases handle it; the effective times are derived by the database (and by core/time.ts in memory). */
export type SessionRow = Omit<typeof sessions.$inferSelect, 'effectiveStartsAt' | 'effectiveEndsAt'>;

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

export function listSessionRows(store: Store): SessionRow[] {
  return store.db.select().from(sessions).orderBy(sessions.startsAt, sessions.id).all();
}

export interface NewSession {
  title: string;
  theme: number | null;
  type: string;
  startsAt: number;
  endsAt: number;
  roomId: string;
  speakers: string[];
  delayMinutes: number;
  access: AccessPolicy;
  expectedAttendance: number;
  requiredFeatures: string[];
  changeNote: string | null;
  /** Write even when the room is in use at that time (the answer then warns `room_conflict`). */
  force?: boolean;
}

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

export interface SessionQuery {
  /** [start, end) of the sessions' scheduled start, UTC milliseconds. */
  startsWithin?: { start: number; end: number };
  roomId?: string;
}

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

/** Named parameters of the prepared writes; JSON columns are stored as text, as drizzle stores them. */
function toParams(row: SessionRow): Record<string, string | number | null> {
  return {
    id: row.id,
    externalKey: row.externalKey,
    title: row.title,
    theme: row.theme,
    type: row.type,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    roomId: row.roomId,
    speakers: JSON.stringify(row.speakers),
    status: row.status,
    delayMinutes: row.delayMinutes,
    access: JSON.stringify(row.access),
    expectedAttendance: row.expectedAttendance,
    requiredFeatures: JSON.stringify(row.requiredFeatures),
    description: row.description,
    language: row.language,
    version: row.version,
    changeNote: row.changeNote,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export class SessionService {
  private readonly byIdStmt;
  private readonly roomExistsStmt;
  private readonly dueStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly statusStmt;

  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly newId: () => string,
    private readonly clock: () => number,
  ) {
    // Imports write thousands of sessions and PATCH is a hot path: every statement is prepared once.
    this.byIdStmt = store.db.select().from(sessions).where(eq(sessions.id, sql.placeholder('id'))).prepare();
    this.roomExistsStmt = store.db.select({ id: rooms.id }).from(rooms).where(eq(rooms.id, sql.placeholder('id'))).prepare();
    // Sessions whose clock status may have moved on: the timer runs this every few seconds.
    this.dueStmt = store.db
      .select()
      .from(sessions)
      .where(and(inArray(sessions.status, ['scheduled', 'live']), lt(sessions.startsAt, sql.placeholder('horizon'))))
      .prepare();
    this.insertStmt = store.sqlite.prepare(
      `INSERT INTO sessions (id, external_key, title, theme, type, starts_at, ends_at, room_id, speakers, status, delay_minutes, access,
         expected_attendance, required_features, description, language, version, change_note, created_at, updated_at)
       VALUES (@id, @externalKey, @title, @theme, @type, @startsAt, @endsAt, @roomId, @speakers, @status, @delayMinutes, @access,
         @expectedAttendance, @requiredFeatures, @description, @language, @version, @changeNote, @createdAt, @updatedAt)`,
    );
    this.updateStmt = store.sqlite.prepare(
      `UPDATE sessions SET title = @title, theme = @theme, type = @type, starts_at = @startsAt, ends_at = @endsAt, room_id = @roomId,
         speakers = @speakers, status = @status, delay_minutes = @delayMinutes, access = @access, expected_attendance = @expectedAttendance,
         required_features = @requiredFeatures, description = @description, language = @language, version = @version,
         change_note = @changeNote, updated_at = @updatedAt
       WHERE id = @id`,
    );
    this.statusStmt = store.sqlite.prepare('UPDATE sessions SET status = ? WHERE id = ?');
  }

  get(id: string): SessionRow | undefined {
    return this.byIdStmt.get({ id });
  }

  list(query: SessionQuery = {}): SessionRow[] {
    const conditions = [];
    if (query.startsWithin) {
      conditions.push(gte(sessions.startsAt, query.startsWithin.start), lt(sessions.startsAt, query.startsWithin.end));
    }
    if (query.roomId !== undefined) conditions.push(eq(sessions.roomId, query.roomId));
    return this.store.db
      .select()
      .from(sessions)
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(sessions.startsAt, sessions.id)
      .all();
  }

  create(actor: Actor, input: NewSession): Promise<SessionWrite> {
    return this.writer.submit(actor, (tx) => {
      if (input.endsAt <= input.startsAt) throw invalid('body.endsAt', 'must be after startsAt');
      this.assertRoom(input.roomId, 'body.roomId');
      const row: SessionRow = {
        id: this.newId(),
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
      const warnings = this.checkPlacement(row, input.force === true);
      this.insertIn(tx, row);
      return { row, warnings };
    });
  }

  /**
   * Applies an editor's changes if the version they saw is still current (checked inside the
   * transaction, so two editors racing cannot both win). A change with nothing new writes nothing.
   */
  update(actor: Actor, id: string, changes: SessionChanges): Promise<SessionWrite> {
    return this.writer.submit(actor, (tx) => {
      const row = this.get(id);
      if (!row) throw notFound('session');
      if (changes.version !== row.version) {
        throw new AppError(
          'version_conflict',
          409,
          `the session changed: you edited version ${changes.version}, it is now at version ${row.version}; reload it and try again`,
          { currentVersion: row.version },
        );
      }
      const startsAt = changes.startsAt ?? row.startsAt;
      const endsAt = changes.endsAt ?? row.endsAt;
      if (endsAt <= startsAt) throw invalid(changes.endsAt !== undefined ? 'body.endsAt' : 'body.startsAt', 'the session must end after it starts');
      if (changes.roomId !== undefined && changes.roomId !== row.roomId) this.assertRoom(changes.roomId, 'body.roomId');
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
      const warnings = placed ? this.checkPlacement(next, changes.force === true) : delayed ? this.checkPlacement(next, true) : this.placementOf(next);
      if (!fieldsChanged && note === row.changeNote) return { row, warnings };
      return { row: this.updateIn(tx, row, { ...next, changeNote: note }), warnings };
    });
  }

  /** Inserts a session and emits its `session.created` (kind `added`); inside the caller's transaction. */
  insertIn(tx: Tx, row: SessionRow): void {
    this.insertStmt.run(toParams(row));
    const wire = toSessionWire(row);
    const after = Object.fromEntries(changeFieldNames.map((f) => [f, wire[f]])) as Partial<SessionWire>;
    this.emit(tx, 'session.created', 'added', ['added'], null, after, row.changeNote, wire);
  }

  /**
   * Writes a changed session with the next version and emits one `session.updated` carrying every
   * change kind it makes; inside the caller's transaction. Returns the row as stored.
   */
  updateIn(tx: Tx, before: SessionRow, next: SessionRow): SessionRow {
    const after: SessionRow = { ...next, version: before.version + 1, updatedAt: tx.now };
    this.write(after);
    const kinds = classifyChange(facts(before), facts(after));
    const diff = changedFields(toSessionWire(before), toSessionWire(after), changeFieldNames);
    this.emit(tx, 'session.updated', primaryKind(kinds), kinds, diff.before, diff.after, after.changeNote, toSessionWire(after), [before.roomId, after.roomId]);
    return after;
  }

  /**
   * Moves sessions to live or ended as the clock passes their start and end (delays applied).
   * Derived state, not an edit: the version stays, so an editor's open form does not go stale.
   */
  advanceStatuses(): number {
    // Delays only push a session later, so nothing that starts after now can be due.
    const now = this.clock();
    const due = this.dueStmt.all({ horizon: now + 1 }).filter((row) => statusNow(row, now) !== row.status);
    // Most ticks find nothing: they must not take the write lock for it.
    if (due.length === 0) return 0;
    return this.writer.run(null, (tx) => {
      let moved = 0;
      for (const row of due) {
        const status = statusNow(row, tx.now);
        if (status === row.status) continue;
        const after: SessionRow = { ...row, status };
        this.statusStmt.run(status, row.id);
        this.emit(tx, 'session.updated', 'status', [], { status: row.status }, { status }, null, toSessionWire(after));
        moved += 1;
      }
      return moved;
    });
  }

  private write(row: SessionRow): void {
    this.updateStmt.run(toParams(row));
  }

  private emit(
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
  private checkPlacement(row: SessionRow, force: boolean): EditWarning[] {
    const others = this.store.db.select().from(sessions).where(eq(sessions.roomId, row.roomId)).all();
    const other = roomConflict(row, others, CHANGEOVER_MS);
    const warnings = this.placementOf(row);
    if (other === null) return warnings;
    const detail = `the room is in use by "${other.title}" (${toIso(other.startsAt)} to ${toIso(other.endsAt)}${other.delayMinutes > 0 ? `, ${other.delayMinutes} min late` : ''}) within the ${DEFAULT_CHANGEOVER_MINUTES}-minute changeover`;
    if (!force) {
      throw new AppError('room_conflict', 409, `${detail}; send "force": true to save anyway`, { conflictingSessionId: other.id, warnings });
    }
    return [{ code: 'room_conflict', detail }, ...warnings];
  }

  private placementOf(row: SessionRow): EditWarning[] {
    const room = this.store.db.select().from(rooms).where(eq(rooms.id, row.roomId)).get();
    return room ? placementWarnings(row, room) : [];
  }

  private assertRoom(roomId: string, field: string): void {
    if (!this.roomExistsStmt.get({ id: roomId })) throw invalid(field, `no room with id "${roomId}"`);
  }
}
