// Parses import files in a worker thread: a 12 MB CSV or a 20k-session programme is read and validated whole without holding the event loop.
import { Worker } from 'node:worker_threads';
import type { AttendeeCsvLineError, AttendeeCsvRow } from '../interop/attendee-csv.js';
import { ScheduleImportError, type ParsedProgramme, type ParsedSession, type ParseScheduleOptions } from '../interop/schedule-import.js';

/** The errors an import answer carries; the rest are only counted (`errorCount`). */
export const MAX_REPORTED_ERRORS = 100;

export interface ParsedAttendeeFile {
  /** Valid rows, in file order; each can be matched again by externalId or email. */
  rows: { line: number; value: AttendeeCsvRow }[];
  /** The first MAX_REPORTED_ERRORS line errors, by line. */
  errors: AttendeeCsvLineError[];
  errorCount: number;
}

export type ParseRequest =
  | { id: number; kind: 'attendees'; bytes: Uint8Array }
  | { id: number; kind: 'schedule'; bytes: Uint8Array; opts: ParseScheduleOptions };

export type ParseReply =
  | { id: number; type: 'part'; rows: unknown[] }
  | {
      id: number;
      type: 'done';
      result:
        | { kind: 'attendees'; total: number; errors: AttendeeCsvLineError[]; errorCount: number }
        | { kind: 'schedule'; programme: ParsedProgramme };
    }
  | { id: number; type: 'error'; message: string; scheduleError: boolean };

interface Pending {
  parts: unknown[][];
  resolve: (reply: Extract<ParseReply, { type: 'done' }>['result'], rows: unknown[]) => void;
  reject: (error: unknown) => void;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function startWorker(): Worker {
  // As for the allocation solver: from TypeScript source the worker registers tsx itself (tsx does not
  // register in worker threads on Node 20); compiled, it runs the .js beside this file.
  const started = import.meta.url.endsWith('.ts')
    ? new Worker(sourceBootstrap(), { execArgv: [] })
    : new Worker(new URL('./import-worker.js', import.meta.url));
  started.on('message', (reply: ParseReply) => {
    const job = pending.get(reply.id);
    if (!job) return;
    if (reply.type === 'part') {
      job.parts.push(reply.rows);
      // Ask for the next part only after other work has had its turn (see import-worker.ts).
      setImmediate(() => started.postMessage({ kind: 'more', id: reply.id }));
      return;
    }
    pending.delete(reply.id);
    idle();
    if (reply.type === 'error') job.reject(reply.scheduleError ? new ScheduleImportError(reply.message) : new Error(reply.message));
    else job.resolve(reply.result, job.parts.flat());
  });
  const lose = (error: Error): void => {
    if (started !== worker) return;
    worker = undefined;
    void started.terminate();
    const jobs = [...pending.values()];
    pending.clear();
    for (const job of jobs) job.reject(error);
  };
  started.on('error', (error) => lose(new Error(`the import parser's worker failed: ${String(error)}`, { cause: error })));
  started.on('exit', (code) => lose(new Error(`the import parser's worker exited with code ${code}`)));
  return started;
}

/** An idle parser never keeps the process alive. */
function idle(): void {
  if (pending.size === 0) worker?.unref();
}

function sourceBootstrap(): URL {
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./import-worker.ts', import.meta.url).href);
  return new URL(`data:text/javascript,${encodeURIComponent(`const { register } = await import(${tsx}); register(); await import(${entry});`)}`);
}

type Unnumbered<R> = R extends unknown ? Omit<R, 'id'> : never;

function run(request: Unnumbered<ParseRequest>): Promise<{ result: Extract<ParseReply, { type: 'done' }>['result']; rows: unknown[] }> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { parts: [], resolve: (result, rows) => resolve({ result, rows }), reject });
    try {
      worker ??= startWorker();
      worker.ref();
      worker.postMessage({ ...request, id });
    } catch (error) {
      pending.delete(id);
      idle();
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** A copy of the bytes: a Buffer from the body parser may be a view of a larger pool. */
function bytesOf(input: Buffer | string): Uint8Array {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : new Uint8Array(input);
}

/** Parses and validates a whole attendee CSV in the worker; rows without externalId and email are line errors. */
export async function parseAttendeeCsvOffThread(input: Buffer | string): Promise<ParsedAttendeeFile> {
  const { result, rows } = await run({ kind: 'attendees', bytes: bytesOf(input) });
  if (result.kind !== 'attendees') throw new Error('the import parser answered for another kind of file');
  return { rows: rows as ParsedAttendeeFile['rows'], errors: result.errors, errorCount: result.errorCount };
}

/** `parseSchedule` in the worker; throws ScheduleImportError as it does. */
export async function parseScheduleOffThread(input: Buffer | string, opts: ParseScheduleOptions): Promise<ParsedProgramme> {
  const { result, rows } = await run({ kind: 'schedule', bytes: bytesOf(input), opts });
  if (result.kind !== 'schedule') throw new Error('the import parser answered for another kind of file');
  return { ...result.programme, sessions: rows as ParsedSession[] };
}

/** Ends the worker (tests, shutdown); pending parses fail, the next one starts a new worker. */
export async function stopImportParser(): Promise<void> {
  const stopped = worker;
  worker = undefined;
  const jobs = [...pending.values()];
  pending.clear();
  for (const job of jobs) job.reject(new Error('the import parser was stopped'));
  await stopped?.terminate();
}
