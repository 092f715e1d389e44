// Two nodes on one PostgreSQL database, each with its own unit of work, log tail and live hub: every socket, wherever it connects and resumes, gets the one log exactly.
import t from 'tap';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { Test } from 'tap';
import type { Role } from '../../src/core/vocabulary.js';
import { Hub } from '../../src/live/hub.js';
import { AnnouncementService } from '../../src/services/announcements.js';
import { DeviceService } from '../../src/services/devices.js';
import { awaited } from '../../src/store/op.js';
import { PgEventLog } from '../../src/store/pg/event-log.js';
import { LogTail } from '../../src/store/pg/log-tail.js';
import { pgReader } from '../../src/store/pg/ports.js';
import { readAtHead } from '../../src/store/pg/read-at-head.js';
import { PgUnitOfWork } from '../../src/store/pg/unit-of-work.js';
import type { SnapshotData } from '../../src/contract/live.js';
import fc, { seed } from '../property.js';
import { withPgSchema, type PgSchema } from '../pg.js';

const EPOCH = 'epoch-1';
const OPS = { deviceId: 'ops-device', role: 'ops' as const };
const quiet = { warn: () => undefined, debug: () => undefined };
let ids = 0;
const newId = (): string => `id-${++ids}`;

interface Node {
  name: string;
  log: PgEventLog;
  url: string;
  announcements: AnnouncementService;
  devices: DeviceService;
  tail: LogTail;
  hub: Hub;
}

async function startNode(t: Test, name: string, schema: PgSchema): Promise<Node> {
  const store = await schema.open({ max: 4 });
  const log = new PgEventLog(store.pool, schema.schema);
  const uow = new PgUnitOfWork(store.pool, log, () => EPOCH, Date.now);
  const reader = pgReader(store.pool, log);
  const devices = new DeviceService(reader, uow, newId);
  const announcements = new AnnouncementService({} as never, uow, newId, Date.now);
  let tail: LogTail | null = null;
  const hub = new Hub({
    log: {
      epoch: EPOCH,
      headSeq: () => tail?.lastSeq ?? 0,
      committedSeq: () => awaited(log.head().then((h) => h.seq)),
      oldestSeq: () => awaited(log.oldestSeq()),
      readAfter: (since, limit) => awaited(log.readAfter(since, limit)),
    },
    snapshot: () =>
      awaited(
        readAtHead(store.pool, log, function* (ports) {
          return { announcements: yield* ports.announcements.listActive(Date.now()) };
        }).then(({ seq, value }) => ({ seq, data: value as unknown as SnapshotData })),
      ),
    clock: Date.now,
    maxBuffered: 1 << 20,
    maxPerDevice: 8,
    pingIntervalMs: 60_000,
    replayMaxEvents: 10_000,
    logger: quiet,
  });
  tail = new LogTail({
    log,
    connection: { connectionString: schema.url },
    pollMs: 200,
    onEvents: (records) => {
      for (const r of records) if (r.name === 'device.revoked') devices.forget((JSON.parse(r.payloadJson) as { id: string }).id);
      hub.publish(records);
    },
  });
  await tail.start((await log.head()).seq);
  const wss = new WebSocketServer({ port: 0 });
  await once(wss, 'listening');
  wss.on('connection', (socket, req) => {
    const params = new URL(req.url ?? '/', 'http://x').searchParams;
    const since = params.get('since');
    hub.connect({
      socket,
      role: (params.get('role') ?? 'ops') as Role,
      deviceId: params.get('device') ?? 'd',
      since: since === null ? null : Number(since),
      epoch: params.get('epoch'),
      filter: { topics: null, roomIds: null },
    });
  });
  t.teardown(async () => {
    hub.closeAll();
    wss.close();
    await tail!.stop();
  });
  return { name, log, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, announcements, devices, tail, hub };
}

/** A live client that resumes wherever it is sent: it records the seq of every event and snapshot it is shown. */
class Viewer {
  socket: WebSocket | null = null;
  /** The seq its first snapshot showed: it must then see every later seq exactly once. */
  start: number | null = null;
  seen: number[] = [];
  last = 0;
  constructor(readonly role: Role) {}

  async connect(node: Node): Promise<void> {
    const resume = this.start === null ? '' : `&since=${this.last}&epoch=${EPOCH}`;
    const socket = new WebSocket(`${node.url}/?role=${this.role}${resume}`);
    socket.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { type: string; seq: number };
      if (m.type === 'snapshot') {
        if (this.start === null) this.start = m.seq;
        else this.seen.push(-m.seq);
        this.last = m.seq;
      } else if (m.type === 'event') {
        this.seen.push(m.seq);
        this.last = m.seq;
      }
    });
    this.socket = socket;
    await once(socket, 'open');
  }

  async disconnect(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    const closed = once(socket, 'close');
    socket.close();
    await closed;
  }
}

t.test('random writes on random nodes, sockets of two roles moving between nodes: each gets the log after its snapshot, once, in order', async (t) => {
  const schema = await withPgSchema(t);
  const nodes = [await startNode(t, 'a', schema), await startNode(t, 'b', schema)];
  const viewers = [new Viewer('ops'), new Viewer('kiosk'), new Viewer('ops'), new Viewer('kiosk')];
  // Seeded (test/property.ts): the run is the same every time, and EVENTDAY_TEST_SEED changes it.
  const steps = fc.sample(fc.tuple(fc.nat(99), fc.nat(1), fc.nat(3)), { numRuns: 60, seed });
  for (const [i, v] of viewers.entries()) await v.connect(nodes[i % 2]!);
  const created: string[] = [];
  const writes: Promise<unknown>[] = [];
  for (const [dice, nodeIndex, viewerIndex] of steps) {
    const node = nodes[nodeIndex]!;
    const viewer = viewers[viewerIndex]!;
    if (dice < 55) {
      writes.push(node.announcements.create(OPS, { text: `note ${dice}`, severity: 'info' }).then((a) => created.push(a.id)));
    } else if (dice < 70 && created.length > 0) {
      const id = created.shift()!;
      writes.push(node.announcements.remove(OPS, id));
    } else {
      // Moves to the node the dice name and resumes there with since = the last seq it saw.
      await viewer.disconnect();
      await viewer.connect(node);
    }
    if (dice % 7 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(writes);
  const target = (await nodes[0]!.log.head()).seq;
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && viewers.some((v) => v.last < target)) await new Promise((r) => setTimeout(r, 20));
  t.equal(target, writes.length, `the log holds one event per write: ${target}`);
  for (const [i, v] of viewers.entries()) {
    const expected = Array.from({ length: target - v.start! }, (_, k) => v.start! + k + 1);
    t.same(v.seen, expected, `viewer ${i} (${v.role}) saw every seq after its snapshot at ${v.start}, once, in order`);
  }
  for (const v of viewers) await v.disconnect();
});

t.test('a device revoked on one node loses its sockets on the other within a second, and its token stops working there', async (t) => {
  const schema = await withPgSchema(t);
  const [a, b] = [await startNode(t, 'a', schema), await startNode(t, 'b', schema)];
  const { device, token } = await a.devices.create(OPS, 'Desk 7', 'desk');
  t.equal((await b.devices.authenticate(token))?.id, device.id, 'node b knows the token (and caches it)');
  const socket = new WebSocket(`${b.url}/?role=desk&device=${device.id}`);
  await once(socket, 'open');
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  const started = Date.now();
  await a.devices.revoke(OPS, device.id);
  t.equal(await closed, 4403, 'closed with 4403 by node b');
  t.ok(Date.now() - started < 1_000, `within ${Date.now() - started} ms`);
  t.equal(await b.devices.authenticate(token), null, "node b's cache forgot the device");
});
