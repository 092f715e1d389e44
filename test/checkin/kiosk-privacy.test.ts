// A kiosk socket on a real port through a scripted day of scans never receives a name, organization, email, delegation or any per-attendee datum.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build, listen, liveClient, type LiveClient } from '../helper.js';
import { addRoom, addSession, scan, walkIn } from './fixtures.js';

function recordFrames(client: LiveClient): string[] {
  const frames: string[] = [];
  client.ws.on('message', (data) => frames.push((data as Buffer).toString()));
  return frames;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('a scripted day of scans: kiosks see rooms fill up, never who', async (t) => {
  const built = await build(t);
  const { app } = built;
  const { ws } = await listen(app);
  const connect = (role: 'kiosk' | 'desk' | 'ops', query = '') => {
    const client = liveClient(`${ws}/api/live${query}`, { headers: { authorization: `Bearer ${built.tokens[role]}` } });
    return { client, frames: recordFrames(client) };
  };
  const kiosk = connect('kiosk');
  const desk = connect('desk');
  const ops = connect('ops');
  const statsAt: number[] = [];
  ops.client.ws.on('message', (data) => {
    if ((data as Buffer).toString().includes('"checkins.stats"')) statsAt.push(performance.now());
  });
  await Promise.all([kiosk.client.opened, desk.client.opened, ops.client.opened]);
  await kiosk.client.next((m) => m.type === 'snapshot');

  const hall = await addRoom(app, { name: 'Main Hall', capacity: 2 });
  const closedDoor = await addRoom(app, { name: 'Room Closed-Door', capacity: 50 });
  await addSession(app, { roomId: closedDoor, startsAt: Date.now() - 60_000, endsAt: Date.now() + 3_600_000, access: { policy: 'categories', categories: ['government'] } });

  const canaries = ['Canaryname', 'Canaryorg', 'canarymail', 'Zwölfkanarie', 'Канарейка', '金丝雀', 'Imported Canarybird'];
  const people = [
    await walkIn(built, { name: 'Canaryname Alpha', organization: 'Canaryorg Ministry', category: 'government', delegation: 'QZ', email: 'canarymail.alpha@example.org', flags: ['vip'] }),
    await walkIn(built, { name: 'Zwölfkanarie Beta', organization: 'Canaryorg Press', category: 'media', delegation: 'QZ', email: 'canarymail.beta@example.org' }),
    await walkIn(built, { name: 'Канарейка Гамма', organization: 'Canaryorg Institute', category: 'academia', delegation: 'QZ' }),
    await walkIn(built, { name: '金丝雀', organization: 'Canaryorg University', category: 'industry', delegation: 'QZ', email: 'canarymail.delta@example.org' }),
  ];
  const imported = await app.inject({
    method: 'POST',
    url: '/api/attendees/import',
    headers: { ...built.auth('admin'), 'content-type': 'text/csv' },
    payload: 'name,organization,category,delegation,email,flags,externalId\nImported Canarybird,Canaryorg Imports,ngo,QZ,canarymail.import@example.org,,CANARY-1\n',
  });
  t.equal(imported.json().created, 1);

  const scanIds: string[] = [];
  const door = async (code: string, roomId: string | null, extra: { kind?: 'entry' | 'exit'; force?: boolean } = {}) => {
    const scanId = randomUUID();
    scanIds.push(scanId);
    return (await scan(built, { scanId, code, roomId, ...extra }, roomId === null ? 'desk' : 'door')).json() as { result: string; checkin: { id: string } };
  };
  for (const p of people) await door(p.code, null);
  await door(people[0]!.code, null);
  await door('NOT-A-BADGE', null);
  await door(people[0]!.code, hall);
  await door(people[1]!.code, hall);
  await door(people[2]!.code, hall);
  await door(people[2]!.code, hall, { force: true });
  await door(people[1]!.code, closedDoor);
  await door(people[0]!.code, closedDoor);
  await door(people[2]!.code, hall, { kind: 'exit' });
  const undoMe = await door(people[3]!.code, hall);
  await app.inject({ method: 'DELETE', url: `/api/checkins/${undoMe.checkin.id}`, headers: built.auth('desk') });
  const batch = await app.inject({
    method: 'POST',
    url: '/api/checkins/batch',
    headers: built.auth('desk'),
    payload: { scans: people.map((p) => ({ scanId: randomUUID(), code: p.code, scannedAt: new Date(Date.now() - 3_600_000).toISOString() })) },
  });
  t.equal(batch.statusCode, 200);
  await app.inject({ method: 'POST', url: `/api/attendees/${people[1]!.id}/badge`, headers: built.auth('desk') });
  await app.inject({ method: 'PATCH', url: `/api/attendees/${people[3]!.id}`, headers: built.auth('desk'), payload: { status: 'cancelled' } });
  await app.inject({ method: 'PATCH', url: `/api/attendees/${people[2]!.id}`, headers: built.auth('admin'), payload: { organization: 'Canaryorg Elsewhere' } });
  // Occupancy and arrival statistics are coalesced on timers; let both run.
  await settle(1_300);

  const late = connect('kiosk', '?since=0');
  await late.client.opened;
  const fresh = connect('kiosk');
  await fresh.client.opened;
  await settle(300);

  const personal = [...canaries, '"QZ"', ...people.flatMap((p) => [p.id, p.code]), ...scanIds];
  for (const [who, frames] of [['live kiosk', kiosk.frames], ['replaying kiosk', late.frames], ['new kiosk', fresh.frames]] as const) {
    const text = frames.join('\n');
    t.ok(frames.length >= 2, `${who} received frames`);
    for (const canary of personal) t.notOk(text.includes(canary), `${who} never receives ${canary.slice(0, 20)}`);
    t.notOk(/checkin|attendee|badge/i.test(text.replace(/"topic":"checkins"/g, '')), `${who} gets no check-in, attendee or badge event`);
  }
  t.ok(kiosk.frames.some((f) => f.includes('"room.updated"') && f.includes('"full":true')), 'the kiosk does learn that the hall is full');

  const deskText = desk.frames.join('\n');
  t.ok(deskText.includes('checkin.recorded') && deskText.includes('Canaryname Alpha'), 'a desk socket sees who was scanned');
  t.ok(deskText.includes('checkin.undone'));
  const opsText = ops.frames.join('\n');
  t.ok(opsText.includes('checkins.stats'), 'staff get arrival statistics');
  const gaps = statsAt.slice(1).map((at, i) => at - statsAt[i]!);
  t.ok(gaps.every((gap) => gap > 900), `checkins.stats at most once a second (gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms)`);
  t.notOk(opsText.includes('Canaryname'), 'staff statistics name nobody');
  const snapshot = JSON.parse(ops.frames.find((f) => f.includes('"snapshot"'))!) as { data: Record<string, unknown> };
  t.ok('checkinStats' in snapshot.data, 'the staff snapshot carries arrival stats');
  const kioskSnapshot = JSON.parse(fresh.frames.find((f) => f.includes('"snapshot"'))!) as { data: Record<string, unknown> };
  t.notOk('checkinStats' in kioskSnapshot.data);

  for (const c of [kiosk, desk, ops, late, fresh]) c.client.ws.close();
});
