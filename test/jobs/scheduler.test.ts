// The scheduler on fake timers: every job runs at its own interval, one failing job stops no other, stop clears every timer, final runs at close.
import t from 'tap';
import { Scheduler, type Job, type SchedulerOptions, type TimerHandle, type Timers } from '../../src/jobs/scheduler.js';

/** Intervals driven by hand: `advance(ms)` fires every due callback in time order. */
class FakeTimers implements Timers {
  now = 0;
  unrefs = 0;
  private nextId = 1;
  private readonly active = new Map<number, { fn: () => void; ms: number; due: number }>();

  setInterval(fn: () => void, ms: number): TimerHandle & { id: number } {
    const id = this.nextId++;
    this.active.set(id, { fn, ms, due: this.now + ms });
    return {
      id,
      unref: () => {
        this.unrefs += 1;
      },
    };
  }

  clearInterval(handle: TimerHandle): void {
    this.active.delete((handle as { id: number }).id);
  }

  get count(): number {
    return this.active.size;
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: { fn: () => void; ms: number; due: number } | undefined;
      for (const timer of this.active.values()) if (timer.due <= end && (next === undefined || timer.due < next.due)) next = timer;
      if (next === undefined) break;
      this.now = next.due;
      next.due += next.ms;
      next.fn();
    }
    this.now = end;
  }
}

interface Logged {
  obj: { err?: unknown; job?: string };
  msg: string;
}

function setup(opts: Partial<SchedulerOptions> = {}) {
  const timers = new FakeTimers();
  const logged: Logged[] = [];
  const scheduler = new Scheduler({ logger: { error: (obj, msg) => logged.push({ obj, msg }) }, timers, ...opts });
  const runs: string[] = [];
  const job = (name: string, intervalMs: number, extra: Partial<Job> = {}): Job => ({
    name,
    intervalMs,
    run: () => {
      runs.push(name);
    },
    ...extra,
  });
  const count = (name: string) => runs.filter((r) => r === name).length;
  return { timers, logged, scheduler, runs, job, count };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

t.test('every job runs at its own interval, on unref’d timers, only once started', async (t) => {
  const { timers, scheduler, job, count } = setup();
  scheduler.add(job('fast', 100)).add(job('slow', 250));
  timers.advance(1_000);
  t.equal(count('fast') + count('slow'), 0, 'nothing runs before start()');
  t.equal(timers.count, 0, 'no timer before start()');

  scheduler.start();
  scheduler.start();
  t.equal(timers.count, 2, 'one timer per job, start() twice does not double them');
  t.equal(timers.unrefs, 2, 'every timer is unref’d: jobs never keep the process alive');
  timers.advance(1_000);
  t.equal(count('fast'), 10, 'the 100 ms job ran 10 times in 1 s');
  t.equal(count('slow'), 4, 'the 250 ms job ran 4 times in 1 s');

  scheduler.add(job('late', 500));
  timers.advance(1_000);
  t.equal(count('late'), 2, 'a job added while running starts at once');
  t.throws(() => scheduler.add(job('fast', 10)), /already scheduled/, 'names are unique');
  t.throws(() => scheduler.add(job('zero', 0)), /positive/, 'an interval must be positive');
  await scheduler.stop();
});

t.test('an error in one job is logged with its name and stops neither it nor the others', async (t) => {
  const { timers, logged, scheduler, job, count } = setup();
  let thrown = 0;
  const failing = job('failing', 100, {
    run: () => {
      thrown += 1;
      throw new Error('boom');
    },
  });
  let rejected = 0;
  const rejecting = job('rejecting', 100, {
    run: async () => {
      rejected += 1;
      throw new Error('async boom');
    },
  });
  scheduler.add(failing).add(rejecting).add(job('healthy', 100));
  scheduler.start();
  for (let i = 0; i < 3; i++) {
    timers.advance(100);
    // Lets the rejected run settle: a job's next tick waits for its previous run.
    await flush();
  }
  t.equal(thrown, 3, 'the throwing job ran again after failing');
  t.equal(rejected, 3, 'the rejecting job ran again after failing');
  t.equal(count('healthy'), 3, 'the healthy job ran every time');
  t.equal(logged.length, 6, 'every failure is logged');
  t.same(
    [...new Set(logged.map((l) => l.obj.job))].sort(),
    ['failing', 'rejecting'],
    'each log line names the failing job',
  );
  t.ok(
    logged.every((l) => l.obj.err instanceof Error),
    'the error itself is logged (pino serialises err)',
  );
  await scheduler.stop();
});

t.test('stop() clears every timer; start() again resumes', async (t) => {
  const { timers, scheduler, job, runs } = setup();
  scheduler.add(job('a', 100)).add(job('b', 300)).add(job('c', 1_000));
  scheduler.start();
  timers.advance(1_000);
  const before = runs.length;
  t.ok(before > 0, 'jobs ran while started');
  await scheduler.stop();
  t.equal(timers.count, 0, 'no timer left after stop()');
  t.equal(scheduler.running, false);
  timers.advance(10_000);
  t.equal(runs.length, before, 'nothing runs after stop()');

  scheduler.start();
  timers.advance(300);
  t.equal(runs.length - before, 4, 'a restart (a leader winning its lock back) runs the jobs again');
  await scheduler.stop();
});

t.test('a tick is skipped once closing began, even before stop()', async (t) => {
  let closing = false;
  const { timers, scheduler, job, runs } = setup({ isClosing: () => closing });
  scheduler.add(job('a', 100)).add(job('b', 100, { scope: 'node' }));
  scheduler.start();
  timers.advance(200);
  t.equal(runs.length, 4);
  closing = true;
  timers.advance(1_000);
  t.equal(runs.length, 4, 'no job runs while the app is closing');
  await scheduler.stop();
});

t.test('shouldRun() decides where leader jobs run; node jobs run everywhere', async (t) => {
  let leader = false;
  const { timers, scheduler, job, count } = setup({ shouldRun: () => leader });
  scheduler.add(job('shared', 100)).add(job('local', 100, { scope: 'node' }));
  scheduler.start();
  timers.advance(300);
  t.equal(count('shared'), 0, 'a leader job does not run on a follower');
  t.equal(count('local'), 3, 'a node job runs on every node');
  leader = true;
  timers.advance(300);
  t.equal(count('shared'), 3, 'it runs once this node leads');
  await scheduler.stop();
});

t.test('an asynchronous run never overlaps itself, and stop() waits for it', async (t) => {
  const { timers, scheduler, job } = setup();
  let started = 0;
  let finish: () => void = () => {};
  scheduler.add(
    job('slow', 100, {
      run: () => {
        started += 1;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    }),
  );
  scheduler.start();
  timers.advance(500);
  t.equal(started, 1, 'ticks while a run is pending are skipped');
  let stopped = false;
  const stopping = scheduler.stop().then(() => {
    stopped = true;
  });
  await flush();
  t.equal(stopped, false, 'stop() waits for the run in progress');
  finish();
  await stopping;
  t.equal(stopped, true);
  t.equal(timers.count, 0);
});

t.test('runFinal() stops the timers and runs the atClose jobs once, in order, past a failure', async (t) => {
  const { timers, logged, scheduler, job, runs } = setup({ shouldRun: () => false });
  scheduler
    .add(job('clock', 100))
    .add(job('flush', 100, { scope: 'node', atClose: true }))
    .add(
      job('broken', 100, {
        scope: 'node',
        atClose: true,
        run: () => {
          runs.push('broken');
          throw new Error('final boom');
        },
      }),
    )
    .add(job('leader-final', 100, { atClose: true }))
    .add(job('checkpoint', 5_000, { scope: 'node', atClose: true }));
  scheduler.start();
  runs.length = 0;
  logged.length = 0;
  await scheduler.runFinal();
  t.same(runs, ['flush', 'broken', 'checkpoint'], 'the node atClose jobs ran once each, in order; a follower skips leader jobs');
  t.equal(logged.length, 1, 'the failure is logged');
  t.equal(logged[0]!.obj.job, 'broken');
  t.equal(timers.count, 0, 'no timer is left');
  timers.advance(10_000);
  t.same(runs, ['flush', 'broken', 'checkpoint'], 'and nothing runs afterwards');
});
