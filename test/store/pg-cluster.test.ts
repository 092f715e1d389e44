// Several node processes on one PostgreSQL schema: every node's tail delivers the same exact log through kill -9, and one leader at a time.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import fc, { seed } from '../property.js';
import { withPgSchema } from '../pg.js';
import type { EventRecord } from '../../src/live/event-log.js';
import { PgEventLog } from '../../src/store/pg/event-log.js';
import { LeaderElection } from '../../src/store/pg/leader.js';
import type { NodeMessage, WriteCommand } from './fixtures/pg-log-node.js';
import type { LeaderMessage } from './fixtures/pg-leader-node.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const ROOT = path.resolve(FIXTURES, '../../..');

interface Child<M> {
  proc: ChildProcess;
  output: string[];
  exited: Promise<void>;
  /** The first message from now on that the predicate accepts, or null when the child exits first. */
  next(predicate: (message: M) => boolean, timeoutMs?: number): Promise<M | null>;
}

/** Spawns a fixture as node itself runs TypeScript here (--import tsx), with an IPC channel; stdout and stderr kept for failure messages. */
function spawnChild<M>(script: string, args: string[], onMessage: (message: M) => void): Child<M> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, script), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: string[] = [];
  proc.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  proc.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const waiters = new Set<(message: M | null) => boolean>();
  proc.on('message', (message: M) => {
    onMessage(message);
    for (const waiter of waiters) if (waiter(message)) waiters.delete(waiter);
  });
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      // Nothing more will come: waiters are answered now rather than holding their timers.
      for (const waiter of waiters) waiter(null);
      waiters.clear();
      resolve();
    }),
  );
  return {
    proc,
    output,
    exited,
    next: (predicate, timeoutMs = 20_000) =>
      new Promise<M | null>((resolve, reject) => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          resolve(null);
          return;
        }
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${script}: no expected message within ${timeoutMs} ms; output:\n${output.join('')}`));
        }, timeoutMs);
        const waiter = (message: M | null): boolean => {
          if (message !== null && !predicate(message)) return false;
          clearTimeout(timer);
          resolve(message);
          return true;
        };
        waiters.add(waiter);
      }),
  };
}

async function kill9(child: Child<unknown>): Promise<void> {
  child.proc.kill('SIGKILL');
  await child.exited;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Ids of the writes sent to the node just before it is killed (scenario writes are numbered from 0). */
const DOOMED = 1_000_000;

const writeArb = fc.record({
  node: fc.integer({ min: 0, max: 2 }),
  count: fc.integer({ min: 1, max: 5 }),
  delayMs: fc.integer({ min: 0, max: 15 }),
  rollback: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  pauseMs: fc.integer({ min: 0, max: 12 }),
});
const scenarioArb = fc.record({
  writes: fc.array(writeArb, { minLength: 120, maxLength: 120 }),
  killAt: fc.integer({ min: 20, max: 70 }),
  killNode: fc.integer({ min: 0, max: 2 }),
  restartAfter: fc.integer({ min: 5, max: 30 }),
});

t.test(`3 node processes, random writes to random nodes, one kill -9 and restart: every tail delivers 1..N once, in order, identical (seed ${seed})`, async (t) => {
  const pgSchema = await withPgSchema(t);
  const store = await pgSchema.open();
  const log = new PgEventLog(store.pool, pgSchema.schema);

  await fc.assert(
    fc.asyncProperty(scenarioArb, async (scenario) => {
      interface Slot {
        child: Child<NodeMessage> | null;
        delivered: EventRecord[];
        errors: string[];
      }
      const slots: Slot[] = [0, 1, 2].map(() => ({ child: null, delivered: [], errors: [] }));
      const lastSeqOf = (slot: Slot): number => slot.delivered.at(-1)?.seq ?? 0;
      const acked = new Map<number, number[]>();
      const start = async (slot: Slot): Promise<void> => {
        const child = spawnChild<NodeMessage>('pg-log-node.ts', [pgSchema.url, pgSchema.schema, String(lastSeqOf(slot))], (message) => {
          if (message.type === 'events') slot.delivered.push(...message.records);
          else if (message.type === 'written') acked.set(message.id, message.seqs);
          else if (message.type === 'error') slot.errors.push(message.message);
        });
        slot.child = child;
        if ((await child.next((m) => m.type === 'ready')) === null) throw new Error(`pg-log-node.ts exited before ready:\n${child.output.join('')}`);
      };
      t.teardown(() => Promise.all(slots.map((slot) => slot.child && kill9(slot.child))));
      await Promise.all(slots.map(start));

      const restartAt = scenario.killAt + scenario.restartAfter;
      let restarting: Promise<void> | null = null;
      const pending: Promise<unknown>[] = [];
      for (const [id, write] of scenario.writes.entries()) {
        const victim = slots[scenario.killNode]!;
        if (id === scenario.killAt && victim.child) {
          // Killed with transactions open, one of them holding the head lock after its append (the
          // other nodes' appends wait on it): PostgreSQL rolls them back when the socket closes.
          const doomed: WriteCommand[] = [
            { type: 'write', id: DOOMED, count: 2, delayMs: 0, rollback: false, holdMs: 5000 },
            { type: 'write', id: DOOMED + 1, count: 1, delayMs: 1000, rollback: false, holdMs: 0 },
          ];
          for (const command of doomed) victim.child.proc.send(command);
          await sleep(150);
          await kill9(victim.child);
          victim.child = null;
        }
        if (id === restartAt) restarting = start(victim);
        const slot = slots[write.node]!.child ? slots[write.node]! : slots[(write.node + 1) % 3]!;
        const child = slot.child!;
        const command: WriteCommand = { type: 'write', id, count: write.count, delayMs: write.delayMs, rollback: write.rollback, holdMs: 0 };
        // A write to a node that dies before answering has an unknown outcome: its wait ends (null) at the exit.
        pending.push(child.next((m) => m.type === 'written' && m.id === id, 30_000));
        child.proc.send(command);
        await sleep(write.pauseMs);
      }
      await restarting;
      await Promise.all(pending);

      const head = await log.head();
      const stored = await log.readAfter(0, head.seq + 1);
      const expected = Array.from({ length: head.seq }, (_, i) => i + 1);
      t.same(
        stored.map((r) => r.seq),
        expected,
        `stored seqs are 1..${head.seq}`,
      );
      await waitFor('every tail to reach the head', () => slots.every((slot) => lastSeqOf(slot) === head.seq));
      for (const [i, slot] of slots.entries()) {
        t.same(
          slot.delivered.map((r) => r.seq),
          expected,
          `node ${i} delivered 1..${head.seq} with no gap and no duplicate${i === scenario.killNode ? ' (across its kill and restart)' : ''}`,
        );
        t.same(slot.delivered, stored, `node ${i} delivered exactly the stored records`);
        t.same(slot.errors, [], `node ${i} reported no error`);
      }
      const storedBySeq = new Map(stored.map((r) => [r.seq, r]));
      let lost = 0;
      for (const [id, seqs] of acked) {
        for (const [i, seq] of seqs.entries()) {
          const payload = storedBySeq.get(seq)?.payloadJson;
          if (payload !== JSON.stringify({ kind: 'write', write: id, i })) lost += 1;
        }
      }
      t.equal(lost, 0, `every acknowledged event is in the log (${acked.size} writes acknowledged)`);
      t.notOk(acked.has(DOOMED) || acked.has(DOOMED + 1), 'the writes open on the killed node were never acknowledged');
      t.notOk(
        stored.some((r) => [DOOMED, DOOMED + 1].includes((JSON.parse(r.payloadJson) as { write: number }).write)),
        'and none of their events is in the log',
      );
      t.ok(
        [...acked.entries()].every(([id, seqs]) => seqs.length === (scenario.writes[id]?.rollback === true ? 0 : scenario.writes[id]?.count)),
        'rolled-back writes took no seq',
      );
      await Promise.all(
        slots.map(async (slot) => {
          slot.child?.proc.send({ type: 'stop' });
          await slot.child?.exited;
          slot.child = null;
        }),
      );
      return true;
    }),
    // One scenario per run (three processes each), never shrunk: the seed and the scenario are printed on failure.
    { numRuns: 1, endOnFailure: true },
  );
});

t.test('leader election in one process: one leader per schema, none shared across schemas, stepping down at once when the connection dies', async (t) => {
  const a = await withPgSchema(t);
  const b = await withPgSchema(t);
  const changes: string[] = [];
  const elect = (name: string, schema: string, application = `eventday-leader-${name}-${process.pid}`): LeaderElection => {
    const election = new LeaderElection({
      connection: { connectionString: a.url, application_name: application },
      schema,
      retryMs: 100,
      onChange: (isLeader) => changes.push(`${name}:${isLeader}`),
    });
    election.start();
    t.teardown(() => election.stop());
    return election;
  };
  const first = elect('first', a.schema);
  await waitFor('a leader', () => first.isLeader, 5000);
  const second = elect('second', a.schema);
  const other = elect('other', b.schema);
  await waitFor('the other schema to have its own leader', () => other.isLeader, 5000);
  await sleep(400);
  t.ok(first.isLeader && !second.isLeader, 'the second node on the same schema stays a follower');

  const admin = await a.open({ max: 1 });
  await admin.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`eventday-leader-first-${process.pid}`]);
  await waitFor('the first to step down', () => changes.includes('first:false'), 5000);
  await waitFor('a new leader', () => first.isLeader !== second.isLeader, 5000);
  t.ok(changes.indexOf('first:false') < changes.lastIndexOf(first.isLeader ? 'first:true' : 'second:true'), 'stepped down before anyone took over');

  const leader = first.isLeader ? first : second;
  const follower = leader === first ? second : first;
  await leader.stop();
  t.notOk(leader.isLeader, 'stop() steps down');
  await waitFor('the follower to take over after stop()', () => follower.isLeader, 5000);
  t.throws(() => new LeaderElection({ connection: {}, schema: 'x', retryMs: 5000, sessionTimeoutMs: 8000 }), /retryMs must be under/);
});

t.test('3 leader processes: exactly one leader at a time; kill -9 or a frozen leader: another takes over within 5 s', async (t) => {
  const pgSchema = await withPgSchema(t);
  const retryMs = 500;
  const sessionTimeoutMs = 2500;
  interface Interval {
    node: string;
    from: number;
    to: number;
  }
  const intervals: Interval[] = [];
  const open = new Map<string, number>();
  const close = (node: string, at: number): void => {
    const from = open.get(node);
    if (from === undefined) return;
    open.delete(node);
    intervals.push({ node, from, to: at });
  };
  const leaders = (): string[] => [...open.keys()];
  const children = new Map<string, Child<LeaderMessage>>();
  let incarnation = 0;
  const start = async (): Promise<string> => {
    const node = `n${incarnation++}`;
    const child = spawnChild<LeaderMessage>('pg-leader-node.ts', [pgSchema.url, pgSchema.schema, String(retryMs), String(sessionTimeoutMs)], (message) => {
      if (message.type !== 'leader') return;
      if (message.isLeader) open.set(node, message.at);
      else close(node, message.at);
    });
    children.set(node, child);
    t.teardown(() => kill9(child));
    if ((await child.next((m) => m.type === 'ready')) === null) throw new Error(`pg-leader-node.ts exited before ready:\n${child.output.join('')}`);
    return node;
  };
  await Promise.all([start(), start(), start()]);
  await waitFor('a first leader', () => leaders().length === 1);

  for (let round = 0; round < 2; round++) {
    const [leader] = leaders();
    const killedAt = Date.now();
    await kill9(children.get(leader!)!);
    close(leader!, killedAt);
    children.delete(leader!);
    await waitFor(`a leader after killing ${leader}`, () => leaders().length === 1, 6000);
    const took = open.get(leaders()[0]!)! - killedAt;
    t.ok(took < 5000, `round ${round}: kill -9 of the leader, another took over in ${took} ms`);
    await start();
  }

  // A frozen leader (SIGSTOP: its socket stays open, as when a machine vanishes): the server ends
  // its silent session after idle_session_timeout and another node takes over.
  const [frozen] = leaders();
  const frozenChild = children.get(frozen!)!;
  const frozenAt = Date.now();
  frozenChild.proc.kill('SIGSTOP');
  // It runs nothing while stopped: its leadership ends here, as far as any job of its can tell.
  close(frozen!, frozenAt);
  await waitFor('a leader after freezing one', () => leaders().length === 1, 8000);
  const took = open.get(leaders()[0]!)! - frozenAt;
  t.ok(took < sessionTimeoutMs + 2 * retryMs + 1000, `a frozen leader was replaced in ${took} ms`);
  const steppedDown = frozenChild.next((m) => m.type === 'leader' && !m.isLeader, 5000);
  const status = frozenChild.next((m) => m.type === 'status', 5000);
  frozenChild.proc.kill('SIGCONT');
  frozenChild.proc.send({ type: 'status' });
  const thawed = await status;
  t.ok(thawed?.type === 'status' && !thawed.isLeader, 'once thawed, its lease has run out before anything else it does');
  t.ok(await steppedDown, 'and it reports stepping down');

  // A graceful stop: it reports stepping down before it unlocks.
  const [stopping] = leaders();
  const stoppingChild = children.get(stopping!)!;
  stoppingChild.proc.send({ type: 'stop' });
  await stoppingChild.exited;
  children.delete(stopping!);
  await waitFor('a leader after a graceful stop', () => leaders().length === 1 && leaders()[0] !== stopping, 6000);

  const end = Date.now();
  for (const node of leaders()) close(node, end);
  const sorted = [...intervals].sort((x, y) => x.from - y.from);
  const overlaps = sorted.filter((iv, i) => i > 0 && iv.from < sorted[i - 1]!.to);
  t.same(overlaps, [], `no two leaders overlapped across ${sorted.length} terms`);
  t.ok(sorted.length >= 5, 'five terms: the first, two after kills, one after the freeze, one after the stop');
});
