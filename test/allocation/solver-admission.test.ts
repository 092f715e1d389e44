// Solver admission: one solve per device, a bounded queue over all, and a request whose client hangs up is no longer solved.
import http from 'node:http';
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateProgramme as programme } from '../../scripts/bench/allocation-programmes.js';
import { SolveCancelledError, pendingSolves, solveAllocation } from '../../src/services/allocation-solver.js';
import type { SolvedAllocation } from '../../src/services/allocation-solver.js';
import type { Solve } from '../../src/services/allocation.js';
import { MAX_PENDING_SOLVES } from '../../src/services/allocation.js';
import type { AllocationInput } from '../../src/domain/allocation.js';
import { build, listen, testClock, type Built } from '../helper.js';

interface Held {
  input: AllocationInput;
  signal: AbortSignal | undefined;
  finish: () => void;
}

/** Replaces the app's solver with one whose solves finish only when the test says so. */
function holdSolves(built: Built): Held[] {
  const held: Held[] = [];
  const solve: Solve = (input, signal) =>
    new Promise<SolvedAllocation>((resolve, reject) => {
      const answer: SolvedAllocation = { assignments: [], unplaced: [], objective: { unplaced: 0, moves: 0, seatsShort: 0, seatsIdle: 0 }, optimal: true, solveMs: 0 } as unknown as SolvedAllocation;
      held.push({ input, signal, finish: () => resolve(answer) });
      signal?.addEventListener('abort', () => reject(new SolveCancelledError()), { once: true });
    });
  (built.app.services.allocation as unknown as { solve: Solve }).solve = solve;
  return held;
}

async function newOpsToken(built: Built, name: string): Promise<string> {
  const res = await built.app.inject({ method: 'POST', url: '/api/devices', headers: built.auth('admin'), payload: { name, role: 'ops' } });
  return (res.json() as { token: string }).token;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const planRequest = (built: Built, authorization: string) =>
  built.app.inject({ method: 'POST', url: '/api/allocation/plans', headers: { authorization }, payload: {} });

t.test('one solve in flight per device: a second request from it is 429 solver_busy; other devices still plan', async (t) => {
  const built = await build(t, { deps: { clock: testClock() } });
  const held = holdSolves(built);
  const ops = `Bearer ${built.tokens.ops}`;
  const first = planRequest(built, ops);
  await until(() => held.length === 1, 'the first solve');

  const second = await planRequest(built, ops);
  t.equal(second.statusCode, 429);
  t.match(second.headers['content-type'], /application\/problem\+json/);
  t.match(second.json(), { code: 'solver_busy', status: 429 });
  t.equal(held.length, 1, 'the refused request was not queued');

  const other = planRequest(built, `Bearer ${built.tokens.admin}`);
  await until(() => held.length === 2, 'the other device’s solve');
  held[1]!.finish();
  t.equal((await other).statusCode, 201, 'another device is not held up');

  held[0]!.finish();
  t.equal((await first).statusCode, 201);
  const again = planRequest(built, ops);
  await until(() => held.length === 3, 'the next solve');
  held[2]!.finish();
  t.equal((await again).statusCode, 201, 'once answered, the device may plan again');
});

t.test('the queue over all devices is bounded: past it, 429 solver_busy and nothing queued', async (t) => {
  const built = await build(t, { deps: { clock: testClock() } });
  const held = holdSolves(built);
  const tokens = await Promise.all(Array.from({ length: MAX_PENDING_SOLVES + 1 }, (_, i) => newOpsToken(built, `ops ${i}`)));
  const pending = tokens.slice(0, MAX_PENDING_SOLVES).map((token) => planRequest(built, `Bearer ${token}`));
  await until(() => held.length === MAX_PENDING_SOLVES, 'a full queue');

  const refused = await planRequest(built, `Bearer ${tokens[MAX_PENDING_SOLVES]!}`);
  t.equal(refused.statusCode, 429);
  t.match(refused.json(), { code: 'solver_busy' });
  t.equal(held.length, MAX_PENDING_SOLVES);

  for (const h of held) h.finish();
  t.same((await Promise.all(pending)).map((r) => r.statusCode), Array(MAX_PENDING_SOLVES).fill(201));
  const later = planRequest(built, `Bearer ${tokens[MAX_PENDING_SOLVES]!}`);
  await until(() => held.length === MAX_PENDING_SOLVES + 1, 'the solve admitted once the queue drained');
  held.at(-1)!.finish();
  t.equal((await later).statusCode, 201);
});

t.test('a client that hangs up cancels its solve, and its device may plan again', async (t) => {
  const built = await build(t, { deps: { clock: testClock() } });
  const held = holdSolves(built);
  const { base } = await listen(built.app);
  const request = http.request(`${base}/api/allocation/plans`, {
    method: 'POST',
    headers: { authorization: `Bearer ${built.tokens.ops}`, 'content-type': 'application/json' },
  });
  request.on('error', () => {});
  request.end('{}');
  await until(() => held.length === 1, 'the solve to start');
  t.equal(held[0]!.signal?.aborted, false);
  request.destroy();
  await until(() => held[0]!.signal?.aborted === true, 'the solve to be cancelled');
  t.pass('the socket closing aborted the solve');

  const next = planRequest(built, `Bearer ${built.tokens.ops}`);
  await until(() => held.length === 2, 'the next solve');
  held[1]!.finish();
  t.equal((await next).statusCode, 201, 'the cancelled request no longer holds the device’s slot');
});

t.test('the real solver: a queued solve whose signal aborts is dropped; a running one is abandoned and the worker re-spawned', async (t) => {
  const small = programme(10, 3, 9);
  await solveAllocation(small); // a warm worker, so the figures below are the solves' own
  const big = programme(500, 40, 3);

  const running = new AbortController();
  const startedAt = performance.now();
  const bigSolve = solveAllocation(big, { timeLimitSeconds: 60 }, { signal: running.signal });
  const queued = new AbortController();
  const queuedSolve = solveAllocation(small, {}, { signal: queued.signal });
  t.equal(pendingSolves(), 2);

  queued.abort();
  await t.rejects(queuedSolve, SolveCancelledError, 'the queued solve is dropped');
  t.equal(pendingSolves(), 1, 'and leaves the queue');

  await sleep(200);
  running.abort();
  await t.rejects(bigSolve, SolveCancelledError, 'the running solve is abandoned');
  const abandonedAfter = performance.now() - startedAt;
  t.equal(pendingSolves(), 0);

  const respawnAt = performance.now();
  const next = await solveAllocation(small);
  const respawnMs = performance.now() - respawnAt;
  t.ok(next.optimal, 'the next solve gets a new worker and a plan');
  t.comment(`abandoned a 500-session solve after ${Math.round(abandonedAfter)} ms; the next small solve on a re-spawned worker took ${Math.round(respawnMs)} ms`);

  const already = new AbortController();
  already.abort();
  await t.rejects(solveAllocation(small, {}, { signal: already.signal }), SolveCancelledError, 'an aborted signal never queues');
});
