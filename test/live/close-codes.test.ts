// Live socket close codes and limits: 4403 on revoke, 4008 for a slow consumer, 1001 on shutdown, 1008/1009 for junk.
import t from 'tap';
import { build, listen, liveClient } from '../helper.js';

t.test('a revoked device loses its socket with 4403 within a second', async (t) => {
  const b = await build(t);
  const { ws } = await listen(b.app);
  const created = await b.app.inject({ method: 'POST', url: '/api/devices', headers: b.auth('admin'), payload: { name: 'Hall screen', role: 'kiosk' } });
  const { id, token } = created.json();
  const c = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${token}` } });
  await c.next((m) => m.type === 'snapshot');
  const other = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.kiosk}` } });
  await other.next((m) => m.type === 'snapshot');
  const started = Date.now();
  await b.app.inject({ method: 'DELETE', url: `/api/devices/${id}`, headers: b.auth('admin') });
  const closed = await c.closed;
  t.equal(closed.code, 4403);
  t.ok(Date.now() - started < 1000, 'within a second');
  t.equal(other.ws.readyState, other.ws.OPEN, 'other devices keep their sockets');
  other.ws.close();
});

t.test('a consumer that never reads is closed with 4008; others keep receiving', async (t) => {
  const b = await build(t, { env: { EVENTDAY_WS_MAX_BUFFERED: String(64 * 1024) } });
  const { ws } = await listen(b.app);
  const slow = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.kiosk}` } });
  await slow.next((m) => m.type === 'snapshot');
  // Stop reading: the kernel buffers fill, then the server's unsent buffer grows.
  (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const fast = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.kiosk}` } });
  await fast.next((m) => m.type === 'snapshot');
  let fastCount = 0;
  fast.ws.on('message', () => (fastCount += 1));
  const text = 'x'.repeat(2000);
  const serverSockets = () => [...(b.app.websocketServer.clients as Set<{ readyState: number }>)];
  for (let i = 0; i < 400 && !serverSockets().some((s) => s.readyState === 2); i++) {
    await Promise.all(Array.from({ length: 25 }, () => b.app.services.announcements.create({ deviceId: 'x', role: 'ops' }, { text, severity: 'info' })));
  }
  t.ok(serverSockets().some((s) => s.readyState === 2), 'the server is closing the slow socket');
  (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  const closed = await slow.closed;
  t.equal(closed.code, 4008, 'too slow');
  t.ok(fastCount > 0, 'the fast client kept receiving');
  fast.ws.close();
});

t.test('shutdown closes sockets with 1001 and /readyz answers 503 meanwhile', async (t) => {
  const b = await build(t, { close: false });
  const { ws } = await listen(b.app);
  const c = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.kiosk}` } });
  await c.next((m) => m.type === 'snapshot');
  t.equal((await b.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  const closing = b.app.close();
  const closed = await c.closed;
  t.equal(closed.code, 1001);
  await closing;
});

t.test('junk from a client: ignored, then 1008 when repeated; oversize frames are refused', async (t) => {
  const b = await build(t);
  const { ws } = await listen(b.app);
  const c = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.kiosk}` } });
  await c.next((m) => m.type === 'snapshot');
  c.ws.send(JSON.stringify({ type: 'hello' }));
  c.ws.send('not json');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(c.ws.readyState, c.ws.OPEN, 'one bad message is tolerated');
  for (let i = 0; i < 5; i++) c.ws.send('{{{');
  t.equal((await c.closed).code, 1008);

  const big = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${b.tokens.kiosk}` } });
  await big.next((m) => m.type === 'snapshot');
  big.ws.send('x'.repeat(65 * 1024));
  t.equal((await big.closed).code, 1009, 'frames above 64 KiB close the socket');
});

t.test('subscribe narrows topics and rooms; a kiosk never receives staff or personal events', async (t) => {
  const b = await build(t);
  const { ws } = await listen(b.app);
  const kiosk = liveClient(`${ws}/api/live?topics=announcements`, { headers: { authorization: `Bearer ${b.tokens.kiosk}` } });
  await kiosk.next((m) => m.type === 'snapshot');
  await b.app.writer.submit(null, (tx) => {
    tx.emit('room.occupancy', { roomId: 'r1', occupancy: 12, capacity: 100, occupancyLevel: 'normal' });
    tx.emit('checkin.recorded', {
      result: 'ok',
      reason: null,
      checkin: { id: 'c1', kind: 'entry', roomId: null, at: '2026-12-01T09:00:00Z', forced: false, leftRoomId: null },
      attendee: { id: 'a1', name: 'Canary Person', organization: 'Canary Org', category: 'other', delegation: null, flags: [] },
      firstCheckinAt: null,
      scanId: 's1',
      deviceId: 'd1',
      receivedAt: '2026-12-01T09:00:00Z',
      codeAttendeeId: 'a1',
      method: 'scan',
      manualReason: null,
    });
  });
  await b.app.inject({ method: 'POST', url: '/api/announcements', headers: b.auth('ops'), payload: { text: 'A', severity: 'info' } });
  const first = await kiosk.next((m) => m.type === 'event');
  t.equal(first.name, 'announcement.created');
  kiosk.ws.send(JSON.stringify({ type: 'subscribe', topics: ['schedule'] }));
  await new Promise((r) => setTimeout(r, 50));
  await b.app.inject({ method: 'POST', url: '/api/announcements', headers: b.auth('ops'), payload: { text: 'B', severity: 'info' } });
  // A schedule event after B: events arrive in log order, so once the kiosk has it, B would have come first.
  const room = await b.app.inject({ method: 'POST', url: '/api/rooms', headers: b.auth('ops'), payload: { name: 'Hall', capacity: 100 } });
  t.equal(room.statusCode, 201);
  await kiosk.next((m) => m.type === 'event' && m.name === 'room.created');
  const events = kiosk.messages.filter((m) => m.type === 'event');
  t.same(events.map((m) => m.name), ['announcement.created', 'room.created'], 'after subscribing to schedule only, announcements stop');
  t.notOk(JSON.stringify(kiosk.messages).includes('Canary'), 'no personal data reached the kiosk');
  t.notOk(JSON.stringify(kiosk.messages).includes('room.occupancy'), 'no staff event reached the kiosk');
  kiosk.ws.close();
});
