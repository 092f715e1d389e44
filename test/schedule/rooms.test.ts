// Rooms over HTTP: create, list (kiosks without counts), change, capacity against the alert hysteresis, out-of-service hook, roles.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { build, storeSql } from '../helper.js';

async function eventCount(app: FastifyInstance): Promise<number> {
  return (await storeSql(app).get<{ n: number }>('SELECT count(*) AS n FROM events'))!.n;
}

async function lastEvents(app: FastifyInstance, n: number): Promise<{ name: string; visibility: string; payload: Record<string, unknown> }[]> {
  return (await storeSql(app).all<{ name: string; visibility: string; payload: string }>('SELECT name, visibility, payload FROM events ORDER BY seq DESC LIMIT ?', n))
    .reverse()
    .map((r) => ({ name: r.name, visibility: r.visibility, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}

t.test('create and list rooms; kiosks never see counts or capacity', async (t) => {
  const { app, auth } = await build(t);
  const res = await app.inject({
    method: 'POST',
    url: '/api/rooms',
    headers: auth('ops'),
    payload: { name: ' Plenary Hall ', capacity: 800, features: ['interpretation', 'streaming', 'streaming'] },
  });
  t.equal(res.statusCode, 201);
  const room = res.json();
  t.match(room, { id: String, name: 'Plenary Hall', capacity: 800, features: ['interpretation', 'streaming'], status: 'open', full: false, occupancy: 0, occupancyLevel: 'normal' });
  const [created] = await lastEvents(app, 1);
  t.same(created, { name: 'room.created', visibility: 'public', payload: { id: room.id, name: 'Plenary Hall', features: ['interpretation', 'streaming'], status: 'open', full: false } });

  await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('admin'), payload: { name: 'Annex', capacity: 40, sortOrder: -1 } });
  const kiosk = await app.inject({ method: 'GET', url: '/api/rooms', headers: auth('kiosk') });
  t.equal(kiosk.statusCode, 200);
  const publicRooms = kiosk.json() as Record<string, unknown>[];
  t.same(publicRooms.map((r) => r.name), ['Annex', 'Plenary Hall'], 'sorted by sortOrder, then name');
  for (const r of publicRooms) t.same(Object.keys(r).sort(), ['features', 'full', 'id', 'name', 'status']);
  for (const role of ['ops', 'desk', 'door', 'admin'] as const) {
    const staff = await app.inject({ method: 'GET', url: '/api/rooms', headers: auth(role) });
    t.same(Object.keys((staff.json() as object[])[0]!).sort(), ['capacity', 'features', 'full', 'id', 'name', 'occupancy', 'occupancyLevel', 'status'], role);
  }
});

t.test('bad room input is refused and writes nothing', async (t) => {
  const { app, auth } = await build(t);
  const ok = await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('ops'), payload: { name: 'Hall', capacity: 10 } });
  const id = ok.json().id as string;
  const before = await eventCount(app);
  const bad: [string, string, object][] = [
    ['POST', '/api/rooms', { name: 'X' }],
    ['POST', '/api/rooms', { name: '', capacity: 1 }],
    ['POST', '/api/rooms', { name: 'X', capacity: -1 }],
    ['POST', '/api/rooms', { name: 'X', capacity: 1.5 }],
    ['POST', '/api/rooms', { name: 'X', capacity: 1, features: ['Step Free'] }],
    ['POST', '/api/rooms', { name: 'X', capacity: 1, status: 'broken' }],
    ['POST', '/api/rooms', { name: 'X', capacity: 1, occupancy: 5 }],
    ['PATCH', `/api/rooms/${id}`, {}],
    ['PATCH', `/api/rooms/${id}`, { occupancy: 3 }],
    ['PATCH', `/api/rooms/${id}`, { capacity: 'many' }],
  ];
  for (const [method, url, payload] of bad) {
    const res = await app.inject({ method: method as 'POST', url, headers: auth('ops'), payload });
    t.equal(res.statusCode, 400, `${method} ${JSON.stringify(payload)}`);
    t.equal(res.json().code, 'validation_failed');
    t.match(res.headers['content-type'], /application\/problem\+json/);
  }
  const dup = await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('ops'), payload: { name: 'Hall', capacity: 5 } });
  t.equal(dup.statusCode, 409);
  t.equal(dup.json().code, 'name_taken');
  const other = await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('ops'), payload: { name: 'Other', capacity: 5 } });
  const before2 = await eventCount(app);
  const rename = await app.inject({ method: 'PATCH', url: `/api/rooms/${other.json().id}`, headers: auth('ops'), payload: { name: 'Hall' } });
  t.equal(rename.statusCode, 409);
  const missing = await app.inject({ method: 'PATCH', url: '/api/rooms/nope', headers: auth('ops'), payload: { name: 'Y' } });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'not_found');
  t.equal(await eventCount(app), before2, 'no event for a refused change');
  t.equal(before2, before + 1, 'only the valid room was written');
});

t.test('changing a room: fields, events, and capacity moving the alert level with hysteresis', async (t) => {
  const { app, auth } = await build(t);
  const room = (await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('ops'), payload: { name: 'Hall', capacity: 100 } })).json();
  await app.writer.submit(null, (tx) => app.services.occupancy.set(tx, room.id, 95));
  await app.services.occupancy.flush();

  const patch = async (payload: object): Promise<Record<string, unknown>> => {
    const res = await app.inject({ method: 'PATCH', url: `/api/rooms/${room.id}`, headers: auth('ops'), payload });
    t.equal(res.statusCode, 200, JSON.stringify(payload));
    return res.json();
  };
  t.match(await patch({ name: 'Main Hall', features: ['step_free'], sortOrder: 3 }), { name: 'Main Hall', features: ['step_free'], occupancyLevel: 'near', full: false });
  t.same((await lastEvents(app, 1)).map((e) => e.name), ['room.updated']);

  const seq = await eventCount(app);
  t.match(await patch({ capacity: 90 }), { capacity: 90, occupancyLevel: 'full', full: true });
  const events = await lastEvents(app, (await eventCount(app)) - seq);
  t.same(events.map((e) => `${e.name}/${e.visibility}`), ['room.alert/staff', 'room.occupancy/staff', 'room.updated/public']);
  t.match(events[0]!.payload, { roomId: room.id, level: 'full', previousLevel: 'near', occupancy: 95, capacity: 90 });
  t.same(events[2]!.payload, { id: room.id, name: 'Main Hall', features: ['step_free'], status: 'open', full: true }, 'kiosks learn the room is full, not the count');

  t.match(await patch({ capacity: 97 }), { occupancyLevel: 'near', full: false }, 'just below capacity a kiosk no longer reads FULL (the staff alert keeps its hysteresis)');
  t.match(await patch({ capacity: 200 }), { occupancyLevel: 'normal', full: false }, 'far below, it comes down');

  const before = await eventCount(app);
  await patch({ capacity: 200 });
  t.equal(await eventCount(app), before, 'a change that changes nothing writes nothing');
});

t.test('a room going out of service calls the listeners after commit, once', async (t) => {
  const { app, auth } = await build(t);
  const room = (await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('ops'), payload: { name: 'Hall', capacity: 100 } })).json();
  const seen: { id: string; status: string; committed: boolean; actorRole: string }[] = [];
  // Each call reads the stored status as it is called, outside the unit of work: the change shows only once committed.
  const reads: Promise<void>[] = [];
  const { rooms } = app.services;
  const off = rooms.onOutOfService((r, actor) => {
    const read = storeSql(app).get<{ status: string }>('SELECT status FROM rooms WHERE id = ?', r.id);
    reads.push(read.then((stored) => void seen.push({ id: r.id, status: r.status, committed: stored?.status === 'out_of_service', actorRole: actor.role })));
  });
  rooms.onOutOfService(() => {
    throw new Error('a failing listener does not fail the change');
  });
  const res = await app.inject({ method: 'PATCH', url: `/api/rooms/${room.id}`, headers: auth('ops'), payload: { status: 'out_of_service' } });
  t.equal(res.statusCode, 200);
  await new Promise((r) => setImmediate(r));
  await Promise.all(reads);
  t.same(seen, [{ id: room.id, status: 'out_of_service', committed: true, actorRole: 'ops' }]);
  await app.inject({ method: 'PATCH', url: `/api/rooms/${room.id}`, headers: auth('ops'), payload: { status: 'out_of_service', capacity: 50 } });
  await app.inject({ method: 'PATCH', url: `/api/rooms/${room.id}`, headers: auth('ops'), payload: { status: 'closed' } });
  await new Promise((r) => setImmediate(r));
  await Promise.all(reads);
  t.equal(seen.length, 1, 'only the transition into out_of_service');
  off();
  await app.inject({ method: 'PATCH', url: `/api/rooms/${room.id}`, headers: auth('ops'), payload: { status: 'out_of_service' } });
  await new Promise((r) => setImmediate(r));
  await Promise.all(reads);
  t.equal(seen.length, 1, 'an unsubscribed listener is not called');
});

t.test('every role × the room routes', async (t) => {
  const { app, auth } = await build(t);
  const room = (await app.inject({ method: 'POST', url: '/api/rooms', headers: auth('admin'), payload: { name: 'Hall', capacity: 100 } })).json();
  let n = 0;
  const routes: { method: 'GET' | 'POST' | 'PATCH'; url: string; allowed: string[]; payload?: () => object }[] = [
    { method: 'GET', url: '/api/rooms', allowed: ['admin', 'ops', 'desk', 'door', 'kiosk'] },
    { method: 'POST', url: '/api/rooms', allowed: ['admin', 'ops'], payload: () => ({ name: `Room ${n++}`, capacity: 10 }) },
    { method: 'PATCH', url: `/api/rooms/${room.id}`, allowed: ['admin', 'ops'], payload: () => ({ capacity: 100 + n++ }) },
  ];
  for (const route of routes) {
    const anon = await app.inject({ method: route.method, url: route.url, ...(route.payload ? { payload: route.payload() } : {}) });
    t.equal(anon.statusCode, 401, `${route.method} ${route.url} without a token`);
    for (const role of ['admin', 'ops', 'desk', 'door', 'kiosk'] as const) {
      const res = await app.inject({ method: route.method, url: route.url, headers: auth(role), ...(route.payload ? { payload: route.payload() } : {}) });
      if (route.allowed.includes(role)) t.ok(res.statusCode < 300, `${role} may ${route.method} ${route.url} (${res.statusCode})`);
      else {
        t.equal(res.statusCode, 403, `${role} may not ${route.method} ${route.url}`);
        t.equal(res.json().code, 'forbidden');
      }
    }
  }
});
