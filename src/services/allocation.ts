// Room allocation plans: the solver's input read from the database, the solve, the stored plan, applying its moves, and proposals after a room failure.
import {
  AllocationInputError,
  isAnchored,
  isCompatible,
  type AllocationInput,
  type AllocationResult,
  type AllocationRoom,
  type AllocationSession,
  type BlockingInterval,
} from '../domain/allocation.js';
import { effectiveEnd, effectiveStart } from '../core/time.js';
import { localDate, localDayBounds } from '../domain/schedule.js';
import { AppError, notFound, type FieldError } from '../core/errors.js';
import { toIso } from '../core/time.js';
import { updateKinds } from '../core/vocabulary.js';
import type { SessionWire } from '../contract/sessions.js';
import { DEFAULT_CHANGEOVER_MINUTES, type AppliedPlan, type Plan, type PlanDetail } from '../contract/allocation.js';
import type { SolvedAllocation } from './allocation-solver.js';
import type { RoomRow } from './rooms.js';
import { toSessionWire, updateSessionIn, type SessionRow } from './sessions.js';
import type { Op } from '../store/op.js';
import type { PlanRecord, StorePorts, StoreReader } from '../store/ports.js';
import type { Actor, Tx, UnitOfWork } from '../store/unit-of-work.js';

const MINUTE_MS = 60_000;
/** Sessions starting this soon keep their room: people are already on their way. */
export const FIXED_WINDOW_MS = 15 * MINUTE_MS;

export interface PlanRequest {
  day?: string | undefined;
  sessionIds?: string[] | undefined;
  changeoverMinutes?: number | undefined;
  pinned?: string[] | undefined;
}

/** A plan's input, read and checked, waiting for the solver's answer. */
interface Prepared {
  stored: StoredRequest;
  basedOnSeq: number;
}

/** What is stored beside a plan: the request and the exact input it was solved from. */
interface StoredRequest {
  trigger: PlanDetail['trigger'];
  day: string | null;
  sessionIds: string[] | null;
  pinned: string[];
  changeoverMinutes: number;
  /** Sessions asked for but not planned because they are cancelled or over. */
  skipped: string[];
  input: AllocationInput;
}

interface StoredResult {
  assignments: Plan['assignments'];
  unplaced: Plan['unplaced'];
  objective: Plan['objective'];
  optimal: boolean;
  solveMs: number;
}

/** `signal` aborts when nobody waits for the plan any more: the solver drops or abandons the solve. */
export type Solve = (input: AllocationInput, signal?: AbortSignal) => Promise<SolvedAllocation>;

/** Solves queued or running at once, over every device; past it a request is refused, not queued. */
export const MAX_PENDING_SOLVES = 8;

function solverBusy(detail: string): AppError {
  return new AppError('solver_busy', 429, detail);
}

function isOver(s: SessionRow, now: number): boolean {
  return s.status === 'cancelled' || s.status === 'ended' || effectiveEnd(s) <= now;
}

/**
 * Live and started sessions keep their room, and so do sessions starting within 15 minutes unless
 * their room has failed: people are already on their way, but a failed room cannot hold them.
 */
function keepsRoom(s: SessionRow, now: number, failedRoomIds: ReadonlySet<string>): boolean {
  if (s.status === 'live' || effectiveStart(s) <= now) return true;
  return !failedRoomIds.has(s.roomId) && effectiveStart(s) <= now + FIXED_WINDOW_MS;
}

/**
 * Breaks, plenaries and sessions without an expected attendance stay in their room unless it
 * fails them (closed, out of service, a required feature missing, or the room failure that
 * triggered the plan): moving them buys no seats and sends everyone to the wrong place.
 */
function staysAnchored(s: SessionRow, room: AllocationRoom | undefined, failedRoomIds: ReadonlySet<string>): boolean {
  return isAnchored(s) && room !== undefined && !failedRoomIds.has(room.id) && isCompatible(room, s);
}

function failedRoomsOf(trigger: PlanDetail['trigger']): ReadonlySet<string> {
  return new Set(trigger.kind === 'room_failure' ? [trigger.roomId] : []);
}

function invalid(field: string, message: string): AppError {
  const errors: FieldError[] = [{ field, message }];
  return new AppError('validation_failed', 400, `${field}: ${message}`, { errors });
}

// A session going live or ending by the clock (kind `status`) is no edit; apply checks the clock itself.
const SESSION_EDITS = { names: ['session.created', 'session.updated'], kinds: updateKinds.filter((k) => k !== 'status') };
const ROOM_CHANGES = { names: ['room.created', 'room.updated'] };

export interface AllocationServiceDeps {
  store: { readonly reader: StoreReader };
  writer: UnitOfWork;
  clock: () => number;
  newId: () => string;
  timeZone: string;
  solve: Solve;
  /** Default MAX_PENDING_SOLVES. */
  maxPendingSolves?: number;
}

/** What the solver's input is read from, with the log head read before it. */
interface ScheduleRead {
  basedOnSeq: number;
  rooms: RoomRow[];
  sessions: SessionRow[];
}

export class AllocationService {
  private readonly reader: StoreReader;
  private readonly writer: UnitOfWork;
  private readonly clock: () => number;
  private readonly newId: () => string;
  private readonly timeZone: string;
  private readonly solve: Solve;
  private readonly maxPendingSolves: number;
  /** Devices with a solve queued or running: one each, so one token cannot fill the queue. */
  private readonly solvingFor = new Set<string>();
  private pendingSolves = 0;

  constructor(deps: AllocationServiceDeps) {
    this.maxPendingSolves = deps.maxPendingSolves ?? MAX_PENDING_SOLVES;
    this.reader = deps.store.reader;
    this.writer = deps.writer;
    this.clock = deps.clock;
    this.newId = deps.newId;
    this.timeZone = deps.timeZone;
    this.solve = deps.solve;
  }

  /**
   * Reads the schedule, solves outside any transaction (the solver is asynchronous), then stores
   * the plan with an `allocation.planned` event. `basedOnSeq` is the log head when the input was
   * read, so any change made while the solver ran makes the plan stale.
   */
  async createPlan(actor: Actor, request: PlanRequest, signal?: AbortSignal): Promise<Plan> {
    if (request.day !== undefined && request.sessionIds !== undefined) {
      throw invalid('body', 'give either day or sessionIds, not both');
    }
    if (this.solvingFor.has(actor.deviceId)) {
      throw solverBusy('this device already has a plan being solved; wait for its answer before asking for another');
    }
    if (this.pendingSolves >= this.maxPendingSolves) {
      throw solverBusy(`the solver already has ${this.pendingSolves} plans to solve; try again shortly`);
    }
    // Admitted before the schedule is read: the read is awaited too, and a second request must not slip in meanwhile.
    this.solvingFor.add(actor.deviceId);
    this.pendingSolves += 1;
    let prepared: Prepared;
    let solved: SolvedAllocation;
    try {
      prepared = this.prepare(await this.readSchedule(), request, { kind: 'request' });
      solved = await this.solveInput(prepared.stored.input, signal);
    } finally {
      this.solvingFor.delete(actor.deviceId);
      this.pendingSolves -= 1;
    }
    return this.writer.submit(actor, (tx) => this.save(tx, prepared, solved, 'allocation.planned')).then(toPlan);
  }

  async getPlan(id: string): Promise<PlanDetail> {
    const row = await this.reader.read((store) => store.plans.find(id));
    if (!row) throw notFound('allocation plan');
    return toDetail(row);
  }

  /**
   * Applies every move of a plan in one transaction: each a public `session.updated` of kind
   * `moved`, then one `allocation.applied` for staff. Refused as `stale_plan` when sessions or
   * rooms changed after the plan was computed, or when a session it moves is about to start.
   */
  apply(actor: Actor, id: string): Promise<AppliedPlan> {
    return this.writer.submit(actor, function* (tx) {
      const row = yield* tx.store.plans.findForApply(id);
      if (!row) throw notFound('allocation plan');
      // A schedule import locks sessions in its file's order; taking its lock first keeps this apply's sorted session locks out of a cycle with it.
      yield* tx.store.programme.lockForImport();
      if (row.appliedAt !== null) {
        throw new AppError('plan_already_applied', 409, `allocation plan ${id} was applied at ${toIso(row.appliedAt)}`);
      }
      const request = row.request as unknown as StoredRequest;
      const result = row.result as unknown as StoredResult;
      // Lock order on PostgreSQL: the plan, the sessions it moves (by id, as every apply takes
      // them), then the log head. A writer holding one of those sessions is waited for before
      // the head is taken; once it is held, nothing here waits for another's lock, so no deadlock.
      const sessionsById = new Map<string, SessionRow>();
      for (const sessionId of [...new Set(result.assignments.map((a) => a.sessionId))].sort()) {
        const session = yield* tx.store.sessions.findForUpdate(sessionId);
        if (session) sessionsById.set(sessionId, session);
      }
      // From here no other node appends until this commits: the staleness check below holds at the commit.
      yield* tx.store.plans.holdLog();
      const rooms = yield* tx.store.rooms.list();
      yield* assertFresh(tx.store, row.basedOnSeq, request.input, rooms);
      const failedRooms = failedRoomsOf(request.trigger);

      const roomsById = new Map(rooms.map((r) => [r.id, r]));
      const changes: SessionWire[] = [];
      const moves: { sessionId: string; fromRoomId: string; toRoomId: string }[] = [];
      for (const a of result.assignments) {
        const session = sessionsById.get(a.sessionId);
        if (!session || session.roomId === a.toRoomId) continue;
        // Time passes without events: a session the plan could move may have become one that must stay.
        if (keepsRoom(session, tx.now, failedRooms)) {
          throw new AppError('stale_plan', 409, `session ${session.id} is live or starts within 15 minutes: it keeps its room; make a new plan`);
        }
        const target = roomsById.get(a.toRoomId);
        if (!target) throw new AppError('stale_plan', 409, `room ${a.toRoomId} no longer exists; make a new plan`);
        // Through the schedule's own update, so a move is versioned and classified like any edit.
        const moved = yield* updateSessionIn(tx, session, { ...session, roomId: target.id, changeNote: `Moved to ${target.name}` });
        changes.push(toSessionWire(moved));
        moves.push({ sessionId: session.id, fromRoomId: session.roomId, toRoomId: target.id });
      }
      yield* tx.store.plans.markApplied(id, tx.now);
      tx.emit('allocation.applied', { planId: id, appliedAt: toIso(tx.now), moves }, moves.flatMap((m) => [m.fromRoomId, m.toRoomId]));
      return { planId: id, changes };
    });
  }

  /**
   * A plan for the sessions a room failure strands (today's sessions in that room that are not
   * over), published to staff as `allocation.proposed`; staff decide whether to apply it. Their
   * scheduled sessions may move even within 15 minutes of the start: the room cannot hold them.
   * Null when the room is not out of service (any more) or strands nothing.
   */
  async proposeForRoomFailure(roomId: string): Promise<PlanDetail | null> {
    const schedule = await this.readSchedule();
    const now = this.clock();
    const room = schedule.rooms.find((r) => r.id === roomId);
    if (!room || room.status !== 'out_of_service') return null;
    const today = this.dayBounds(localDate(now, this.timeZone));
    const stranded = schedule.sessions.filter((s) => s.roomId === roomId && !isOver(s, now) && s.startsAt >= today.start && s.startsAt < today.end);
    if (stranded.length === 0) return null;
    const prepared = this.prepare(schedule, { sessionIds: stranded.map((s) => s.id) }, { kind: 'room_failure', roomId });
    // A proposal follows a room failure staff must act on: it is not refused for a full queue.
    this.pendingSolves += 1;
    let solved: SolvedAllocation;
    try {
      solved = await this.solveInput(prepared.stored.input);
    } finally {
      this.pendingSolves -= 1;
    }
    return this.writer.submit(null, (tx) => this.save(tx, prepared, solved, 'allocation.proposed'));
  }

  /**
   * Everything the solver needs, the log head first: on SQLite all in one synchronous step; on
   * PostgreSQL a change committed between the head and the rows only makes the plan stale, never
   * a plan that looks fresh but is not.
   */
  private readSchedule(): Promise<ScheduleRead> {
    return this.reader.read(function* (store) {
      const basedOnSeq = yield* store.log.headSeq();
      const rooms = yield* store.rooms.list();
      return { basedOnSeq, rooms, sessions: yield* store.sessions.list() };
    });
  }

  /** The solver's input from one read of the schedule, so the input and `basedOnSeq` agree. */
  private prepare(schedule: ScheduleRead, request: PlanRequest, trigger: PlanDetail['trigger']): Prepared {
    const now = this.clock();
    const failedRoomIds = failedRoomsOf(trigger);
    const roomRows = schedule.rooms;
    const all = schedule.sessions;
    const byId = new Map(all.map((s) => [s.id, s]));
    const changeoverMinutes = request.changeoverMinutes ?? DEFAULT_CHANGEOVER_MINUTES;

    const rooms: AllocationRoom[] = roomRows.map((r) => ({ id: r.id, capacity: r.capacity, features: r.features, status: r.status }));
    const roomsById = new Map(rooms.map((r) => [r.id, r]));
    const unknownIn = (ids: readonly string[]): string[] => [...new Set(ids.filter((id) => !byId.has(id)))];
    const pinned = new Set(request.pinned ?? []);
    const unknownPinned = unknownIn([...pinned]);
    if (unknownPinned.length > 0) throw invalid('body.pinned', `unknown session(s): ${unknownPinned.join(', ')}`);

    let day: string | null = null;
    let candidates: SessionRow[];
    if (request.sessionIds !== undefined) {
      const unknown = unknownIn(request.sessionIds);
      if (unknown.length > 0) throw invalid('body.sessionIds', `unknown session(s): ${unknown.join(', ')}`);
      candidates = [...new Set(request.sessionIds)].map((id) => byId.get(id)!);
    } else {
      // The same day as GET /api/sessions?day=: by scheduled start, local to the event's zone.
      day = request.day ?? localDate(now, this.timeZone);
      const bounds = this.dayBounds(day);
      candidates = all.filter((s) => s.startsAt >= bounds.start && s.startsAt < bounds.end);
    }

    const skipped = candidates.filter((s) => isOver(s, now)).map((s) => s.id);
    const planned = candidates.filter((s) => !isOver(s, now));
    const plannedIds = new Set(planned.map((s) => s.id));
    const allocationSessions: AllocationSession[] = planned.map((s) => ({
      id: s.id,
      startsAt: effectiveStart(s),
      endsAt: effectiveEnd(s),
      roomId: s.roomId,
      expectedAttendance: s.expectedAttendance,
      requiredFeatures: s.requiredFeatures,
      fixed: pinned.has(s.id) || keepsRoom(s, now, failedRoomIds) || staysAnchored(s, roomsById.get(s.roomId), failedRoomIds),
    }));

    // Sessions left out of the plan still hold their rooms where they touch the planned times.
    const gapMs = changeoverMinutes * MINUTE_MS;
    const windowStart = Math.min(...allocationSessions.map((s) => s.startsAt)) - gapMs;
    const windowEnd = Math.max(...allocationSessions.map((s) => s.endsAt)) + gapMs;
    const blocking: BlockingInterval[] = all
      .filter((s) => !plannedIds.has(s.id) && (s.status === 'scheduled' || s.status === 'live'))
      .filter((s) => effectiveEnd(s) > effectiveStart(s) && effectiveEnd(s) > windowStart && effectiveStart(s) < windowEnd)
      .map((s) => ({ roomId: s.roomId, startsAt: effectiveStart(s), endsAt: effectiveEnd(s) }));

    return {
      basedOnSeq: schedule.basedOnSeq,
      stored: {
        trigger,
        day,
        sessionIds: request.sessionIds === undefined ? null : [...new Set(request.sessionIds)],
        pinned: [...pinned],
        changeoverMinutes,
        skipped,
        input: { rooms, sessions: allocationSessions, blocking, changeoverMinutes },
      },
    };
  }

  private dayBounds(day: string): { start: number; end: number } {
    const bounds = localDayBounds(day, this.timeZone);
    if (!bounds) throw invalid('body.day', `${day} is not a date`);
    return bounds;
  }

  /** The caller counts the solve in `pendingSolves`. */
  private async solveInput(input: AllocationInput, signal?: AbortSignal): Promise<SolvedAllocation> {
    try {
      return await this.solve(input, signal);
    } catch (err) {
      // The input comes from the database: a session that ends before it starts is a data problem staff can fix.
      if (err instanceof AllocationInputError) throw new AppError('invalid_schedule', 422, `the schedule cannot be planned: ${err.message}`);
      // Nobody reads this answer: the client is gone. 499 tells the log why the solve stopped.
      if (signal?.aborted) throw new AppError('request_cancelled', 499, 'the client closed the request before the plan was solved');
      throw err;
    }
  }

  private *save(tx: Tx, prepared: Prepared, solved: SolvedAllocation, eventName: 'allocation.planned' | 'allocation.proposed'): Op<PlanDetail> {
    const result: StoredResult = {
      assignments: solved.assignments.map((a) => ({ sessionId: a.sessionId, fromRoomId: a.fromRoomId, toRoomId: a.toRoomId })),
      unplaced: solved.unplaced.map((u) => ({ sessionId: u.sessionId, reason: u.reason })),
      objective: objectiveOf(solved),
      optimal: solved.optimal,
      solveMs: solved.solveMs,
    };
    const row: PlanRecord = {
      id: this.newId(),
      basedOnSeq: prepared.basedOnSeq,
      request: prepared.stored as unknown as Record<string, unknown>,
      result: result as unknown as Record<string, unknown>,
      createdAt: tx.now,
      createdBy: tx.actor?.deviceId ?? null,
      appliedAt: null,
    };
    yield* tx.store.plans.insert(row);
    const detail = toDetail(row);
    tx.emit(eventName, detail);
    return detail;
  }
}

/**
 * Refuses a plan whose input no longer describes the schedule: a session changed, or a room's
 * status, capacity or features. `rooms` are the rooms now.
 */
function* assertFresh(store: StorePorts, basedOnSeq: number, input: AllocationInput, rooms: readonly RoomRow[]): Op<void> {
  if ((yield* store.log.readNamed(basedOnSeq, 1, SESSION_EDITS)).length > 0) {
    throw new AppError('stale_plan', 409, `the schedule changed after event ${basedOnSeq}; make a new plan`);
  }
  if ((yield* store.log.readNamed(basedOnSeq, 1, ROOM_CHANGES)).length === 0) return;
  // room.updated also announces a room turning full or not full, which changes nothing a plan relies on.
  const current = new Map(rooms.map((r) => [r.id, r]));
  const changed = input.rooms.filter((r) => {
    const now = current.get(r.id);
    return !now || now.status !== r.status || now.capacity !== r.capacity || !sameSet(now.features, r.features);
  });
  if (changed.length > 0) {
    throw new AppError('stale_plan', 409, `room(s) ${changed.map((r) => r.id).join(', ')} changed after event ${basedOnSeq}; make a new plan`);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function objectiveOf(r: AllocationResult): Plan['objective'] {
  return { unplaced: r.objective.unplaced, moves: r.objective.moves, seatsShort: r.objective.seatsShort, seatsIdle: r.objective.seatsIdle };
}

function toPlan(d: PlanDetail): Plan {
  return {
    id: d.id,
    basedOnSeq: d.basedOnSeq,
    assignments: d.assignments,
    unplaced: d.unplaced,
    objective: d.objective,
    optimal: d.optimal,
    solveMs: d.solveMs,
  };
}

function toDetail(row: PlanRecord): PlanDetail {
  const request = row.request as unknown as StoredRequest;
  const result = row.result as unknown as StoredResult;
  return {
    id: row.id,
    basedOnSeq: row.basedOnSeq,
    assignments: result.assignments,
    unplaced: result.unplaced,
    objective: result.objective,
    optimal: result.optimal,
    solveMs: result.solveMs,
    createdAt: toIso(row.createdAt),
    appliedAt: row.appliedAt === null ? null : toIso(row.appliedAt),
    changeoverMinutes: request.changeoverMinutes,
    trigger: request.trigger,
  };
}
