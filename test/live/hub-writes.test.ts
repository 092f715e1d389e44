// The events of one commit leave in one write per socket: the hub corks each TCP socket for a publish and uncorks it once.
import t from 'tap';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { EventRecord } from '../../src/live/event-log.js';
import { Hub } from '../../src/live/hub.js';
import { known } from '../../src/store/op.js';
import { eventInput } from '../../src/store/unit-of-work.js';
import type { SnapshotData } from '../../src/contract/live.js';

const EPOCH = 'e1';

function announcement(seq: number): EventRecord {
  const wire = { id: `a${seq}`, text: `text ${seq}`, severity: 'info' as const, roomIds: null, createdAt: '2026-02-15T08:00:00.000Z', expiresAt: null };
  return { seq, epoch: EPOCH, ...eventInput(null, Date.parse('2026-02-15T08:00:00Z'), 'announcement.created', wire, []) };
}

t.test('three events of one commit: one write on each of three sockets, and every client reads all three in order', async (t) => {
  let head = 0;
  const hub = new Hub({
    log: { epoch: EPOCH, headSeq: () => head, committedSeq: () => known(head), oldestSeq: () => known(1), readAfter: () => known([]) },
    snapshot: () => known({ seq: head, data: {} as SnapshotData }),
    clock: Date.now,
    maxBuffered: 1 << 20,
    maxPerDevice: 8,
    pingIntervalMs: 60_000,
    replayMaxEvents: 100,
    logger: { warn: () => undefined, debug: () => undefined },
  });
  const wss = new WebSocketServer({ port: 0 });
  await once(wss, 'listening');
  const writes: number[] = [];
  wss.on('connection', (socket) => {
    hub.connect({ socket, role: 'ops', deviceId: `d${writes.length}`, since: null, epoch: null, filter: { topics: null, roomIds: null } });
    // Counts what reaches the TCP socket's own write functions (one call per write or writev).
    const raw = (socket as unknown as { _socket: Duplex & { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void } })._socket;
    const index = writes.push(0) - 1;
    const write = raw._write.bind(raw);
    raw._write = (...a) => {
      writes[index]! += 1;
      write(...a);
    };
    if (raw._writev) {
      const writev = raw._writev.bind(raw);
      raw._writev = (...a) => {
        writes[index]! += 1;
        writev(...a);
      };
    }
  });
  t.teardown(() => {
    hub.closeAll();
    wss.close();
  });
  const port = (wss.address() as AddressInfo).port;
  const clients = await Promise.all(
    [0, 1, 2].map(async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}`);
      const seqs: number[] = [];
      const caughtUp = new Promise<void>((resolve) => {
        socket.on('message', (data: Buffer) => {
          const m = JSON.parse(data.toString()) as { type: string; seq: number };
          if (m.type === 'snapshot') resolve();
          if (m.type === 'event') seqs.push(m.seq);
        });
      });
      await once(socket, 'open');
      t.teardown(() => socket.terminate());
      await caughtUp;
      return seqs;
    }),
  );
  // Every socket has its welcome and snapshot: from here on only the commit below is written.
  writes.fill(0);
  head = 3;
  hub.publish([announcement(1), announcement(2), announcement(3)]);
  const deadline = Date.now() + 5_000;
  while (clients.some((seqs) => seqs.length < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.same(writes, [1, 1, 1], 'one write per socket for the whole commit');
  t.same(clients, [[1, 2, 3], [1, 2, 3], [1, 2, 3]], 'still one message per event');
});
