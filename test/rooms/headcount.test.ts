// Headcounts and occupancy: validation, levels and alerts with hysteresis, coalesced updates, and kiosks never seeing counts.
import t from 'tap';
import { build, listen, liveClient, storeSql } from '../helper.js';
import { addRoom, fingerprint } from '../allocation/seed.js';

t.test('headcount validation: negative, fractional, absurd or malformed counts are 400 and write nothing', async (t) => {
  const built = await build(t);
  const { app, auth } = built;
  const room = await addRoom(built, { name: 'Europa', capacity: 100 });
  const before = await fingerprint(app);
  const bad: unknown[] = [{ count: -1 }, { count: 2.5 }, { count: 100_001 }, { count: 1_001 }, { count: '12' }, {}, { count: 5, extra: true }, { count: null }];
  for (const payload of bad) {
    const res = await app.inject({ method: 'POST', url: `/api/rooms/${room.id}/headcount`, headers: auth('door'), payload: payload as object });
    t.equal(res.statusCode, 400, `400 for ${JSON.stringify(payload)}`);
    t.equal(res.json().code, 'validation_failed');
    t.match(res.json().errors, [{ field: /^body/ }], 'names the field');
  }
  t.same(await fingerprint(app), before, 'no event and no change written');
  const rooms = await app.inject({ method: 'GET', url: '/api/rooms', headers: auth('ops') });
  t.equal(rooms.json().find((r: { id: string }) => r.id === room.id).occupancy, 0);

  const missing = await app.inject({ method: 'POST', url: '/api/rooms/nope/headcount', headers: auth('door'), payload: { count: 3 } });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'not_found');

  const ten = await app.inject({ method: 'POST', url: `/api/rooms/${room.id}/headcount`, headers: auth('door'), payload: { count: 1_000 } });
  t.equal(ten.statusCode, 200, 'exactly 10× capacity is still a count');
  t.match(ten.json(), { id: room.id, occupancy: 1_000, capacity: 100, occupancyLevel: 'full', full: true });
});

t.test('headcount roles: door, ops and admin may count; desk and kiosk may not', async (t) => {
  const built = await build(t);
  const { app, auth } = built;
  const room = await addRoom(built, { name: 'Asia', capacity: 50 });
  const url = `/api/rooms/${room.id}/headcount`;
  const anon = await app.inject({ method: 'POST', url, payload: { count: 1 } });
  t.equal(anon.statusCode, 401);
  for (const role of ['door', 'ops', 'admin'] as const) {
    const res = await app.inject({ method: 'POST', url, headers: auth(role), payload: { count: 7 } });
    t.equal(res.statusCode, 200, `${role} allowed`);
  }
  for (const role of ['desk', 'kiosk'] as const) {
    const res = await app.inject({ method: 'POST', url, headers: auth(role), payload: { count: 7 } });
    t.equal(res.statusCode, 403, `${role} denied`);
    t.equal(res.json().code, 'forbidden');
  }
});

t.test('levels and alerts through headcounts: one room.alert per crossing, no flapping at the edge; kiosks see only `full`', async (t) => {
  const built = await build(t);
  const { app, auth, tokens } = built;
  const room = await addRoom(built, { name: 'Africa', capacity: 100 });
  const { ws } = await listen(app);
  const ops = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.ops}` } });
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.kiosk}` } });
  await Promise.all([ops.opened, kiosk.opened]);
  await Promise.all([ops.next((m) => m.type === 'snapshot'), kiosk.next((m) => m.type === 'snapshot')]);

  // Capacity 100, margin 3: near at ≥ 90 and back to normal only below 87; full at ≥ 100 and back to near only below 97.
  const counts = [50, 90, 89, 90, 88, 91, 100, 99, 98, 100, 97, 96, 92, 88, 87, 86, 95, 50];
  const levels: string[] = [];
  for (const count of counts) {
    const res = await app.inject({ method: 'POST', url: `/api/rooms/${room.id}/headcount`, headers: auth('door'), payload: { count } });
    t.equal(res.statusCode, 200);
    levels.push(res.json().occupancyLevel);
  }
  t.same(levels, [
    'normal', 'near', 'normal', 'near', 'normal', 'near', 'full', 'near', 'near', 'full', 'near', 'near', 'near', 'normal', 'normal', 'normal', 'near', 'normal',
  ], 'occupancyLevel is the measured level; the alerts below carry the hysteresis');

  await ops.next((m) => m.name === 'room.occupancy' && (m.data as { occupancy: number }).occupancy === 50, 3_000);
  const alerts = ops.messages.filter((m) => m.name === 'room.alert').map((m) => {
    const d = m.data as { level: string; previousLevel: string; occupancy: number };
    return `${d.previousLevel}>${d.level}@${d.occupancy}`;
  });
  t.same(alerts, ['normal>near@90', 'near>full@100', 'full>near@96', 'near>normal@86', 'normal>near@95', 'near>normal@50'], 'one alert per crossing, hysteresis at the edges');

  const occupancyUpdates = ops.messages.filter((m) => m.name === 'room.occupancy');
  t.ok(occupancyUpdates.length < counts.length, `room.occupancy is coalesced (${occupancyUpdates.length} for ${counts.length} counts)`);

  const fullFlags = kiosk.messages
    .filter((m) => m.name === 'room.updated')
    .map((m) => (m.data as { full: boolean }).full);
  // 100, 99, 98, 100, 97: FULL exactly at capacity (issue 12: the flag no longer sticks below it).
  t.same(fullFlags, [true, false, true, false], 'kiosks learn only that the room reached capacity and dropped below it');
  for (const m of kiosk.messages.filter((m) => m.type === 'event')) {
    t.not(m.topic, 'occupancy', `${String(m.name)} is not an occupancy event`);
    t.notMatch(JSON.stringify(m.data), /occupancy|capacity/, 'no count in a kiosk event');
  }
  ops.ws.close();
  kiosk.ws.close();
});

t.test('kiosks never see counts: room list and snapshot without occupancy or capacity', async (t) => {
  const built = await build(t);
  const { app, auth, tokens } = built;
  const room = await addRoom(built, { name: 'Oceania', capacity: 10 });
  await app.inject({ method: 'POST', url: `/api/rooms/${room.id}/headcount`, headers: auth('ops'), payload: { count: 10 } });

  const kioskRooms = await app.inject({ method: 'GET', url: '/api/rooms', headers: auth('kiosk') });
  t.equal(kioskRooms.statusCode, 200);
  t.same(kioskRooms.json(), [{ id: room.id, name: 'Oceania', features: [], status: 'open', full: true }]);
  const staffRooms = await app.inject({ method: 'GET', url: '/api/rooms', headers: auth('door') });
  t.match(staffRooms.json(), [{ id: room.id, occupancy: 10, capacity: 10, occupancyLevel: 'full', full: true }]);

  const { ws } = await listen(app);
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.kiosk}` } });
  const snapshot = await kiosk.next((m) => m.type === 'snapshot');
  t.notMatch(JSON.stringify(snapshot), /occupancy|capacity/, 'no count in the kiosk snapshot');
  kiosk.ws.close();
});

t.test('the public full flag is occupancy ≥ capacity: small rooms never read FULL below it', async (t) => {
  const built = await build(t);
  const { app } = built;
  const kioskFull = async (id: string): Promise<boolean> => {
    const rooms = (await app.inject({ method: 'GET', url: '/api/rooms', headers: built.auth('kiosk') })).json<{ id: string; full: boolean }[]>();
    return rooms.find((r) => r.id === id)!.full;
  };
  const count = (id: string, n: number) =>
    app.inject({ method: 'POST', url: `/api/rooms/${id}/headcount`, headers: built.auth('door'), payload: { count: n } });
  for (const capacity of [1, 3, 40]) {
    const room = await addRoom(built, { name: `Room of ${capacity}`, capacity });
    const trail: string[] = [];
    for (const n of [capacity, 0, capacity, capacity - 1, 1, capacity, 0]) {
      await count(room.id, n);
      trail.push(`${n}:${(await kioskFull(room.id)) ? 'FULL' : 'free'}`);
    }
    const expected = [capacity, 0, capacity, capacity - 1, 1, capacity, 0].map((n) => `${n}:${n >= capacity ? 'FULL' : 'free'}`);
    t.same(trail, expected, `capacity ${capacity}: FULL exactly when occupancy reaches capacity`);
    const alert = await storeSql(app).get<{ level: string }>('SELECT alert_level AS level FROM rooms WHERE id = ?', room.id);
    t.equal(alert!.level, 'normal', `capacity ${capacity}: an empty room's staff alert comes down`);
  }
});
