// Room allocation: the HiGHS plan checked against hard rules and against brute force on small random instances.
import t from 'tap';
import fc from '../property.js';
import { AllocationInputError, buildAllocationModel, decodeAllocation, independentParts } from '../../src/domain/allocation.js';
import type {
  AllocationInput,
  AllocationObjective,
  AllocationResult,
  AllocationRoom,
  AllocationSession,
  RoomStatus,
} from '../../src/domain/allocation.js';
import { solveAllocation } from '../../src/services/allocation-solver.js';

const MIN = 60_000;

function room(id: string, capacity: number, extra: Partial<AllocationRoom> = {}): AllocationRoom {
  return { id, capacity, features: [], status: 'open', ...extra };
}

function session(id: string, startMin: number, endMin: number, extra: Partial<AllocationSession> = {}): AllocationSession {
  return { id, startsAt: startMin * MIN, endsAt: endMin * MIN, roomId: null, expectedAttendance: 50, requiredFeatures: [], fixed: false, ...extra };
}

function input(parts: Partial<AllocationInput>): AllocationInput {
  return { rooms: [], sessions: [], blocking: [], changeoverMinutes: 10, ...parts };
}

function roomOf(result: AllocationResult, sessionId: string): string | undefined {
  return result.assignments.find((a) => a.sessionId === sessionId)?.toRoomId;
}

// An independent reading of the rules, shared by the brute force and the plan checker.
function overlaps(a: { startsAt: number; endsAt: number }, b: { startsAt: number; endsAt: number }, gapMinutes: number): boolean {
  return a.endsAt + gapMinutes * MIN > b.startsAt && b.endsAt + gapMinutes * MIN > a.startsAt;
}

function fits(r: AllocationRoom, s: AllocationSession): boolean {
  return r.status === 'open' && s.requiredFeatures.every((f) => r.features.includes(f));
}

function score(problem: AllocationInput, placement: ReadonlyMap<string, string>): AllocationObjective {
  let unplaced = 0;
  let seatsShort = 0;
  let moves = 0;
  let seatsIdle = 0;
  for (const s of problem.sessions) {
    const roomId = placement.get(s.id);
    const r = problem.rooms.find((x) => x.id === roomId);
    if (!r) {
      unplaced += 1;
      continue;
    }
    seatsShort += Math.max(0, s.expectedAttendance - r.capacity);
    seatsIdle += Math.max(0, r.capacity - s.expectedAttendance);
    if (r.id !== s.roomId) moves += 1;
  }
  return { unplaced, seatsShort, moves, seatsIdle };
}

function compare(a: AllocationObjective, b: AllocationObjective): number {
  return a.unplaced - b.unplaced || a.seatsShort - b.seatsShort || a.moves - b.moves || a.seatsIdle - b.seatsIdle;
}

/** The lexicographically best objective over every assignment of the movable sessions. */
function bruteForce(problem: AllocationInput): AllocationObjective {
  const fixed = problem.sessions.filter((s) => s.fixed);
  const movable = problem.sessions.filter((s) => !s.fixed);
  const placement = new Map<string, string>(fixed.map((s) => [s.id, s.roomId!]));
  let best: AllocationObjective | undefined;
  const visit = (index: number): void => {
    if (index === movable.length) {
      const objective = score(problem, placement);
      if (!best || compare(objective, best) < 0) best = objective;
      return;
    }
    const s = movable[index]!;
    visit(index + 1);
    for (const r of problem.rooms) {
      if (!fits(r, s)) continue;
      const taken =
        problem.blocking.some((b) => b.roomId === r.id && overlaps(s, b, problem.changeoverMinutes)) ||
        problem.sessions.some((o) => o.id !== s.id && placement.get(o.id) === r.id && overlaps(s, o, problem.changeoverMinutes));
      if (taken) continue;
      placement.set(s.id, r.id);
      visit(index + 1);
      placement.delete(s.id);
    }
  };
  visit(0);
  return best!;
}

/** Every hard rule, checked on a returned plan; returns the problems found. */
function violations(problem: AllocationInput, result: AllocationResult): string[] {
  const found: string[] = [];
  const placement = new Map(result.assignments.map((a) => [a.sessionId, a.toRoomId]));
  const listed = [...result.assignments.map((a) => a.sessionId), ...result.unplaced.map((u) => u.sessionId)];
  if (listed.length !== problem.sessions.length || new Set(listed).size !== listed.length) found.push('sessions not listed exactly once');
  for (const a of result.assignments) {
    const s = problem.sessions.find((x) => x.id === a.sessionId)!;
    const r = problem.rooms.find((x) => x.id === a.toRoomId)!;
    if (a.fromRoomId !== s.roomId) found.push(`${s.id}: wrong fromRoomId`);
    if (s.fixed && a.toRoomId !== s.roomId) found.push(`${s.id}: fixed session moved`);
    if (!s.fixed && !fits(r, s)) found.push(`${s.id}: placed in incompatible room ${r.id}`);
    if (!s.fixed && problem.blocking.some((b) => b.roomId === r.id && overlaps(s, b, problem.changeoverMinutes))) {
      found.push(`${s.id}: overlaps a blocking interval in ${r.id}`);
    }
    for (const o of problem.sessions) {
      if (o.id >= s.id || placement.get(o.id) !== r.id || (s.fixed && o.fixed)) continue;
      if (overlaps(s, o, problem.changeoverMinutes)) found.push(`${s.id} and ${o.id} overlap in ${r.id}`);
    }
  }
  for (const u of result.unplaced) {
    const s = problem.sessions.find((x) => x.id === u.sessionId)!;
    if (s.fixed) found.push(`${s.id}: fixed session unplaced`);
    const expected = problem.rooms.some((r) => fits(r, s)) ? 'all_compatible_rooms_busy' : 'no_compatible_room';
    if (u.reason !== expected) found.push(`${s.id}: reason ${u.reason}, expected ${expected}`);
  }
  if (compare(score(problem, placement), result.objective) !== 0) found.push('reported objective does not match the plan');
  return found;
}

const features = ['av', 'secure'] as const;

/** Small instances (at most 6 sessions, 3 rooms) on a 5-minute grid, so that gaps hit boundaries exactly. */
function smallInstance(): fc.Arbitrary<AllocationInput> {
  const roomArb = fc.record({
    capacity: fc.integer({ min: 0, max: 120 }),
    features: fc.subarray([...features]),
    status: fc.constantFrom<RoomStatus>('open', 'open', 'open', 'open', 'closed', 'out_of_service'),
  });
  const sessionArb = fc.record({
    start: fc.integer({ min: 0, max: 24 }),
    length: fc.integer({ min: 1, max: 12 }),
    room: fc.option(fc.nat(2), { freq: 3 }),
    expected: fc.integer({ min: 0, max: 150 }),
    required: fc.subarray([...features], { maxLength: 1 }),
    // About one session in four is pinned, when it has a room.
    fixed: fc.nat(3).map((n) => n === 0),
  });
  const blockArb = fc.record({ room: fc.nat(2), start: fc.integer({ min: 0, max: 24 }), length: fc.integer({ min: 1, max: 12 }) });
  return fc
    .record({
      rooms: fc.array(roomArb, { minLength: 1, maxLength: 3 }),
      sessions: fc.array(sessionArb, { maxLength: 6 }),
      blocking: fc.array(blockArb, { maxLength: 2 }),
      gap: fc.constantFrom(0, 5, 10, 15),
    })
    .map(({ rooms, sessions, blocking, gap }): AllocationInput => ({
      rooms: rooms.map((r, i) => ({ id: `r${i}`, capacity: r.capacity, features: r.features, status: r.status })),
      sessions: sessions.map((s, i) => {
        const roomId = s.room === null ? null : `r${s.room % rooms.length}`;
        return {
          id: `s${i}`,
          startsAt: s.start * 5 * MIN,
          endsAt: (s.start + s.length) * 5 * MIN,
          roomId,
          expectedAttendance: s.expected,
          requiredFeatures: s.required,
          fixed: s.fixed && roomId !== null,
        };
      }),
      blocking: blocking.map((b) => ({ roomId: `r${b.room % rooms.length}`, startsAt: b.start * 5 * MIN, endsAt: (b.start + b.length) * 5 * MIN })),
      changeoverMinutes: gap,
    }));
}

t.test('the HiGHS wasm module loads and solves a trivial instance', async (t) => {
  const result = await solveAllocation(input({ rooms: [room('A', 100)], sessions: [session('s1', 0, 60, { expectedAttendance: 80 })] }));
  t.same(result.assignments, [{ sessionId: 's1', fromRoomId: null, toRoomId: 'A' }]);
  t.same(result.objective, { unplaced: 0, seatsShort: 0, moves: 1, seatsIdle: 20 });
  t.equal(result.optimal, true);
  t.type(result.solveMs, 'number');
});

t.test('the changeover gap: exactly the gap is allowed, a minute less is not', async (t) => {
  const rooms = [room('A', 100)];
  const exact = await solveAllocation(input({ rooms, sessions: [session('s1', 0, 60), session('s2', 70, 120)] }));
  t.equal(exact.assignments.length, 2, 'starts exactly 10 minutes after the other ends');
  t.same(exact.unplaced, []);

  const tightProblem = input({ rooms, sessions: [session('s1', 0, 60), session('s2', 69, 120)] });
  const tight = await solveAllocation(tightProblem);
  t.equal(tight.assignments.length, 1, 'starts 9 minutes after the other ends');
  t.same(tight.unplaced.map((u) => u.reason), ['all_compatible_rooms_busy']);
  t.same(violations(tightProblem, tight), []);

  const before = await solveAllocation(input({ rooms, sessions: [session('s1', 70, 120), session('s2', 0, 61)] }));
  t.equal(before.assignments.length, 1, 'the gap applies whichever session comes first');
});

t.test('fixed sessions stay in their room, even one that is out of service', async (t) => {
  const rooms = [room('small', 40), room('big', 400), room('broken', 300, { status: 'out_of_service' })];
  const sessions = [
    session('pinned', 0, 60, { roomId: 'small', expectedAttendance: 350, fixed: true }),
    session('live', 0, 60, { roomId: 'broken', expectedAttendance: 250, fixed: true }),
    session('free', 0, 60, { roomId: 'broken', expectedAttendance: 30 }),
  ];
  const problem = input({ rooms, sessions });
  const result = await solveAllocation(problem);
  t.equal(roomOf(result, 'pinned'), 'small', 'not moved to the big room that would fit it');
  t.equal(roomOf(result, 'live'), 'broken', 'kept in its out-of-service room');
  t.equal(roomOf(result, 'free'), 'big', 'the movable session leaves the broken room; small is taken by the pinned one');
  t.same(result.objective, { unplaced: 0, seatsShort: 310, moves: 1, seatsIdle: 420 });
  t.same(violations(problem, result), []);
});

t.test('missing features leave a session unplaced with no_compatible_room', async (t) => {
  const rooms = [room('A', 100, { features: ['av'] }), room('B', 100, { features: ['secure'] })];
  const sessions = [session('both', 0, 60, { requiredFeatures: ['av', 'secure'] }), session('av', 0, 60, { requiredFeatures: ['av'] })];
  const result = await solveAllocation(input({ rooms, sessions }));
  t.same(result.unplaced, [{ sessionId: 'both', reason: 'no_compatible_room' }]);
  t.equal(roomOf(result, 'av'), 'A');
});

t.test('a closed or out-of-service room is never used', async (t) => {
  const rooms = [room('closed', 500, { status: 'closed' }), room('oos', 500, { status: 'out_of_service' }), room('tiny', 10)];
  const sessions = [session('s1', 0, 60, { roomId: 'closed', expectedAttendance: 200 }), session('s2', 30, 90, { expectedAttendance: 5 })];
  const problem = input({ rooms, sessions });
  const result = await solveAllocation(problem);
  t.same(result.assignments.map((a) => a.toRoomId), ['tiny'], 'only the open room is used');
  t.equal(roomOf(result, 's2'), 'tiny', 'of two overlapping sessions, the one that fits gets the room');
  t.same(result.unplaced, [{ sessionId: 's1', reason: 'all_compatible_rooms_busy' }]);
  t.same(result.objective, { unplaced: 1, seatsShort: 0, moves: 1, seatsIdle: 5 });
  t.same(violations(problem, result), []);

  const none = await solveAllocation(input({ rooms: rooms.slice(0, 2), sessions }));
  t.same(none.unplaced.map((u) => u.reason), ['no_compatible_room', 'no_compatible_room']);
  t.equal(none.optimal, true);
});

t.test('blocking intervals take their room, the changeover gap included', async (t) => {
  const rooms = [room('A', 100), room('B', 1000)];
  const blocking = [{ roomId: 'A', startsAt: 60 * MIN, endsAt: 120 * MIN }];
  const clash = await solveAllocation(input({ rooms, blocking, sessions: [session('s1', 125, 180, { roomId: 'A' })] }));
  t.equal(roomOf(clash, 's1'), 'B', 'starts 5 minutes after the blocking interval ends');
  t.equal(clash.objective.moves, 1);

  const clear = await solveAllocation(input({ rooms, blocking, sessions: [session('s1', 130, 180, { roomId: 'A' })] }));
  t.equal(roomOf(clear, 's1'), 'A', 'starts exactly 10 minutes after it ends');

  const full = await solveAllocation(input({ rooms: rooms.slice(0, 1), blocking, sessions: [session('s1', 0, 55)] }));
  t.same(full.unplaced, [{ sessionId: 's1', reason: 'all_compatible_rooms_busy' }], 'ends 5 minutes before it starts');
});

t.test('preferences in order: seats, then moves, then idle seats', async (t) => {
  const rooms = [room('current', 60), room('fits', 120), room('huge', 1000)];
  const result = await solveAllocation(input({ rooms, sessions: [session('s1', 0, 60, { roomId: 'current', expectedAttendance: 100 })] }));
  t.equal(roomOf(result, 's1'), 'fits', 'moving beats leaving 40 people standing; the smaller fitting room wins');

  const stay = await solveAllocation(input({ rooms, sessions: [session('s1', 0, 60, { roomId: 'huge', expectedAttendance: 100 })] }));
  t.equal(roomOf(stay, 's1'), 'huge', 'no move only to save idle seats');
});

t.test('one clique row per set of overlapping sessions, not one per pair', async (t) => {
  const sessions = Array.from({ length: 6 }, (_, i) => session(`s${i}`, i, 60 + i));
  const model = buildAllocationModel(input({ rooms: [room('A', 100)], sessions }));
  t.equal(model.variables.length, 6);
  t.equal(model.lp.match(/^ c\d+:/gm)?.length, 1, 'six mutually overlapping sessions: one row');
  t.same(model.stages.map((stage) => stage.terms), [['unplaced'], ['seatsShort', 'moves', 'seatsIdle']], 'placing first, then one weighted solve');

  const chain = Array.from({ length: 4 }, (_, i) => session(`s${i}`, i * 50, i * 50 + 60));
  const chained = buildAllocationModel(input({ rooms: [room('A', 100)], sessions: chain, changeoverMinutes: 0 }));
  t.equal(chained.lp.match(/^ c\d+:/gm)?.length, 3, 'a chain of overlaps: one row per consecutive pair');
});

t.test('stopped by the time limit, the best plan found so far comes back marked not optimal', async (t) => {
  const rooms = Array.from({ length: 30 }, (_, i) => room(`r${i}`, 20 + ((i * 37) % 300)));
  const sessions = Array.from({ length: 120 }, (_, i) =>
    session(`s${i}`, (i * 13) % 480, ((i * 13) % 480) + 30 + ((i * 7) % 60), {
      roomId: i % 4 === 0 ? null : `r${i % 30}`,
      expectedAttendance: 10 + ((i * 53) % 320),
    }),
  );
  const problem = input({ rooms, sessions });
  const result = await solveAllocation(problem, { timeLimitSeconds: 0.001 });
  t.equal(result.optimal, false);
  t.same(violations(problem, result), [], 'still a valid plan');
  const model = buildAllocationModel(problem);
  const inForce = decodeAllocation(problem, model, { values: model.start, optimal: false });
  t.ok(compare(result.objective, inForce.objective) <= 0, 'no worse than the plan in force, clashes removed');
});

t.test('invalid input is rejected', async (t) => {
  const rooms = [room('A', 100)];
  t.throws(() => buildAllocationModel(input({ rooms, sessions: [session('s1', 0, 60, { fixed: true })] })), AllocationInputError);
  t.throws(() => buildAllocationModel(input({ rooms, sessions: [session('s1', 0, 60), session('s1', 60, 90)] })), AllocationInputError);
  t.throws(() => buildAllocationModel(input({ rooms, sessions: [session('s1', 60, 60)] })), AllocationInputError);
  t.throws(() => buildAllocationModel(input({ rooms, sessions: [session('s1', 0, 60, { roomId: 'Z' })] })), AllocationInputError);
  t.throws(() => buildAllocationModel(input({ rooms, sessions: [session('s1', 0, 60, { expectedAttendance: 1.5 })] })), AllocationInputError);
  await t.rejects(solveAllocation(input({ rooms }), { timeLimitSeconds: 0 }), RangeError);
});

t.test('agrees with brute force on random small instances, and every plan keeps the rules', async (t) => {
  let checked = 0;
  let split = 0;
  await fc.assert(
    fc.asyncProperty(smallInstance(), async (problem) => {
      const result = await solveAllocation(problem);
      checked += 1;
      if (independentParts(problem).length > 1) split += 1;
      if (!result.optimal) throw new Error('not proven optimal');
      const found = violations(problem, result);
      if (found.length > 0) throw new Error(found.join('; '));
      const best = bruteForce(problem);
      if (compare(result.objective, best) !== 0) {
        throw new Error(`solver ${JSON.stringify(result.objective)} but brute force ${JSON.stringify(best)}`);
      }
    }),
    { numRuns: 500 },
  );
  t.equal(checked, 500);
  t.ok(split >= 50, `the solves split into independent parts are checked too (${split} of 500)`);
});

t.test('independent parts: no session of one part conflicts with one of another; fixed sessions block their room in every part', async (t) => {
  const gap = 10;
  const problem = input({
    rooms: [room('A', 100), room('B', 50)],
    changeoverMinutes: gap,
    blocking: [{ roomId: 'B', startsAt: 0, endsAt: 30 * MIN }],
    sessions: [
      session('morning-1', 0, 60),
      session('morning-2', 30, 90, { roomId: 'A' }),
      // Starts exactly one gap after the morning ends: its own part.
      session('noon', 100, 160),
      session('pinned', 95, 200, { roomId: 'B', fixed: true }),
      // A minute inside the gap after noon: the same part as noon.
      session('afternoon', 169, 220),
    ],
  });
  const parts = independentParts(problem);
  t.same(parts.map((p) => p.sessions.map((s) => s.id)), [['morning-1', 'morning-2'], ['noon', 'afternoon']]);
  for (const part of parts) {
    t.same(part.rooms, problem.rooms);
    t.same(part.blocking, [...problem.blocking, { roomId: 'B', startsAt: 95 * MIN, endsAt: 200 * MIN }], 'the pinned session blocks B in every part');
  }
  for (const a of parts[0]!.sessions) for (const b of parts[1]!.sessions) t.notOk(overlaps(a, b, gap), `${a.id} and ${b.id} never compete`);

  const result = await solveAllocation(problem);
  t.ok(result.optimal);
  t.equal(roomOf(result, 'pinned'), 'B');
  t.same(result.objective, bruteForce(problem), 'the joined plan is the optimum of the whole');
});

t.test('solved in lexicographic stages, the answers are the same', async (t) => {
  await fc.assert(
    fc.asyncProperty(smallInstance(), async (problem) => {
      const result = await solveAllocation(problem, { strategy: 'staged' });
      if (!result.optimal) throw new Error('not proven optimal');
      const found = violations(problem, result);
      if (found.length > 0) throw new Error(found.join('; '));
      const best = bruteForce(problem);
      if (compare(result.objective, best) !== 0) {
        throw new Error(`solver ${JSON.stringify(result.objective)} but brute force ${JSON.stringify(best)}`);
      }
    }),
    { numRuns: 200 },
  );
  t.equal(buildAllocationModel(input({}), { strategy: 'staged' }).stages.length, 4);
});

t.test('weights are used only while the objective stays exact in a double', async (t) => {
  // Ranges: unplaced 1, seatsShort 20 (in B), moves 1 (to B), seatsIdle 40 (in A).
  const small = buildAllocationModel(
    // In B it is 20 short, so the move to A is a column (a move that buys nothing has none): the same ranges either way.
    input({ rooms: [room('A', 100), room('B', 40)], sessions: [session('s1', 0, 60, { roomId: 'B', expectedAttendance: 60 })] }),
  );
  t.same(small.stages, [
    { terms: ['unplaced'], weights: [1] },
    { terms: ['seatsShort', 'moves', 'seatsIdle'], weights: [(40 + 1) * (1 + 1), 40 + 1, 1] },
  ]);

  const sessions = Array.from({ length: 40 }, (_, i) => session(`s${i}`, 0, 60, { expectedAttendance: 1 + ((i * 7919) % 1000) }));
  const rooms = Array.from({ length: 40 }, (_, i) => room(`r${i}`, 1 + ((i * 104729) % 1000)));
  t.equal(buildAllocationModel(input({ rooms, sessions })).stages.length, 2, 'seats in the hundreds: placing, then the rest weighted');
  const large = input({
    rooms: rooms.map((r) => ({ ...r, capacity: r.capacity * 1000 })),
    sessions: sessions.map((s) => ({ ...s, expectedAttendance: s.expectedAttendance * 1000 })),
  });
  const model = buildAllocationModel(large);
  t.same(
    model.stages.map((stage) => stage.terms),
    [['unplaced'], ['seatsShort'], ['moves', 'seatsIdle']],
    'seat ranges of 40 sessions near a million: Π (R + 1) passes 2^53, so seats short get a stage of their own',
  );
  for (const stage of model.stages) t.equal(stage.weights.at(-1), 1);

  const grouped = await solveAllocation(large);
  const oneByOne = await solveAllocation(large, { strategy: 'staged' });
  t.ok(grouped.optimal && oneByOne.optimal);
  t.same(grouped.objective, oneByOne.objective, 'three stages and four stages find the same optimum');
});
