// The hub over a store that answers asynchronously (PostgreSQL): events published while a socket is caught up follow it exactly once, in order.
import t from 'tap';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { Test } from 'tap';
import type { EventRecord } from '../../src/live/event-log.js';
import { Hub, type HubLog } from '../../src/live/hub.js';
import { awaited, type Op } from '../../src/store/op.js';
import { eventInput } from '../../src/store/unit-of-work.js';
import type { SnapshotData } from '../../src/contract/live.js';

const EPOCH = 'e1';
const quiet = { warn: () => undefined, debug: () => undefined };

function announcement(seq: number): EventRecord {
  const wire = { id: `a${seq}`, text: `text ${seq}`, severity: 'info' as const, roomIds: null, createdAt: '2026-02-15T08:00:00.000Z', expiresAt: null };
  return { seq, epoch: EPOCH, ...eventInput(null, Date.parse('2026-02-15T08:00:00Z'), 'announcement.created', wire, []) };
}

/** A log held in memory whose reads take `delayMs`, like a database across the network; `release()` lets them answer. */
function slowLog(initial: number) {
  const rows = Array.from({ length: initial }, (_, i) => announcement(i + 1));
  let published = initial;
  let gate: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    gate = resolve;
  });
  const later = <T>(value: () => T): Op<T> => awaited(opened.then(value));
  const log: HubLog = {
    epoch: EPOCH,
    headSeq: () => published,
    committedSeq: () => later(() => rows.length),
    oldestSeq: () => later(() => 1),
    readAfter: (since, limit) => later(() => rows.filter((r) => r.seq > since).slice(0, limit)),
  };
  return {
    log,
    rows,
    /** Commits and publishes the next event (the database has it before any reader asks again). */
    commit(hub: Hub): EventRecord {
      const record = announcement(rows.length + 1);
      rows.push(record);
      published = record.seq;
      hub.publish([record]);
      return record;
    },
    release: (): void => gate(),
    later,
  };
}

async function serve(t: Test, hub: Hub, since: number | null): Promise<{ messages: { type: string; seq: number }[]; socket: WebSocket; closed: Promise<number> }> {
  const wss = new WebSocketServer({ port: 0 });
  await once(wss, 'listening');
  wss.on('connection', (socket) => hub.connect({ socket, role: 'ops', deviceId: 'd1', since, epoch: EPOCH, filter: { topics: null, roomIds: null } }));
  const socket = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const messages: { type: string; seq: number }[] = [];
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string; seq: number }));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  t.teardown(() => {
    socket.terminate();
    wss.close();
  });
  await once(socket, 'open');
  return { messages, socket, closed };
}

function hubOn(log: HubLog, snapshot: (role: string) => Op<{ seq: number; data: SnapshotData }>): Hub {
  return new Hub({ log, snapshot, clock: () => Date.now(), maxBuffered: 1 << 20, maxPerDevice: 8, pingIntervalMs: 60_000, replayMaxEvents: 1000, logger: quiet });
}

const settle = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for what the test expects, however loaded the machine; a wrong answer then fails on the assertion. */
async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await settle(10);
}

t.test('a replay read across awaits: events published meanwhile follow it once, in order', async (t) => {
  const store = slowLog(5);
  const hub = hubOn(store.log, () => store.later(() => ({ seq: 0, data: {} as SnapshotData })));
  t.teardown(() => hub.closeAll());
  const client = await serve(t, hub, 2);
  await until(() => client.messages.length >= 1);
  // The replay's read has not answered yet; two commits are published meanwhile.
  store.commit(hub);
  store.commit(hub);
  store.release();
  await until(() => client.messages.length >= 6);
  // Room for a duplicate to arrive, if one were sent.
  await settle();
  t.same(
    client.messages.map((m) => [m.type, m.seq]),
    [
      ['welcome', 5],
      ['event', 3],
      ['event', 4],
      ['event', 5],
      ['event', 6],
      ['event', 7],
    ],
    'the read already holds 6 and 7: the held copies are not sent again',
  );
  store.commit(hub);
  await until(() => client.messages.length >= 7);
  t.same(client.messages.slice(-1).map((m) => [m.type, m.seq]), [['event', 8]], 'then live as usual');
});

t.test('a snapshot read across awaits at a later seq: only what comes after it follows', async (t) => {
  const store = slowLog(3);
  // The snapshot is read at the database's head when it runs: 5, after both commits below.
  const hub = hubOn(store.log, () => store.later(() => ({ seq: store.rows.length, data: { sessions: [] } as unknown as SnapshotData })));
  t.teardown(() => hub.closeAll());
  const client = await serve(t, hub, null);
  await until(() => client.messages.length >= 1);
  store.commit(hub);
  store.commit(hub);
  store.release();
  await until(() => client.messages.length >= 2);
  store.commit(hub);
  await until(() => client.messages.length >= 3);
  await settle();
  t.same(
    client.messages.map((m) => [m.type, m.seq]),
    [
      ['welcome', 3],
      ['snapshot', 5],
      ['event', 6],
    ],
  );
});

t.test('a read that shows events this node has not published yet: they are not sent again when they arrive', async (t) => {
  const store = slowLog(3);
  const hub = hubOn(store.log, () => store.later(() => ({ seq: 0, data: {} as SnapshotData })));
  t.teardown(() => hub.closeAll());
  const client = await serve(t, hub, 1);
  // Another node committed 4 and 5: the database has them, this node's tail has not published them yet.
  store.rows.push(announcement(4), announcement(5));
  await until(() => client.messages.length >= 1);
  store.release();
  await until(() => client.messages.length >= 5);
  hub.publish([store.rows[3]!, store.rows[4]!]);
  store.commit(hub);
  await until(() => client.messages.some((m) => m.seq === 6 && m.type === 'event'));
  await settle();
  t.same(
    client.messages.map((m) => [m.type, m.seq]),
    [
      ['welcome', 3],
      ['event', 2],
      ['event', 3],
      ['event', 4],
      ['event', 5],
      ['event', 6],
    ],
  );
});

t.test('a catch-up that fails closes the socket with 1011', async (t) => {
  const store = slowLog(1);
  const failing = (): Op<{ seq: number; data: SnapshotData }> => awaited(Promise.reject(new Error('database gone')));
  const hub = hubOn(store.log, failing);
  t.teardown(() => hub.closeAll());
  const client = await serve(t, hub, null);
  store.release();
  t.equal(await client.closed, 1011);
});
