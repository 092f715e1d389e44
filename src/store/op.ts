// A store operation as a generator: one use-case body serves the synchronous SQLite adapter and the asynchronous PostgreSQL one.
//
// A body is written once as `function* (tx) { const row = yield* tx.store.devices.find(id); … }`.
// An SQLite port computes its answer at once and returns it without yielding, so the Writer runs
// the whole body synchronously inside its group-commit transaction: no await, so no other code
// can run between two statements of an open transaction, and nothing reads half a change. A
// PostgreSQL port yields the driver's promise; the PostgreSQL unit of work awaits each one and
// resumes the body with its result. `yield*` keeps every step typed.

/** A step (or a whole body) that reads or writes the store and ends with a `T`. */
export type Op<T> = Generator<unknown, T, unknown>;

/** An answer already known (an SQLite port's): the generator returns it without yielding. */
// eslint-disable-next-line require-yield
export function* known<T>(value: T): Op<T> {
  return value;
}

/** An answer the driver still owes (a PostgreSQL port's): yields the promise, resumes with its value. */
export function* awaited<T>(promise: Promise<T>): Op<T> {
  return (yield promise) as T;
}

export function isOp(value: unknown): value is Op<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Op<unknown>).next === 'function' && typeof (value as Op<unknown>)[Symbol.iterator] === 'function';
}

/** Runs an operation of a synchronous adapter to its end; a step that waits is a wiring error. */
export function runNow<T>(op: Op<T>): T {
  const step = op.next();
  if (step.done !== true) {
    op.return(undefined as T);
    throw new Error('a store operation waited inside a synchronous unit of work');
  }
  return step.value;
}

/** Runs an operation of an asynchronous adapter: each yielded promise is awaited and its value (or error) sent back in. */
export async function runAwaiting<T>(op: Op<T>): Promise<T> {
  return resume(op, op.next());
}

/**
 * Runs an operation synchronously as long as its steps are known, and only from the first step
 * that waits on asynchronously: the live hub catches a socket up in one synchronous step on
 * SQLite (nothing can be published in between) and across awaits on PostgreSQL.
 */
export function runEager<T>(op: Op<T>): T | Promise<T> {
  const step = op.next();
  return step.done === true ? step.value : resume(op, step);
}

async function resume<T>(op: Op<T>, first: IteratorResult<unknown, T>): Promise<T> {
  let step = first;
  while (step.done !== true) {
    let input: unknown;
    try {
      input = await step.value;
    } catch (err) {
      step = op.throw(err);
      continue;
    }
    step = op.next(input);
  }
  return step.value;
}
