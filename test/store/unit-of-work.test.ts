// One use-case body, two stores: the device and announcement use cases run unchanged on SQLite's group-commit Writer and on PostgreSQL's unit of work.
import t from 'tap';
import type { Test } from 'tap';
import { AnnouncementService } from '../../src/services/announcements.js';
import { DeviceService, hashToken } from '../../src/services/devices.js';
import { awaited } from '../../src/store/op.js';
import type { RoomRecord } from '../../src/store/ports.js';
import { adapters, assertChain, type Adapter } from './adapters.js';

const OPS = { deviceId: 'ops-device', role: 'ops' as const };

let counter = 0;
const newId = (): string => `id-${String(++counter).padStart(4, '0')}`;
let offset = 0;
const clock = (): number => Date.parse('2026-02-15T08:00:00Z') + offset;

for (const [name, open] of Object.entries(adapters)) {
  const make = (t: Test): Promise<Adapter> => open(t, clock);
  t.test(`${name}: bootstrap, create, authenticate, list and revoke through the ports`, async (t) => {
    const a = await make(t);
    const devices = new DeviceService(a.reader, a.uow, newId);
    const first = await devices.ensureBootstrapAdmin(undefined);
    t.type(first.generatedToken, 'string', 'a new store gets an admin and its token once');
    t.same(await devices.ensureBootstrapAdmin(undefined), { generatedToken: null }, 'a store with devices gets none');

    const { device, token } = await devices.create(OPS, 'Desk 1', 'desk');
    t.equal((await devices.authenticate(token))?.id, device.id);
    t.equal(await devices.authenticate(`${token}x`), null, 'another token is not it');
    t.same(
      (await devices.list()).map((d) => [d.name, d.role, d.revokedAt]),
      [
        ['bootstrap admin', 'admin', null],
        ['Desk 1', 'desk', null],
      ],
    );

    // Another node on the same store, which has the device in its cache.
    const otherNode = new DeviceService(a.reader, a.uow, newId);
    t.equal((await otherNode.authenticate(token))?.id, device.id);
    const revoked = await devices.revoke(OPS, device.id);
    t.type(revoked.revokedAt, 'number');
    t.equal(await devices.authenticate(token), null, 'the revoking node refuses the token as soon as it answers');
    t.equal((await otherNode.authenticate(token))?.id, device.id, 'another node keeps the device until the log tells it');
    otherNode.forget(device.id);
    t.equal(await otherNode.authenticate(token), null, 'a revoked token fails there once its revocation is followed');
    t.equal((await devices.revoke(OPS, device.id)).revokedAt, revoked.revokedAt, 'revoking twice is harmless');

    const events = await a.events();
    t.same(
      events.map((e) => [e.name, e.actorDeviceId]),
      [
        ['device.created', null],
        ['device.created', OPS.deviceId],
        ['device.revoked', OPS.deviceId],
      ],
      'one event per change, none for the second revoke',
    );
    t.notOk(events.some((e) => e.payloadJson.includes(hashToken(token))), 'no token hash in the log');
    await assertChain(t, a);
  });

  t.test(`${name}: a failing body leaves no row and no event; the head does not move`, async (t) => {
    const a = await make(t);
    const devices = new DeviceService(a.reader, a.uow, newId);
    await devices.create(OPS, 'Door 1', 'door');
    await t.rejects(devices.revoke(OPS, 'no-such-device'), { message: 'device not found' });
    await t.rejects(
      a.uow.submit(OPS, function* (tx) {
        yield* tx.store.devices.insert({ id: 'half', name: 'Half', role: 'desk', tokenHash: hashToken('x'.repeat(20)), createdAt: tx.now, revokedAt: null });
        tx.emit('device.created', { id: 'half', name: 'Half', role: 'desk' });
        throw new Error('after the write');
      }),
      { message: 'after the write' },
    );
    t.same((await devices.list()).map((d) => d.name), ['Door 1'], 'the insert was rolled back');
    t.same((await a.events()).map((e) => e.seq), [1], 'and so was its event');
    await devices.create(OPS, 'Door 2', 'door');
    t.same((await a.events()).map((e) => e.seq), [1, 2], 'the next event takes the next seq: nothing was skipped');
  });

  t.test(`${name}: 24 use cases at once commit with seqs 1..24 and an intact chain`, async (t) => {
    const a = await make(t);
    const devices = new DeviceService(a.reader, a.uow, newId);
    const created = await Promise.all(Array.from({ length: 24 }, (_, i) => devices.create(OPS, `Desk ${i}`, 'desk')));
    const events = await a.events();
    t.equal(events.length, 24);
    t.same(new Set(events.map((e) => (JSON.parse(e.payloadJson) as { id: string }).id)), new Set(created.map((c) => c.device.id)));
    await assertChain(t, a);
  });

  t.test(`${name}: announcements are created, checked, expired and removed through the ports`, async (t) => {
    const a = await make(t);
    // listActive() is the live snapshot's synchronous SQLite read; here both stores are read through their reader.
    const service = new AnnouncementService({} as never, a.uow, newId, clock);
    const active = (): Promise<string[]> => a.reader.read(function* (store) {
      return (yield* store.announcements.listActive(clock())).map((r) => r.text);
    });
    await t.rejects(service.create(OPS, { text: 'Lost', severity: 'info', roomIds: ['no-room'] }), { message: 'unknown room(s): no-room' });
    t.same(await a.events(), [], 'an unknown room writes nothing');
    const soon = await service.create(OPS, { text: 'Coffee now', severity: 'info', expiresAt: clock() + 60_000 });
    const later = await service.create(OPS, { text: 'Lunch at 12', severity: 'warning' });
    t.same(await active(), ['Coffee now', 'Lunch at 12']);
    t.equal(await service.expireDue(), 0, 'nothing due yet');
    offset += 60_000;
    t.equal(await service.expireDue(), 1);
    t.same(await active(), ['Lunch at 12']);
    await t.rejects(service.remove(OPS, soon.id), { message: 'announcement not found' }, 'an expired one is gone');
    await service.remove(OPS, later.id);
    t.same(await active(), []);
    t.same(
      (await a.events()).map((e) => [e.name, (JSON.parse(e.payloadJson) as { id: string }).id]),
      [
        ['announcement.created', soon.id],
        ['announcement.created', later.id],
        ['announcement.removed', soon.id],
        ['announcement.removed', later.id],
      ],
    );
    await assertChain(t, a);
  });
}

t.test('postgres: two use cases that lock two rooms in opposite orders deadlock; PostgreSQL aborts one and the unit of work runs it again', async (t) => {
  const a = await adapters.postgres(t, clock);
  const room = (id: string): RoomRecord => ({ id, name: id, capacity: 10, features: [], status: 'open', occupancy: 0, alertLevel: 'normal', sortOrder: 0, createdAt: 0, updatedAt: 0 });
  await a.uow.submit(OPS, function* (tx) {
    yield* tx.store.rooms.insert(room('r1'));
    yield* tx.store.rooms.insert(room('r2'));
  });
  const runs = { ab: 0, ba: 0 };
  const crossing = (first: string, second: string, key: keyof typeof runs) =>
    a.uow.submit(OPS, function* (tx) {
      runs[key] += 1;
      yield* tx.store.rooms.findForUpdate(first);
      // Both hold their first lock before either asks for its second.
      yield* awaited(new Promise((r) => setTimeout(r, 150)));
      yield* tx.store.rooms.findForUpdate(second);
      tx.emit('room.updated', { id: first, name: first, status: 'open', full: false, features: [], sortOrder: 0 } as never, [first]);
      return key;
    });
  t.same((await Promise.all([crossing('r1', 'r2', 'ab'), crossing('r2', 'r1', 'ba')])).sort(), ['ab', 'ba'], 'both committed');
  // At least one retry: a loaded machine can time the retried victim into a second deadlock.
  t.ok(runs.ab + runs.ba >= 3, `the deadlock victim ran again (${runs.ab} + ${runs.ba} runs)`);
  t.same((await a.events()).map((e) => e.seq), [1, 2], 'each committed its event once: the aborted attempt left none');
});
