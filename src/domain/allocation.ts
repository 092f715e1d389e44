// Room allocation as an integer program: input checks, the HiGHS model as LP text, and decoding a solution into a plan.

export type RoomStatus = 'open' | 'closed' | 'out_of_service';

export interface AllocationRoom {
  readonly id: string;
  readonly capacity: number;
  readonly features: readonly string[];
  readonly status: RoomStatus;
}

export interface AllocationSession {
  readonly id: string;
  /** Epoch ms, delays already applied. */
  readonly startsAt: number;
  readonly endsAt: number;
  readonly roomId: string | null;
  readonly expectedAttendance: number;
  readonly requiredFeatures: readonly string[];
  /** Pinned, live or starting within 15 min: must stay in `roomId`. */
  readonly fixed: boolean;
}

/** Time a room is taken by something that is not being planned (another day, an unselected session). */
export interface BlockingInterval {
  readonly roomId: string;
  readonly startsAt: number;
  readonly endsAt: number;
}

export interface AllocationInput {
  readonly rooms: readonly AllocationRoom[];
  readonly sessions: readonly AllocationSession[];
  readonly blocking: readonly BlockingInterval[];
  readonly changeoverMinutes: number;
}

export type UnplacedReason = 'no_compatible_room' | 'all_compatible_rooms_busy';

export interface AllocationObjective {
  readonly unplaced: number;
  readonly seatsShort: number;
  readonly moves: number;
  readonly seatsIdle: number;
}

export interface AllocationResult {
  /** Every placed session, moved or not; fixed sessions included. */
  readonly assignments: { readonly sessionId: string; readonly fromRoomId: string | null; readonly toRoomId: string }[];
  readonly unplaced: { readonly sessionId: string; readonly reason: UnplacedReason }[];
  readonly objective: AllocationObjective;
  readonly optimal: boolean;
}

/** The objective terms in lexicographic priority order. */
export const OBJECTIVE_TERMS = ['unplaced', 'seatsShort', 'moves', 'seatsIdle'] as const;
export type ObjectiveTerm = (typeof OBJECTIVE_TERMS)[number];

/** Binary column `name` is 1 when session `sessionId` is placed in room `roomId`. */
export interface AllocationVariable {
  readonly name: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly seatsShort: number;
  readonly move: 0 | 1;
  readonly seatsIdle: number;
}

/** One solve: `terms` minimised together, each weighted so that it outweighs all the terms after it. */
export interface AllocationStage {
  readonly terms: readonly ObjectiveTerm[];
  readonly weights: readonly number[];
}

export interface AllocationModel {
  readonly variables: readonly AllocationVariable[];
  /**
   * Solved in order, each stage keeping the terms of the stages before it at their optimum:
   * `unplaced` first and alone, then one stage when the weights of the three others keep the
   * objective exact in a double (within 2^53), otherwise as few stages as keep each exact.
   */
  readonly stages: readonly AllocationStage[];
  /** LP text of the first stage; later ones come from `stageLp`. Columns appear in `variables` order. */
  readonly lp: string;
  /**
   * A feasible plan for HiGHS to start from (column values by name): the plan in force wherever
   * it still fits, then the other sessions first-fit by start time into the free room with the
   * fewest seats short, then idle. HiGHS only improves on it.
   */
  readonly start: Readonly<Record<string, number>>;
  /** Columns of each movable session that has any: at most one of them is chosen. */
  readonly sessionColumns: readonly (readonly string[])[];
  /** One row per maximal set of overlapping candidates in a room, in LP-format `Subject To` syntax. */
  readonly constraints: string;
  /** Constant part of each term (fixed sessions, and `unplaced` counted as "movable minus placed"). */
  readonly termOffsets: readonly [number, number, number, number];
  /** The least each term can be on its own; a stage whose terms are all there has nothing to improve. */
  readonly floors: AllocationObjective;
}

/** Primal values by column name, as returned by the solver; absent columns read as 0. */
export interface AllocationSolution {
  readonly values: Readonly<Record<string, number>>;
  readonly optimal: boolean;
}

export interface AllocationModelOptions {
  /** `auto`: `unplaced` alone, then as few stages as keep the objective exact; `staged`: one stage per term. */
  readonly strategy?: 'auto' | 'staged';
}

export class AllocationInputError extends Error {
  override readonly name = 'AllocationInputError';
}

const MINUTE_MS = 60_000;
// Seat counts become LP coefficients; HiGHS's tolerances (1e-7 and finer) lose meaning far beyond this.
const MAX_SEATS = 1_000_000;
const TERMS_PER_LINE = 8;
const EXACT_LIMIT = 2n ** 53n;

interface Interval {
  readonly startsAt: number;
  readonly endsAt: number;
}

/** A movable session and its columns, one per room it could use. */
interface Candidate {
  readonly session: AllocationSession;
  readonly columns: readonly AllocationVariable[];
}

/**
 * Builds the integer program for `input`.
 *
 * Fixed sessions are not decision variables: they stay in their current room even when that
 * room is no longer compatible (closed, out of service, missing a feature), because moving a
 * live or pinned session is a decision for staff on the floor, not for the optimiser. They then
 * block their room like `blocking` intervals do, and their seats still count in the objective.
 */
export function buildAllocationModel(input: AllocationInput, options: AllocationModelOptions = {}): AllocationModel {
  validate(input);
  const gapMs = input.changeoverMinutes * MINUTE_MS;
  const roomsById = new Map(input.rooms.map((room) => [room.id, room]));

  const busy = new Map<string, Interval[]>(input.rooms.map((room) => [room.id, []]));
  for (const block of input.blocking) busy.get(block.roomId)?.push(block);
  const offsets: [number, number, number, number] = [0, 0, 0, 0];
  for (const session of input.sessions) {
    const room = session.fixed && session.roomId !== null ? roomsById.get(session.roomId) : undefined;
    if (!room) {
      offsets[0] += 1;
      continue;
    }
    busy.get(room.id)?.push(session);
    offsets[1] += shortage(session, room);
    offsets[3] += idleSeats(session, room);
  }

  const variables: AllocationVariable[] = [];
  const candidates: Candidate[] = [];
  const byRoom = new Map<string, { variable: AllocationVariable; interval: Interval }[]>();
  const free = (room: AllocationRoom, session: AllocationSession): boolean =>
    isCompatible(room, session) && !(busy.get(room.id) ?? []).some((other) => conflicts(session, other, gapMs));
  const movable = input.sessions.filter((session) => !session.fixed);
  for (const session of movable) {
    const columns: AllocationVariable[] = [];
    const current = session.roomId === null ? undefined : roomsById.get(session.roomId);
    const canStay = current !== undefined && free(current, session);
    // A move must buy something: fewer seats short, or the current room freed for another session that can use it.
    const roomWanted =
      canStay &&
      movable.some((other) => other !== session && conflicts(session, other, gapMs) && free(current, other));
    for (const room of input.rooms) {
      if (!free(room, session)) continue;
      if (canStay && room !== current && !roomWanted && shortage(session, room) >= shortage(session, current)) continue;
      const variable: AllocationVariable = {
        name: `x${variables.length}`,
        sessionId: session.id,
        roomId: room.id,
        seatsShort: shortage(session, room),
        move: room.id === session.roomId ? 0 : 1,
        seatsIdle: idleSeats(session, room),
      };
      variables.push(variable);
      columns.push(variable);
      const list = byRoom.get(room.id) ?? [];
      list.push({ variable, interval: session });
      byRoom.set(room.id, list);
    }
    if (columns.length > 0) candidates.push({ session, columns });
  }

  const cliqueRows: string[] = [];
  for (const inRoom of byRoom.values()) {
    for (const clique of maximalCliques(inRoom, gapMs)) {
      cliqueRows.push(row(`c${cliqueRows.length}`, clique.map((v): Term => [1, v.name]), '<=', 1));
    }
  }

  const ranges = termRanges(variables);
  const stages = options.strategy === 'staged' ? OBJECTIVE_TERMS.map((term) => ({ terms: [term], weights: [1] })) : groupStages(ranges);
  const floors = { unplaced: offsets[0] - candidates.length, seatsShort: offsets[1], moves: offsets[2], seatsIdle: offsets[3] };
  const parts = {
    variables,
    stages,
    sessionColumns: candidates.map(({ columns }) => columns.map((v) => v.name)),
    constraints: cliqueRows.join('\n'),
    termOffsets: offsets,
    floors,
  };
  return { ...parts, lp: stageLp(parts, 0, floors), start: startPlan(candidates, gapMs) };
}

/**
 * LP text for stage `stage`: minimise its weighted terms while every term of the earlier stages
 * stays at the optimum found for it (`best`, the objective of the plan those stages produced).
 *
 * A term held at its floor is written without a bound row, which would be dense and slow the
 * solve: `unplaced` at its floor places every session that has a column, and a seat or move term
 * at its floor forbids every column that would add to it.
 */
export function stageLp(
  model: Pick<AllocationModel, 'variables' | 'stages' | 'sessionColumns' | 'constraints' | 'termOffsets' | 'floors'>,
  stage: number,
  best: AllocationObjective,
): string {
  const current = model.stages[stage];
  if (!current) throw new RangeError(`the model has no stage ${stage}`);
  const settled = model.stages.slice(0, stage).flatMap((earlier) => earlier.terms);
  const atFloor = (term: ObjectiveTerm): boolean => settled.includes(term) && best[term] === model.floors[term];
  const placeAll = atFloor('unplaced');

  const sessionRows = model.sessionColumns.flatMap((names, i) =>
    placeAll || names.length > 1 ? [row(`s${i}`, names.map((n): Term => [1, n]), placeAll ? '=' : '<=', 1)] : [],
  );
  const boundRows: string[] = [];
  const zero = new Set<string>();
  for (const term of settled) {
    const k = OBJECTIVE_TERMS.indexOf(term);
    if (term === 'unplaced' && placeAll) continue;
    const terms = model.variables.map((v): Term => [termCoefficients(v)[k]!, v.name]);
    if (term !== 'unplaced' && atFloor(term)) {
      for (const [coefficient, name] of terms) if (coefficient > 0) zero.add(name);
    } else if (terms.some(([coefficient]) => coefficient !== 0)) {
      // A term no placement changes is constant, so its bound holds by itself.
      boundRows.push(row(`t${k}`, terms, '<=', best[term] - model.termOffsets[k]!));
    }
  }
  const objective = model.variables.map((v): Term => {
    const coefficients = termCoefficients(v);
    const weighted = current.terms.reduce((sum, term, i) => sum + current.weights[i]! * coefficients[OBJECTIVE_TERMS.indexOf(term)]!, 0);
    return [weighted, v.name];
  });
  const constraints = [...sessionRows, model.constraints, ...boundRows].filter((text) => text !== '').join('\n');
  return lpText(objective, constraints, model.variables, zero);
}

export function decodeAllocation(
  input: AllocationInput,
  model: Pick<AllocationModel, 'variables'>,
  solution: AllocationSolution,
): AllocationResult {
  const roomsById = new Map(input.rooms.map((room) => [room.id, room]));
  const chosen = new Map<string, string>();
  for (const variable of model.variables) {
    // HiGHS returns binaries within its integrality tolerance, not exactly 0 or 1.
    if ((solution.values[variable.name] ?? 0) > 0.5) chosen.set(variable.sessionId, variable.roomId);
  }

  const assignments: AllocationResult['assignments'] = [];
  const unplaced: AllocationResult['unplaced'] = [];
  let seatsShort = 0;
  let moves = 0;
  let seatsIdle = 0;
  for (const session of input.sessions) {
    const roomId = session.fixed ? session.roomId : chosen.get(session.id);
    const room = roomId == null ? undefined : roomsById.get(roomId);
    if (!room) {
      const reason = input.rooms.some((r) => isCompatible(r, session)) ? 'all_compatible_rooms_busy' : 'no_compatible_room';
      unplaced.push({ sessionId: session.id, reason });
      continue;
    }
    assignments.push({ sessionId: session.id, fromRoomId: session.roomId, toRoomId: room.id });
    seatsShort += shortage(session, room);
    seatsIdle += idleSeats(session, room);
    if (room.id !== session.roomId) moves += 1;
  }
  return {
    assignments,
    unplaced,
    objective: { unplaced: unplaced.length, seatsShort, moves, seatsIdle },
    optimal: solution.optimal,
  };
}

/**
 * The input split into parts that share no moment: the movable sessions grouped so that no two
 * sessions of different groups conflict (with the changeover gap), usually one group per day.
 * A placement in one part then never constrains another, and every objective term is a sum over
 * sessions, so each stage's optimum over the whole is the sum of the parts' optima: solving the
 * parts one by one and joining their plans is optimal for the whole, at a fraction of the cost.
 * Each part keeps every room and blocking interval, and sees the fixed sessions as blocking
 * intervals; its plan's columns are the whole model's columns for the same sessions.
 */
export function independentParts(input: AllocationInput): AllocationInput[] {
  const gapMs = input.changeoverMinutes * MINUTE_MS;
  const movable = input.sessions.filter((s) => !s.fixed).sort((a, b) => a.startsAt - b.startsAt || a.endsAt - b.endsAt);
  const groups: AllocationSession[][] = [];
  let reach = -Infinity;
  for (const session of movable) {
    // Sorted by start: a session that starts after every earlier one has ended (plus the gap) conflicts with none of them, nor does any later one.
    if (groups.length === 0 || session.startsAt >= reach + gapMs) groups.push([]);
    groups.at(-1)!.push(session);
    reach = Math.max(reach, session.endsAt);
  }
  const fixedBlocks: BlockingInterval[] = input.sessions.flatMap((s) => (s.fixed && s.roomId !== null ? [{ roomId: s.roomId, startsAt: s.startsAt, endsAt: s.endsAt }] : []));
  const blocking = [...input.blocking, ...fixedBlocks];
  return groups.map((sessions) => ({ rooms: input.rooms, sessions, blocking, changeoverMinutes: input.changeoverMinutes }));
}

/** Session types that stay where the programme put them (everyone is sent there) unless their room fails. */
export const ANCHORED_TYPES: readonly string[] = ['break', 'plenary', 'keynote'];

/**
 * Sessions the planner leaves alone unless their room fails: breaks and plenaries, and sessions
 * without an expected attendance, for which no room is better than another.
 */
export function isAnchored(session: { type: string; expectedAttendance: number | null }): boolean {
  return ANCHORED_TYPES.includes(session.type.toLowerCase()) || !(session.expectedAttendance !== null && session.expectedAttendance > 0);
}

/** A room serves a session when it is open and has every required feature; otherwise it fails it. */
export function isCompatible(room: AllocationRoom, session: Pick<AllocationSession, 'requiredFeatures'>): boolean {
  return room.status === 'open' && session.requiredFeatures.every((feature) => room.features.includes(feature));
}

/** Intervals stretched by the changeover gap overlap: one must end, plus the gap, by the time the other starts. */
function conflicts(a: Interval, b: Interval, gapMs: number): boolean {
  return a.startsAt < b.endsAt + gapMs && b.startsAt < a.endsAt + gapMs;
}

type Term = readonly [coefficient: number, name: string];

function shortage(session: AllocationSession, room: AllocationRoom): number {
  return Math.max(0, session.expectedAttendance - room.capacity);
}

function idleSeats(session: AllocationSession, room: AllocationRoom): number {
  return Math.max(0, room.capacity - session.expectedAttendance);
}

/** Per-column coefficient of each term; `unplaced` is "movable − placed", so a placement counts −1. */
function termCoefficients(v: AllocationVariable): readonly [number, number, number, number] {
  return [-1, v.seatsShort, v.move, v.seatsIdle];
}

/**
 * How far each term can move between two plans: the number of sessions that have a room to go
 * to, and for the seat and move terms the sum over sessions of the most one placement adds.
 */
function termRanges(variables: readonly AllocationVariable[]): [bigint, bigint, bigint, bigint] {
  const largest = new Map<string, [number, number, number]>();
  for (const v of variables) {
    const current = largest.get(v.sessionId) ?? [0, 0, 0];
    largest.set(v.sessionId, [Math.max(current[0], v.seatsShort), Math.max(current[1], v.move), Math.max(current[2], v.seatsIdle)]);
  }
  const ranges: [bigint, bigint, bigint, bigint] = [BigInt(largest.size), 0n, 0n, 0n];
  for (const [short, move, idle] of largest.values()) {
    ranges[1] += BigInt(short);
    ranges[2] += BigInt(move);
    ranges[3] += BigInt(idle);
  }
  return ranges;
}

/**
 * `unplaced` is a stage of its own, solved only when the starting plan leaves a session out that
 * could be placed. Once it is at its floor, every later stage writes each session's row as an
 * equality (place it, in one of its rooms): a much tighter model than a weighted sum with
 * `unplaced` in it (500 sessions × 40 rooms in two independent days: 17 s against 2.2 s for the
 * same optimum in one day).
 *
 * For the other terms, weights make one unit of a term outweigh every possible change in the
 * terms after it in its stage: the last weighs 1 and each earlier one w_k = w_{k+1} · (R_{k+1} + 1).
 * A stage's objective then spans Π (R_k + 1) values, and doubles (what HiGHS computes with) hold
 * integers exactly only up to 2^53, so terms are grouped from the last one backwards while the
 * product stays within that; the first terms, whose bounds are the simplest rows, start new stages.
 */
function groupStages(ranges: readonly bigint[]): AllocationStage[] {
  const groups: { terms: number[]; span: bigint }[] = [];
  for (let k = OBJECTIVE_TERMS.length - 1; k >= 1; k--) {
    const first = groups[0];
    const span = first ? first.span * (ranges[k]! + 1n) : ranges[k]! + 1n;
    if (first && span <= EXACT_LIMIT) {
      first.terms.unshift(k);
      first.span = span;
    } else {
      groups.unshift({ terms: [k], span: ranges[k]! + 1n });
    }
  }
  groups.unshift({ terms: [0], span: ranges[0]! + 1n });
  return groups.map(({ terms }) => {
    const weights = terms.map(() => 1n);
    for (let i = terms.length - 2; i >= 0; i--) weights[i] = weights[i + 1]! * (ranges[terms[i + 1]!]! + 1n);
    return { terms: terms.map((k) => OBJECTIVE_TERMS[k]!), weights: weights.map(Number) };
  });
}

function startPlan(candidates: readonly Candidate[], gapMs: number): Record<string, number> {
  const taken = new Map<string, Interval[]>();
  const start: Record<string, number> = {};
  const tryPlace = (variable: AllocationVariable, interval: Interval): boolean => {
    const inRoom = taken.get(variable.roomId) ?? [];
    if (inRoom.some((other) => conflicts(interval, other, gapMs))) return false;
    inRoom.push(interval);
    taken.set(variable.roomId, inRoom);
    start[variable.name] = 1;
    return true;
  };
  const rest: Candidate[] = [];
  for (const candidate of candidates) {
    const stay = candidate.columns.find((v) => v.move === 0);
    if (!stay || !tryPlace(stay, candidate.session)) rest.push(candidate);
  }
  rest.sort((a, b) => a.session.startsAt - b.session.startsAt);
  for (const { session, columns } of rest) {
    const ranked = [...columns].sort((a, b) => a.seatsShort - b.seatsShort || a.seatsIdle - b.seatsIdle);
    for (const variable of ranked) if (tryPlace(variable, session)) break;
  }
  return start;
}

/**
 * Maximal sets of mutually conflicting candidates in one room. Stretched intervals form an
 * interval graph, whose maximal cliques are the sets alive just before a sweep line first
 * passes an end after some starts: at most one per candidate, instead of a row per pair.
 */
function maximalCliques(
  candidates: readonly { readonly variable: AllocationVariable; readonly interval: Interval }[],
  gapMs: number,
): AllocationVariable[][] {
  const events: { at: number; start: boolean; index: number }[] = [];
  candidates.forEach((c, index) => {
    events.push({ at: c.interval.startsAt, start: true, index }, { at: c.interval.endsAt + gapMs, start: false, index });
  });
  // Stretched intervals are half-open, so at a shared instant the end goes first.
  events.sort((a, b) => a.at - b.at || Number(a.start) - Number(b.start));
  const alive = new Set<number>();
  const cliques: AllocationVariable[][] = [];
  let grew = false;
  for (const event of events) {
    if (event.start) {
      alive.add(event.index);
      grew = true;
      continue;
    }
    if (grew && alive.size > 1) cliques.push([...alive].map((i) => candidates[i]!.variable));
    grew = false;
    alive.delete(event.index);
  }
  return cliques;
}

function row(name: string, terms: readonly Term[], sense: '<=' | '=', rhs: number): string {
  return ` ${name}: ${expression(terms.filter(([coefficient]) => coefficient !== 0))} ${sense} ${rhs}`;
}

function expression(terms: readonly Term[]): string {
  const parts = terms.map(([coefficient, name]) => {
    const magnitude = Math.abs(coefficient);
    return `${coefficient < 0 ? '-' : '+'} ${magnitude === 1 ? '' : `${magnitude} `}${name}`;
  });
  const lines: string[] = [];
  for (let i = 0; i < parts.length; i += TERMS_PER_LINE) lines.push(parts.slice(i, i + TERMS_PER_LINE).join(' '));
  return lines.join('\n   ');
}

/** The objective lists every column, zeros included, so that HiGHS numbers columns in `variables` order. */
function lpText(
  objective: readonly Term[],
  constraints: string,
  variables: readonly AllocationVariable[],
  zero: ReadonlySet<string>,
): string {
  const binaries: string[] = [];
  for (let i = 0; i < variables.length; i += TERMS_PER_LINE * 2) {
    binaries.push(` ${variables.slice(i, i + TERMS_PER_LINE * 2).map((v) => v.name).join(' ')}`);
  }
  const bounds = zero.size > 0 ? ['Bounds', ...[...zero].map((name) => ` ${name} = 0`)] : [];
  return ['Minimize', ` obj: ${expression(objective)}`, 'Subject To', constraints, ...bounds, 'Binaries', ...binaries, 'End', ''].join('\n');
}

function validate(input: AllocationInput): void {
  const fail = (detail: string): never => {
    throw new AllocationInputError(detail);
  };
  if (!Number.isFinite(input.changeoverMinutes) || input.changeoverMinutes < 0) fail('changeoverMinutes must be a non-negative number');
  const roomIds = new Set<string>();
  for (const room of input.rooms) {
    if (roomIds.has(room.id)) fail(`room ${room.id} is listed twice`);
    roomIds.add(room.id);
    if (!isSeatCount(room.capacity)) fail(`room ${room.id} has an invalid capacity`);
  }
  const checkInterval = (what: string, interval: Interval): void => {
    if (!Number.isFinite(interval.startsAt) || !Number.isFinite(interval.endsAt) || interval.endsAt <= interval.startsAt) {
      fail(`${what} must end after it starts`);
    }
  };
  const sessionIds = new Set<string>();
  for (const session of input.sessions) {
    if (sessionIds.has(session.id)) fail(`session ${session.id} is listed twice`);
    sessionIds.add(session.id);
    checkInterval(`session ${session.id}`, session);
    if (!isSeatCount(session.expectedAttendance)) fail(`session ${session.id} has an invalid expected attendance`);
    if (session.roomId !== null && !roomIds.has(session.roomId)) fail(`session ${session.id} is in unknown room ${session.roomId}`);
    // A pinned session without a room has nowhere to stay.
    if (session.fixed && session.roomId === null) fail(`fixed session ${session.id} has no room`);
  }
  for (const block of input.blocking) {
    if (!roomIds.has(block.roomId)) fail(`a blocking interval is in unknown room ${block.roomId}`);
    checkInterval(`a blocking interval in room ${block.roomId}`, block);
  }
}

/** Seats enter the objective as integer coefficients, so they must be whole and within the solver's range. */
function isSeatCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_SEATS;
}
