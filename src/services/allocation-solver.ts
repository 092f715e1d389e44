// Solves the room-allocation integer program with HiGHS (WebAssembly), one weighted solve or lexicographic stages, in a worker thread so that the event loop stays free.
import { Worker } from 'node:worker_threads';
import highsEntry from 'highs';
import type { Highs } from 'highs';
import { AllocationInputError, buildAllocationModel, decodeAllocation, independentParts, stageLp } from '../domain/allocation.js';
import type { AllocationInput, AllocationModel, AllocationModelOptions, AllocationResult, AllocationVariable } from '../domain/allocation.js';

export interface SolveAllocationOptions extends AllocationModelOptions {
  /** Wall-clock budget for the whole solve, every stage included. */
  readonly timeLimitSeconds?: number;
}

export interface SolveControl {
  /**
   * Aborted when nobody waits for the plan any more (the client hung up): a queued solve is
   * dropped; a running one is abandoned by terminating the worker, which HiGHS cannot be
   * interrupted in from outside, and the next solve starts a new one.
   */
  readonly signal?: AbortSignal | undefined;
}

/** The error a cancelled solve rejects with. */
export class SolveCancelledError extends Error {
  override readonly name = 'SolveCancelledError';
  constructor() {
    super('the allocation solve was cancelled');
  }
}

export type SolvedAllocation = AllocationResult & { readonly solveMs: number };

/** What the main thread posts to the worker, one at a time. */
export interface SolveRequest {
  readonly input: AllocationInput;
  readonly opts: SolveAllocationOptions;
}

/** The worker's answer. A structured clone keeps an error's message but not its class, hence `inputError`. */
export type SolveReply = { readonly ok: true; readonly result: SolvedAllocation } | { readonly ok: false; readonly error: unknown; readonly inputError: boolean };

interface Job extends SolveRequest {
  readonly resolve: (result: SolvedAllocation) => void;
  readonly reject: (error: unknown) => void;
  /** Detaches the abort listener once the job has settled. */
  done?: () => void;
}

const DEFAULT_TIME_LIMIT_SECONDS = 10;

let worker: Worker | undefined;
let running: Job | undefined;
const waiting: Job[] = [];

/**
 * Plans rooms for `input`. `optimal` is true only when HiGHS proved every solve optimal; when the
 * time limit stops it, the best plan HiGHS had found is returned with `optimal: false`. Solves run
 * one at a time in a long-lived worker thread; the time limit counts from the start of this
 * request's own solve, not from its wait behind another.
 */
export async function solveAllocation(input: AllocationInput, opts: SolveAllocationOptions = {}, control: SolveControl = {}): Promise<SolvedAllocation> {
  timeLimitOf(opts);
  const { signal } = control;
  if (signal?.aborted) throw new SolveCancelledError();
  return new Promise((resolve, reject) => {
    const job: Job = {
      input,
      opts,
      resolve: (result) => {
        job.done?.();
        resolve(result);
      },
      reject: (error) => {
        job.done?.();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    };
    if (signal) {
      const onAbort = (): void => cancel(job);
      signal.addEventListener('abort', onAbort, { once: true });
      job.done = () => signal.removeEventListener('abort', onAbort);
    }
    waiting.push(job);
    dispatch();
  });
}

/** How many solves are queued or running (a bound for callers that admit requests). */
export function pendingSolves(): number {
  return waiting.length + (running ? 1 : 0);
}

function cancel(job: Job): void {
  const index = waiting.indexOf(job);
  if (index >= 0) {
    waiting.splice(index, 1);
    job.reject(new SolveCancelledError());
    return;
  }
  if (running !== job) return;
  // The synchronous WebAssembly holds the worker's thread: the only way to stop it is to end the thread.
  const abandoned = worker;
  worker = undefined;
  running = undefined;
  void abandoned?.terminate();
  job.reject(new SolveCancelledError());
  dispatch();
}

/** Terminates the solver's worker and rejects the solves still pending; the next solve starts a new worker. */
export async function stopAllocationSolver(): Promise<void> {
  const stopped = worker;
  worker = undefined;
  const error = new Error('the allocation solver was stopped');
  for (const job of [running, ...waiting.splice(0)]) job?.reject(error);
  running = undefined;
  await stopped?.terminate();
}

function dispatch(): void {
  if (running) return;
  const job = waiting.shift();
  if (!job) {
    worker?.unref();
    return;
  }
  running = job;
  try {
    worker ??= startWorker();
    // Referenced only while a solve is pending: an idle solver never keeps the process alive, but a
    // script awaiting its plan must not exit under it.
    worker.ref();
    worker.postMessage({ input: job.input, opts: job.opts } satisfies SolveRequest);
  } catch (error) {
    running = undefined;
    job.reject(error);
    dispatch();
  }
}

function startWorker(): Worker {
  // Run from TypeScript source (tsx, tap), the worker registers tsx itself and leaves out the parent's
  // loaders: tsx does not register in worker threads on Node 20, and tap's ts-node, which does, takes
  // seconds to start in one.
  const started = import.meta.url.endsWith('.ts')
    ? new Worker(sourceBootstrap(), { execArgv: [] })
    : new Worker(new URL('./allocation-worker.js', import.meta.url));
  started.on('message', (reply: SolveReply) => {
    if (started !== worker || !running) return;
    const job = running;
    running = undefined;
    if (reply.ok) job.resolve(reply.result);
    else job.reject(reply.inputError ? new AllocationInputError((reply.error as Error).message) : reply.error);
    dispatch();
  });
  started.on('error', (error) => lose(started, new Error(`the allocation solver's worker failed: ${String(error)}`, { cause: error })));
  started.on('messageerror', (error) => lose(started, new Error(`the allocation solver's worker sent an unreadable reply: ${String(error)}`, { cause: error })));
  started.on('exit', (code) => lose(started, new Error(`the allocation solver's worker exited with code ${code}`)));
  return started;
}

/** `lost` died or broke: its solve fails, and the next one gets a new worker. */
function lose(lost: Worker, error: Error): void {
  if (lost !== worker) return;
  worker = undefined;
  void lost.terminate();
  const job = running;
  running = undefined;
  job?.reject(error);
  dispatch();
}

function sourceBootstrap(): URL {
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./allocation-worker.ts', import.meta.url).href);
  return new URL(`data:text/javascript,${encodeURIComponent(`const { register } = await import(${tsx}); register(); await import(${entry});`)}`);
}

function timeLimitOf(opts: SolveAllocationOptions): number {
  const timeLimitSeconds = opts.timeLimitSeconds ?? DEFAULT_TIME_LIMIT_SECONDS;
  if (!(timeLimitSeconds > 0) || !Number.isFinite(timeLimitSeconds)) throw new RangeError('timeLimitSeconds must be a positive number');
  return timeLimitSeconds;
}

// The package's types describe its CommonJS build (`module.exports.default`); Node's ESM entry exports the loader itself.
const loadHighs: typeof highsEntry.default = typeof highsEntry === 'function' ? highsEntry : highsEntry.default;

let runtime: Promise<Highs> | undefined;

function loadRuntime(): Promise<Highs> {
  const loading =
    runtime ??
    loadHighs().catch((error: unknown) => {
      // Forget a failed load so that the next request tries again instead of failing forever.
      runtime = undefined;
      throw error;
    });
  runtime = loading;
  return loading;
}

/**
 * `solveAllocation` on the calling thread, which the synchronous WebAssembly holds for up to the
 * time limit: the worker's solve, and the tests' reference for it.
 */
export async function solveAllocationHere(input: AllocationInput, opts: SolveAllocationOptions = {}): Promise<SolvedAllocation> {
  const startedAt = performance.now();
  const timeLimitSeconds = timeLimitOf(opts);
  const deadline = startedAt + timeLimitSeconds * 1000;
  // Each part alone (see independentParts; usually one per day), one after another within the one
  // deadline; a part the deadline leaves no time for keeps its feasible start, so the plan is
  // never worse than the one in force. The plan is then read against the whole input.
  const chosen: AllocationVariable[] = [];
  let optimal = true;
  let highs: Highs | undefined;
  for (const part of independentParts(input)) {
    const model = buildAllocationModel(part, { strategy: opts.strategy ?? 'auto' });
    if (model.variables.length === 0) continue;
    highs ??= await loadRuntime();
    const solved = solveStages(highs, part, model, deadline);
    optimal &&= solved.optimal;
    chosen.push(...model.variables.filter((v) => (solved.values[v.name] ?? 0) > 0.5));
  }
  // Column names repeat from part to part: the chosen ones are renamed to tell them apart.
  const variables = chosen.map((v, i) => ({ ...v, name: `p${i}` }));
  const plan = decodeAllocation(input, { variables }, { values: Object.fromEntries(variables.map((v) => [v.name, 1])), optimal });
  return { ...plan, solveMs: Math.round(performance.now() - startedAt) };
}

/**
 * The model's stages in order, each HiGHS run starting from the best plan so far (the first from
 * the model's feasible start), so a time limit always leaves a plan at least as good as the one
 * in force. Also the tests' reference for a solve without the split into parts.
 */
export function solveStages(
  highs: Highs,
  input: AllocationInput,
  model: AllocationModel,
  deadline: number,
): { values: Readonly<Record<string, number>>; optimal: boolean } {
  let best = { values: model.start, result: decodeAllocation(input, model, { values: model.start, optimal: false }) };
  for (const [index, stage] of model.stages.entries()) {
    const objective = best.result.objective;
    if (stage.terms.every((term) => objective[term] === model.floors[term])) continue;
    if (deadline - performance.now() <= 0) return { values: best.values, optimal: false };
    const lp = index === 0 ? model.lp : stageLp(model, index, objective);
    const outcome = runHighs(highs, lp, model.variables, deadline, best.values);
    if (outcome.values) best = { values: outcome.values, result: decodeAllocation(input, model, { values: outcome.values, optimal: false }) };
    if (!outcome.optimal) return { values: best.values, optimal: false };
  }
  return { values: best.values, optimal: true };
}

/** One HiGHS run from a feasible start, stopped at `deadline`; `values` is null when it found no feasible solution. */
function runHighs(
  highs: Highs,
  lp: string,
  variables: readonly AllocationVariable[],
  deadline: number,
  start: Readonly<Record<string, number>>,
): { optimal: boolean; values: Record<string, number> | null } {
  const { modelStatus, solutionStatus, callbackType } = highs.constants;
  const model = highs.createModel({ format: 'lp', data: lp });
  try {
    // Columns are decoded by position, which the LP text fixes; check a sample rather than pay for every name.
    const step = Math.max(1, Math.floor(variables.length / 64));
    for (let i = 0; i < variables.length; i += step) {
      if (model.getColName(i) !== variables[i]!.name) throw new Error(`HiGHS column ${i} is not ${variables[i]!.name}`);
    }
    if (model.getDimensions().numCols !== variables.length) throw new Error('HiGHS read a different number of columns');
    // Presolve finds next to nothing in these set-packing rows and cost 2-5× the solve itself in
    // scripts/bench/allocation.ts (500 sessions: most of the time budget).
    model.options.set({ output_flag: false, presolve: 'off', time_limit: Math.max(0, (deadline - performance.now()) / 1000), mip_rel_gap: 0 });
    model.setSolution({ indices: variables.map((_, i) => i), values: variables.map((v) => start[v.name] ?? 0) });
    // HiGHS checks its own time limit only between some phases and overran it by half in the
    // 500-session benchmark; its MIP checkpoints let the deadline hold much closer.
    model.run({
      [callbackType.mipInterrupt](event) {
        if (performance.now() > deadline) event.interrupt();
      },
    });
    const status = model.getModelStatus();
    if (status !== modelStatus.optimal && status !== modelStatus.timeLimit && status !== modelStatus.interrupted) {
      const label = Object.entries(modelStatus).find(([, code]) => code === status)?.[0] ?? String(status);
      throw new Error(`HiGHS stopped with model status ${label}`);
    }
    if (model.info.get('primal_solution_status') !== solutionStatus.feasible) return { optimal: false, values: null };
    const colValue = model.getSolution().colValue;
    return { optimal: status === modelStatus.optimal, values: Object.fromEntries(variables.map((v, i) => [v.name, colValue[i] ?? 0])) };
  } finally {
    model.dispose();
  }
}
