// Rooms, sessions and the programme import through the ports: the same use cases on SQLite's Writer and on PostgreSQL's unit of work, and the PATCH race on PostgreSQL.
import t from 'tap';
import type { Test } from 'tap';
import type { AppError } from '../../src/core/errors.js';
import { parseSchedule } from '../../src/interop/schedule-import.js';
import { RoomService } from '../../src/services/rooms.js';
import { ScheduleService } from '../../src/services/schedule.js';
import { SessionService, updateSessionIn, type NewSession } from '../../src/services/sessions.js';
import { ensureSettingsIn, type EventSettings } from '../../src/services/settings.js';
import type { Op } from '../../src/store/op.js';
import type { StorePorts } from '../../src/store/ports.js';
import { generateProgramme, scheduleJson } from '../schedule/programme.js';
import { adapters, assertChain, type Adapter } from './adapters.js';

const OPS = { deviceId: 'ops-device', role: 'ops' as const };
const ZONE = 'Europe/Amsterdam';
const DAY = Date.parse('2026-02-15T08:00:00Z');
const HOUR = 3_600_000;

let counter = 0;
const newId = (): string => `id-${String(++counter).padStart(5, '0')}`;
const clock = (): number => DAY - 24 * HOUR;
const silent = { error: (): void => undefined };

interface Fixture {
  a: Adapter;
  rooms: RoomService;
  sessions: SessionService;
  read: <T>(body: (store: StorePorts) => Op<T>) => Promise<T>;
}

async function fixture(t: Test, open: (t: Test, clock: () => number) => Promise<Adapter>): Promise<Fixture> {
  const a = await open(t, clock);
  const rooms = new RoomService(a.reader, a.uow, newId, silent);
  const sessions = new SessionService(a.reader, a.uow, newId, clock);
  return { a, rooms, sessions, read: (body) => a.reader.read(body) };
}

const session = (roomId: string, startsAt: number, title = 'Panel'): NewSession => ({
  title,
  theme: 2,
  type: 'panel',
  startsAt,
  endsAt: startsAt + HOUR,
  roomId,
  speakers: ['A. Speaker'],
  delayMinutes: 0,
  access: { policy: 'open' },
  expectedAttendance: 80,
  requiredFeatures: ['stream'],
  changeNote: null,
});

const names = async (a: Adapter): Promise<string[]> => (await a.events()).map((e) => e.name);

for (const [name, open] of Object.entries(adapters)) {
  t.test(`${name}: rooms are created, renamed and re-sized through the ports; a name is taken once`, async (t) => {
    const { a, rooms, read } = await fixture(t, open);
    const hall = await rooms.create(OPS, { name: 'Hall', capacity: 100, features: ['stream', 'stream'], status: 'open', sortOrder: 2 });
    const side = await rooms.create(OPS, { name: 'Side', capacity: 40, features: [], status: 'open', sortOrder: 1 });
    t.same(hall.features, ['stream'], 'features are kept once');
    await t.rejects(rooms.create(OPS, { name: 'Hall', capacity: 1, features: [], status: 'open', sortOrder: 0 }), { code: 'name_taken' });
    await t.rejects(rooms.update(OPS, side.id, { name: 'Hall' }), { code: 'name_taken' }, 'a rename checks the name too');
    t.equal((await rooms.update(OPS, side.id, { name: 'Side' })).updatedAt, side.updatedAt, 'no change writes nothing');

    await a.exec(name === 'sqlite' ? 'UPDATE rooms SET occupancy = 38 WHERE id = ?' : 'UPDATE rooms SET occupancy = 38 WHERE id = $1', [side.id]);
    const smaller = await rooms.update(OPS, side.id, { capacity: 38, features: ['stream'] });
    t.equal(smaller.alertLevel, 'full', 'the capacity moves the level by the same hysteresis rule');
    t.same(
      (await read((store) => store.rooms.list())).map((r) => [r.name, r.capacity, r.features, r.alertLevel]),
      [
        ['Side', 38, ['stream'], 'full'],
        ['Hall', 100, ['stream'], 'normal'],
      ],
      'listed by sort order, as stored',
    );
    await t.rejects(rooms.update(OPS, 'no-room', { capacity: 1 }), { code: 'not_found' });
    t.same(await names(a), ['room.created', 'room.created', 'room.alert', 'room.occupancy', 'room.updated']);
    await assertChain(t, a);
  });

  t.test(`${name}: sessions are created and edited with version checks and room conflicts`, async (t) => {
    const { a, rooms, sessions, read } = await fixture(t, open);
    const room = await rooms.create(OPS, { name: 'Hall', capacity: 50, features: [], status: 'open', sortOrder: 0 });
    await t.rejects(sessions.create(OPS, session('no-room', DAY)), { code: 'validation_failed' }, 'an unknown room is refused');
    const first = await sessions.create(OPS, session(room.id, DAY, 'Opening'));
    t.same(first.warnings.map((w) => w.code), ['over_capacity', 'missing_feature'], 'the place is judged against the room as stored');
    await t.rejects(sessions.create(OPS, session(room.id, DAY + 30 * 60_000)), { code: 'room_conflict' }, 'the room is in use');
    const forced = await sessions.create(OPS, { ...session(room.id, DAY + 30 * 60_000, 'Overlap'), force: true });
    t.equal(forced.warnings[0]?.code, 'room_conflict', 'forced: saved with a warning');

    const moved = await sessions.update(OPS, first.row.id, { version: 1, startsAt: DAY + 3 * HOUR, endsAt: DAY + 4 * HOUR, changeNote: 'Later' });
    t.equal(moved.row.version, 2);
    await t.rejects(sessions.update(OPS, first.row.id, { version: 1, title: 'Stale' }), { code: 'version_conflict' });
    t.same((await sessions.update(OPS, first.row.id, { version: 2, changeNote: 'Later' })).row.version, 2, 'nothing new writes nothing');
    const cancelled = await sessions.update(OPS, first.row.id, { version: 2, status: 'cancelled' });
    t.equal(cancelled.row.status, 'cancelled');
    await t.rejects(sessions.update(OPS, 'no-session', { version: 1 }), { code: 'not_found' });
    // A body that read the session before another change (as the import and allocation read theirs) writes with the version it saw.
    await t.rejects(a.uow.submit(OPS, (tx) => updateSessionIn(tx, first.row, { ...first.row, title: 'Older' })), { code: 'version_conflict' }, 'refused, not lost');

    const stored = await read((store) => store.sessions.find(first.row.id));
    t.same(stored, cancelled.row, 'stored as answered, JSON columns and all');
    t.same((await read((store) => store.sessions.list({ roomId: room.id, startsWithin: { start: DAY, end: DAY + HOUR } }))).map((s) => s.title), ['Overlap']);
    t.same((await read((store) => store.sessions.list())).map((s) => s.title), ['Overlap', 'Opening'], 'by start');
    t.same(
      (await a.events()).map((e) => [e.name, (JSON.parse(e.payloadJson) as { kind?: string }).kind ?? null]),
      [
        ['room.created', null],
        ['session.created', 'added'],
        ['session.created', 'added'],
        ['session.updated', 'retimed'],
        ['session.updated', 'cancelled'],
      ],
    );
    await assertChain(t, a);
  });

  t.test(`${name}: a programme file is imported in one pass; the same file again changes nothing`, async (t) => {
    const { a, sessions, read } = await fixture(t, open);
    const settings: EventSettings = await a.uow.submit(null, (tx) => ensureSettingsIn(tx.store, ZONE, tx.now));
    const schedule = new ScheduleService(
      a.reader,
      a.uow,
      sessions,
      newId,
      clock,
      settings,
      () => new Promise((resolve) => setImmediate(resolve)),
      async (input, opts) => parseSchedule(input, opts),
    );
    const events = generateProgramme(60, { rooms: 4, days: 2 });
    const file = scheduleJson(events);
    const first = await schedule.importFile(OPS, file, 'application/json');
    t.match(first, { rooms: { created: 4 }, sessions: { created: 60, updated: 0, cancelled: 0 } });
    const seq = (await a.events()).length;
    t.match(await schedule.importFile(OPS, file, 'application/json'), { sessions: { created: 0, updated: 0, cancelled: 0 } });
    t.equal((await a.events()).length, seq, 'the same file twice emits nothing');

    const changed = scheduleJson([{ ...events[0]!, title: 'Renamed' }, ...events.slice(1, 59)]);
    t.match(await schedule.importFile(OPS, changed, 'application/json'), { sessions: { created: 0, updated: 1, cancelled: 1 } });
    const stored = await read(function* (store) {
      return { list: yield* store.sessions.list(), sources: yield* store.programme.sources(), settings: yield* store.settings.read() };
    });
    t.equal(stored.list.length, 60);
    t.equal(stored.list.filter((s) => s.status === 'cancelled').length, 1, 'the session the release dropped is cancelled');
    t.ok(stored.list.some((s) => s.title === 'Renamed'));
    t.equal(stored.sources.length, 60, 'each with its source');
    t.equal(stored.settings?.name, 'Generated Conference', 'the event takes the programme title');
    t.equal(stored.settings?.days.length, 2, 'and its days');

    // Now/next reads the generated columns (effective start and end) on either store.
    const at = DAY + 30 * 60_000;
    const now = await read(function* (store) {
      return {
        all: yield* store.programme.nowNextCandidates(at),
        open: yield* store.programme.nowNextCandidates(at, true),
        closed: yield* store.programme.nowNextCandidates(at, false),
        until: yield* store.programme.nextChangeAfter(at),
        restricted: yield* store.programme.restrictedIds(),
        any: yield* store.programme.anyRestricted(),
      };
    });
    t.ok(now.all.length >= 4 && now.all.every((s) => s.status !== 'cancelled' && s.endsAt > at), 'on now, or next in their room');
    t.same(now.open.map((s) => s.id).sort(), now.all.map((s) => s.id).sort(), 'every session is open');
    t.same([now.closed, now.restricted, now.any], [[], [], false]);
    t.ok(now.until !== null && now.until > at, 'the next start or end');
    await assertChain(t, a);
  });
}

t.test('postgres: two PATCHes of the same version at once: one wins, the other is version_conflict', async (t) => {
  const { a, rooms, sessions, read } = await fixture(t, adapters.postgres);
  const room = await rooms.create(OPS, { name: 'Hall', capacity: 500, features: ['stream'], status: 'open', sortOrder: 0 });
  const { row } = await sessions.create(OPS, session(room.id, DAY));
  for (let round = 0; round < 5; round += 1) {
    const version = (await read((store) => store.sessions.find(row.id)))!.version;
    const outcomes = await Promise.allSettled([
      sessions.update(OPS, row.id, { version, title: `A${round}` }),
      sessions.update(OPS, row.id, { version, title: `B${round}` }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    t.equal(won.length, 1, `round ${round}: one wins`);
    t.equal(lost.length, 1);
    t.equal((lost[0]?.reason as AppError).code, 'version_conflict');
    const stored = (await read((store) => store.sessions.find(row.id)))!;
    t.equal(stored.version, version + 1, 'one new version');
  }
  t.equal((await a.events()).filter((e) => e.name === 'session.updated').length, 5, 'one event per winning PATCH');
  await assertChain(t, a);
});

t.test('postgres: two rooms of the same name at once: one is created, the other is name_taken', async (t) => {
  const { rooms, read } = await fixture(t, adapters.postgres);
  const outcomes = await Promise.allSettled(
    Array.from({ length: 4 }, (_, i) => rooms.create(OPS, { name: 'Same', capacity: 10 + i, features: [], status: 'open', sortOrder: i })),
  );
  t.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
  t.same(
    outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as AppError).code] : [])),
    ['name_taken', 'name_taken', 'name_taken'],
    'the others are refused with 409, not a unique-index 500',
  );
  t.equal((await read((store) => store.rooms.list())).length, 1);
});
