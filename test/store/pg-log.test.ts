// PostgreSQL event log: appends in transactions, the hash chain, gap-free commit order under concurrency, reads, and the LISTEN tail.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import t, { type Test } from 'tap';
import fc from '../property.js';
import { withPgSchema } from '../pg.js';
import { chainHash, GENESIS_HASH, payloadDigest, type AppendInput, type EventRecord } from '../../src/live/event-log.js';
import { PgEventLog, withTransaction } from '../../src/store/pg/event-log.js';
import { LogGapError, LogTail } from '../../src/store/pg/log-tail.js';

const EPOCH = 'epoch-test';
const AT = Date.parse('2026-02-15T08:00:00Z');

function input(i: number, extra: Partial<AppendInput> = {}): AppendInput {
  return {
    topic: `room:${i % 3}`,
    name: i % 2 === 0 ? 'room.updated' : 'announcement.posted',
    visibility: i % 4 === 0 ? 'staff' : 'public',
    actorDeviceId: i % 5 === 0 ? null : `dev-${i % 5}`,
    roomIds: i % 3 === 0 ? null : [`r${i % 3}`, 'r9'],
    payloadJson: JSON.stringify({ kind: i % 2 === 0 ? 'open' : 'closed', i, text: 'Zoë «ß» 😀' }),
    at: AT + i,
    ...extra,
  };
}

async function setup(t: Test, max = 4): Promise<{ url: string; schema: string; pool: pg.Pool; log: PgEventLog }> {
  const pgSchema = await withPgSchema(t);
  const store = await pgSchema.open({ max });
  return { url: pgSchema.url, schema: pgSchema.schema, pool: store.pool, log: new PgEventLog(store.pool, pgSchema.schema) };
}

/** A listening connection of the test's own, collecting the notifications of a channel. */
async function listen(t: Test, url: string, channel: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const heard: string[] = [];
  client.on('notification', (m) => {
    if (m.channel === channel) heard.push(m.payload ?? '');
  });
  await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
  t.teardown(() => client.end());
  return heard;
}

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

t.test('appends in a transaction: consecutive seqs, the same record shape on read, the head moves, one notify at commit', async (t) => {
  const { url, pool, log } = await setup(t);
  const heard = await listen(t, url, log.channel);
  t.same(await log.head(), { seq: 0, hash: GENESIS_HASH }, 'empty log: seq 0, genesis hash');
  t.equal(await log.oldestSeq(), 0);
  const appended = await withTransaction(pool, (client) => log.appendInTx(client, EPOCH, [input(1), input(2), input(3)]));
  t.same(
    appended.map((r) => r.seq),
    [1, 2, 3],
  );
  t.same(await log.readAfter(0, 10), appended, 'read back exactly as appended (payload bytes, room ids, nulls)');
  t.same(await log.readAfter(1, 1), [appended[1]], 'since and limit');
  const second = await withTransaction(pool, (client) => log.appendInTx(client, EPOCH, [input(4)]));
  t.equal(second[0]!.seq, 4);
  t.equal((await log.head()).seq, 4);
  t.same(await withTransaction(pool, (client) => log.appendInTx(client, EPOCH, [])), [], 'nothing to append: no statement, no seq');
  await waitFor('two notifications', () => heard.length === 2);
  t.same(heard, ['3', '4'], "each commit notifies once, with its last seq");
});

t.test('a rolled-back transaction leaves no seq, no head move and no notification', async (t) => {
  const { url, pool, log } = await setup(t);
  const heard = await listen(t, url, log.channel);
  await withTransaction(pool, (client) => log.appendInTx(client, EPOCH, [input(1)]));
  await t.rejects(
    withTransaction(pool, async (client) => {
      await log.appendInTx(client, EPOCH, [input(2), input(3)]);
      throw new Error('use case failed after appending');
    }),
    { message: 'use case failed after appending' },
  );
  const client = await pool.connect();
  await client.query('BEGIN');
  await log.appendInTx(client, EPOCH, [input(4)]);
  await client.query('ROLLBACK');
  client.release();
  t.equal((await log.head()).seq, 1, 'head unchanged');
  t.same(
    (await log.readAfter(0, 10)).map((r) => r.seq),
    [1],
  );
  await sleep(300);
  t.same(heard, ['1'], 'only the committed transaction notified');
  const next = await withTransaction(pool, (c) => log.appendInTx(c, EPOCH, [input(5)]));
  t.equal(next[0]!.seq, 2, 'the next commit takes the seq the rolled-back ones did not keep');
  await waitFor('the second notification', () => heard.length === 2);
});

t.test('the stored chain verifies from the genesis hash with the SQLite chain function', async (t) => {
  const { pool, log, schema } = await setup(t);
  for (let i = 0; i < 5; i++) {
    await withTransaction(pool, (client) => log.appendInTx(client, `epoch-${i % 2}`, [input(i * 3), input(i * 3 + 1), input(i * 3 + 2)]));
  }
  const { rows } = await pool.query<{ seq: number; hash: string; payload_digest: string }>(
    `SELECT seq, hash, payload_digest FROM ${pg.escapeIdentifier(schema)}.events ORDER BY seq`,
  );
  const records = await log.readAfter(0, 100);
  t.equal(records.length, 15);
  let previous = GENESIS_HASH;
  let ok = true;
  records.forEach((record, i) => {
    const row = rows[i]!;
    if (row.payload_digest !== payloadDigest(record.payloadJson) || row.hash !== chainHash(previous, record)) ok = false;
    previous = row.hash;
  });
  t.ok(ok, 'every row chains from its predecessor over its payload digest');
  t.equal((await log.head()).hash, previous, 'the head holds the last hash');
});

t.test('8 concurrent appenders with delays inside their transactions: seqs 1..N, no reader ever sees N+1 without N, the tail gets each once', async (t) => {
  const { url, pool, log } = await setup(t, 12);
  const step = fc.record({
    count: fc.integer({ min: 1, max: 5 }),
    delayMs: fc.integer({ min: 0, max: 6 }),
    rollback: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
  });
  // Seeded (test/property.ts): 8 appenders, 40 transactions each.
  const plan = fc.sample(fc.array(fc.array(step, { minLength: 40, maxLength: 40 }), { minLength: 8, maxLength: 8 }), 1)[0]!;
  const delivered: EventRecord[] = [];
  const tailErrors: Error[] = [];
  const tail = new LogTail({ log, connection: { connectionString: url }, onEvents: (records) => void delivered.push(...records), onError: (e) => tailErrors.push(e), pollMs: 200 });
  await tail.start(0);
  t.teardown(() => tail.stop());

  let running = true;
  let reads = 0;
  const badReads: string[] = [];
  const poller = (async () => {
    while (running) {
      const { rows } = await pool.query<{ seq: number }>('SELECT seq FROM events ORDER BY seq');
      reads += 1;
      const seqs = rows.map((r) => r.seq);
      if (!seqs.every((seq, i) => seq === i + 1)) badReads.push(seqs.join(','));
    }
  })();
  const committed: { first: number; count: number }[] = [];
  try {
    await Promise.all(
      plan.map(async (steps) => {
        for (const { count, delayMs, rollback } of steps) {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await sleep(delayMs);
            const inputs = Array.from({ length: count }, (_, i) => input(i));
            const records = await log.appendInTx(client, EPOCH, inputs);
            await client.query(rollback ? 'ROLLBACK' : 'COMMIT');
            if (!rollback) committed.push({ first: records[0]!.seq, count: records.length });
          } finally {
            client.release();
          }
        }
      }),
    );
  } finally {
    // Stopped even when an appender fails, so the poller never outlives the pool.
    running = false;
    await poller;
  }
  const total = committed.reduce((n, c) => n + c.count, 0);
  const { rows } = await pool.query<{ seq: number }>('SELECT seq FROM events ORDER BY seq');
  t.same(
    rows.map((r) => r.seq),
    Array.from({ length: total }, (_, i) => i + 1),
    `stored seqs are 1..${total}`,
  );
  const byFirst = [...committed].sort((a, b) => a.first - b.first);
  t.ok(
    byFirst.every((c, i) => i === 0 || c.first === byFirst[i - 1]!.first + byFirst[i - 1]!.count),
    'committed transactions own consecutive, disjoint ranges',
  );
  t.ok(reads > 20, `the poller read ${reads} times during the run`);
  t.same(badReads, [], 'every read was exactly 1..k');
  await waitFor('the tail to catch up', () => tail.lastSeq === total);
  t.same(
    delivered.map((r) => r.seq),
    Array.from({ length: total }, (_, i) => i + 1),
    'the tail delivered each seq once, in order',
  );
  t.same(tailErrors, []);
  t.same(delivered, await log.readAfter(0, total + 1), 'the tail delivered the stored records');
});

t.test('readNamed filters by name and payload kind; latestSeqOf and oldestSeq', async (t) => {
  const { pool, log, schema } = await setup(t);
  await withTransaction(pool, (client) => log.appendInTx(client, EPOCH, Array.from({ length: 12 }, (_, i) => input(i))));
  const named = await log.readNamed(0, 100, { names: ['room.updated'] });
  t.same(
    named.map((r) => r.seq),
    [1, 3, 5, 7, 9, 11],
  );
  const kinds = await log.readNamed(0, 100, { names: ['room.updated', 'announcement.posted'], kinds: ['closed'] });
  t.same(
    kinds.map((r) => r.seq),
    [2, 4, 6, 8, 10, 12],
    'kind read from the payload text',
  );
  t.same(
    (await log.readNamed(4, 2, { names: ['announcement.posted'] })).map((r) => r.seq),
    [6, 8],
    'since and limit',
  );
  t.same(await log.readNamed(0, 10, { names: ['room.updated'], kinds: [] }), [], 'an empty kinds list matches nothing, as in SQLite');
  t.equal(await log.latestSeqOf('room:0'), 10);
  t.equal(await log.latestSeqOf('room:2'), 12);
  t.equal(await log.latestSeqOf('nobody'), 0);
  t.equal(await log.oldestSeq(), 1);
  await pool.query(`DELETE FROM ${pg.escapeIdentifier(schema)}.events WHERE seq <= 4`);
  t.equal(await log.oldestSeq(), 5, 'after retention removed the oldest rows');
});

t.test('the tail stops at a gap and re-reads instead of skipping, then delivers once the row is back', async (t) => {
  const { url, pool, log, schema } = await setup(t);
  await withTransaction(pool, (client) => log.appendInTx(client, EPOCH, Array.from({ length: 5 }, (_, i) => input(i))));
  const events = `${pg.escapeIdentifier(schema)}.events`;
  const { rows } = await pool.query<Record<string, unknown>>(`SELECT * FROM ${events} WHERE seq = 3`);
  await pool.query(`DELETE FROM ${events} WHERE seq = 3`);
  const delivered: number[] = [];
  const errors: Error[] = [];
  const tail = new LogTail({ log, connection: { connectionString: url }, onEvents: (rs) => void delivered.push(...rs.map((r) => r.seq)), onError: (e) => errors.push(e), pollMs: 50 });
  await tail.start(0);
  t.teardown(() => tail.stop());
  await waitFor('the gap to be reported', () => errors.length > 0);
  await sleep(200);
  t.same(delivered, [1, 2], 'nothing past the hole');
  t.equal(tail.lastSeq, 2);
  t.equal(errors.length, 1, 'a persisting gap is reported once');
  t.ok(errors[0] instanceof LogGapError && errors[0].expected === 3 && errors[0].found === 4);
  const row = rows[0]!;
  const columns = Object.keys(row);
  await pool.query(
    `INSERT INTO ${events} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    columns.map((c) => row[c]),
  );
  await waitFor('the rest', () => tail.lastSeq === 5);
  t.same(delivered, [1, 2, 3, 4, 5]);
});

t.test('the tail survives its listening connection being killed: reconnects, resumes from lastSeq, no gap, no duplicate', async (t) => {
  const { url, pool, log } = await setup(t);
  const delivered: number[] = [];
  const errors: Error[] = [];
  const app = `eventday-tail-${process.pid}-${Date.now()}`;
  // A long poll: what arrives quickly arrives through LISTEN, on the new connection too.
  const tail = new LogTail({
    log,
    connection: { connectionString: url, application_name: app },
    onEvents: (rs) => void delivered.push(...rs.map((r) => r.seq)),
    onError: (e) => errors.push(e),
    pollMs: 60_000,
    minBackoffMs: 50,
  });
  await tail.start(0);
  t.teardown(() => tail.stop());
  await withTransaction(pool, (client) => log.appendInTx(client, EPOCH, [input(1), input(2)]));
  await waitFor('the first batch', () => tail.lastSeq === 2, 3000);
  const killed = await pool.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [app]);
  t.equal(killed.rows.length, 1, 'one listening connection');
  // Written while the tail has no listener: the reconnect's catch-up read finds it.
  await withTransaction(pool, (client) => log.appendInTx(client, EPOCH, [input(3)]));
  await waitFor('an error report', () => errors.length > 0, 3000);
  await waitFor('the catch-up', () => tail.lastSeq === 3, 3000);
  await waitFor('a new listener', async () => (await pool.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [app])).rows.length === 1, 3000);
  await withTransaction(pool, (client) => log.appendInTx(client, EPOCH, [input(4), input(5)]));
  await waitFor('the notified batch', () => tail.lastSeq === 5, 3000);
  t.same(delivered, [1, 2, 3, 4, 5]);
});
