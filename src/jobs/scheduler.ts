// One scheduler for every periodic job: its own interval each, errors logged per job, unref'd timers, one stop, final runs at close.

/** Where a job may run once there are several nodes. */
export type JobScope =
  /** Shared work (session clock, expiry): only on the node that `shouldRun()` elects. */
  | 'leader'
  /** Work on this node's own state (its SQLite file, its unflushed counters): on every node. */
  | 'node';

export interface Job {
  /** Unique; it names the job in the log. */
  name: string;
  intervalMs: number;
  /** A promise keeps the next tick of this job from starting until it settles. */
  run: () => unknown;
  /** Default `'leader'`. */
  scope?: JobScope;
  /** Also run once by `runFinal()` at close, after the sockets are gone (a last flush or checkpoint). */
  atClose?: boolean;
}

export interface JobLogger {
  error(obj: object, msg: string): void;
}

export interface TimerHandle {
  unref?(): unknown;
}

/** The two timer functions the scheduler uses; tests pass fakes. */
export interface Timers {
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export interface SchedulerOptions {
  logger: JobLogger;
  /**
   * Whether `'leader'` jobs run on this node, asked at every tick. Always true with one node;
   * with several, a leader election (e.g. a PostgreSQL advisory lock) answers it.
   */
  shouldRun?: () => boolean;
  /** True once the app is shutting down: ticks are skipped from then on, even before `stop()`. */
  isClosing?: () => boolean;
  timers?: Timers;
}

interface Entry {
  job: Job;
  timer: TimerHandle | null;
  /** Set while an asynchronous run is in progress. */
  pending: Promise<void> | null;
}

const realTimers: Timers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly timers: Timers;
  private started = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.timers = opts.timers ?? realTimers;
  }

  get running(): boolean {
    return this.started;
  }

  get jobNames(): string[] {
    return [...this.entries.keys()];
  }

  add(job: Job): this {
    if (this.entries.has(job.name)) throw new Error(`a job named ${job.name} is already scheduled`);
    if (!(job.intervalMs > 0)) throw new Error(`job ${job.name}: the interval must be positive`);
    const entry: Entry = { job, timer: null, pending: null };
    this.entries.set(job.name, entry);
    if (this.started) this.arm(entry);
    return this;
  }

  /** Starts every job's timer; calling it again while started does nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const entry of this.entries.values()) this.arm(entry);
  }

  /**
   * Clears every timer and waits for runs still in progress. A leader that loses its lock calls
   * this too, and `start()` again when it wins it back.
   */
  async stop(): Promise<void> {
    this.started = false;
    for (const entry of this.entries.values()) {
      if (entry.timer !== null) this.timers.clearInterval(entry.timer);
      entry.timer = null;
    }
    await Promise.all([...this.entries.values()].map((e) => e.pending));
  }

  /** Runs the `atClose` jobs once, in the order they were added; one failing does not keep the next from running. */
  async runFinal(): Promise<void> {
    await this.stop();
    for (const entry of this.entries.values()) {
      if (entry.job.atClose !== true || !this.allowed(entry.job)) continue;
      await this.runOnce(entry);
    }
  }

  private arm(entry: Entry): void {
    const timer = this.timers.setInterval(() => this.tick(entry), entry.job.intervalMs);
    timer.unref?.();
    entry.timer = timer;
  }

  private allowed(job: Job): boolean {
    return (job.scope ?? 'leader') === 'node' || (this.opts.shouldRun?.() ?? true);
  }

  private tick(entry: Entry): void {
    if (!this.started || entry.pending !== null || this.opts.isClosing?.() === true) return;
    if (!this.allowed(entry.job)) return;
    void this.runOnce(entry);
  }

  private runOnce(entry: Entry): Promise<void> {
    let result: unknown;
    try {
      result = entry.job.run();
    } catch (err) {
      this.fail(entry.job, err);
      return Promise.resolve();
    }
    if (!(result instanceof Promise)) return Promise.resolve();
    const pending = result.then(
      () => undefined,
      (err: unknown) => this.fail(entry.job, err),
    ).finally(() => {
      entry.pending = null;
    });
    entry.pending = pending;
    return pending;
  }

  private fail(job: Job, err: unknown): void {
    this.opts.logger.error({ err, job: job.name }, `job ${job.name} failed`);
  }
}
