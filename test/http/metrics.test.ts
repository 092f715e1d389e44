// Domain metrics on /metrics after real traffic: scans by result and reason, occupancy by room, imports, solves, sockets closed by code.
import t from 'tap';
import { build, listen, liveClient } from '../helper.js';
import { addRoom } from '../allocation/seed.js';
import { scan, walkIn } from '../checkin/fixtures.js';

const sample = (text: string, name: string, labels: Record<string, string>): number | null => {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
};

t.test('/metrics shows scans, occupancy, imports, solves, events by topic and sockets closed by code', async (t) => {
  const built = await build(t);
  const { app, auth, tokens } = built;
  const read = async (): Promise<string> => {
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: auth('ops') });
    t.equal(res.statusCode, 200);
    return res.body;
  };

  const room = await addRoom(built, { name: 'Europa', capacity: 100 });
  const person = await walkIn(built, { name: 'Ada Metric' });
  t.equal((await scan(built, { code: person.code })).json().result, 'ok');
  t.equal((await scan(built, { code: person.code })).json().reason, 'already_checked_in');
  t.equal((await scan(built, { code: 'not-a-code' })).json().reason, 'invalid_code');
  t.equal((await app.inject({ method: 'POST', url: `/api/rooms/${room.id}/headcount`, headers: auth('door'), payload: { count: 42 } })).statusCode, 200);

  const csv = 'name,organization,category,delegation,email,flags,externalId\nGrace Import,Navy,government,US,grace@example.org,,g-1\n';
  const imported = await app.inject({ method: 'POST', url: '/api/attendees/import', headers: { ...auth('admin'), 'content-type': 'text/csv' }, payload: csv });
  t.equal(imported.statusCode, 200, imported.body);
  const plan = await app.inject({ method: 'POST', url: '/api/allocation/plans', headers: auth('ops'), payload: {} });
  t.equal(plan.statusCode, 201, plan.body);

  const { ws } = await listen(app);
  const kiosk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.kiosk}` } });
  await kiosk.opened;
  await kiosk.next((m) => m.type === 'snapshot');
  kiosk.ws.close(1000);
  await kiosk.closed;

  // room.occupancy is coalesced on a timer: wait for the flush.
  let text = await read();
  for (let i = 0; i < 60 && (sample(text, 'eventday_room_occupancy', { room_id: room.id }) === null || sample(text, 'eventday_live_sockets_closed_total', { code: '1000' }) === null); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await read();
  }
  t.equal(sample(text, 'eventday_checkins_total', { result: 'ok', reason: 'none', kind: 'entry', place: 'venue' }), 1, 'clean check-in');
  t.equal(sample(text, 'eventday_checkins_total', { result: 'warning', reason: 'already_checked_in' }), 1, 'second scan');
  t.equal(sample(text, 'eventday_checkins_total', { result: 'rejected', reason: 'invalid_code' }), 1, 'bad code');
  t.equal(sample(text, 'eventday_room_occupancy', { room_id: room.id }), 42, 'occupancy by room');
  t.equal(sample(text, 'eventday_room_capacity', { room_id: room.id }), 100, 'capacity by room');
  t.equal(sample(text, 'eventday_import_duration_seconds_count', { kind: 'attendees', status_code: '200' }), 1, 'import timed');
  t.equal(sample(text, 'eventday_allocation_solve_duration_seconds_count', { trigger: 'request' }), 1, 'solve timed');
  t.equal(sample(text, 'eventday_live_sockets_closed_total', { code: '1000' }), 1, 'socket closed by code');
  t.ok((sample(text, 'eventday_events_appended_total', { topic: 'checkins' }) ?? 0) >= 3, 'events by topic');
  t.ok((sample(text, 'eventday_events_appended_total', { topic: 'occupancy' }) ?? 0) >= 1, 'occupancy events by topic');

  // Bounded cardinality: every label value is from a known list (or a room of the rooms table).
  const checkinLines = text.split('\n').filter((l) => l.startsWith('eventday_checkins_total{'));
  for (const l of checkinLines) t.match(l, /result="(ok|warning|rejected|other)",reason="[a-z_]+",kind="(entry|exit|other)",place="(venue|room)"/);
});

t.test('a revoked device\'s socket is counted under 4403', async (t) => {
  const built = await build(t);
  const { app, auth } = built;
  const created = await app.inject({ method: 'POST', url: '/api/devices', headers: auth('admin'), payload: { name: 'Door 9', role: 'door' } });
  const { id, token } = created.json() as { id: string; token: string };
  const { ws } = await listen(app);
  const door = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${token}` } });
  await door.opened;
  await door.next((m) => m.type === 'snapshot');
  t.equal((await app.inject({ method: 'DELETE', url: `/api/devices/${id}`, headers: auth('admin') })).statusCode, 204);
  t.equal((await door.closed).code, 4403);
  let text = '';
  for (let i = 0; i < 30 && sample(text, 'eventday_live_sockets_closed_total', { code: '4403' }) === null; i++) {
    text = (await app.inject({ method: 'GET', url: '/metrics', headers: auth('admin') })).body;
    if (sample(text, 'eventday_live_sockets_closed_total', { code: '4403' }) === null) await new Promise((r) => setTimeout(r, 50));
  }
  t.equal(sample(text, 'eventday_live_sockets_closed_total', { code: '4403' }), 1);
});
