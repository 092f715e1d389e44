// Check-ins, occupancy and headcounts through the ports on both stores, and on PostgreSQL the races that SQLite's one Writer rules out.
import t from 'tap';
import type { Test } from 'tap';
import type { CheckinAnswer } from '../../src/contract/checkins.js';
import { toIso } from '../../src/core/time.js';
import { badgePublicKeys, generateBadgeKey, signBadgeCode, verifyBadgeCode } from '../../src/domain/badge-code.js';
import { CheckinService, type ScanRequest } from '../../src/services/checkins.js';
import { HeadcountService } from '../../src/services/headcount.js';
import { OccupancyService } from '../../src/services/occupancy.js';
import { known } from '../../src/store/op.js';
import type { Actor } from '../../src/store/unit-of-work.js';
import { adapters, assertChain, type Adapter } from './adapters.js';

const DESK_1: Actor = { deviceId: 'desk-1', role: 'desk' };
const DESK_2: Actor = { deviceId: 'desk-2', role: 'desk' };
const DOOR: Actor = { deviceId: 'door-1', role: 'door' };
const NOW = Date.parse('2026-02-15T08:00:00Z');
const clock = (): number => NOW;

let counter = 0;
const newId = (): string => `c-${String(++counter).padStart(5, '0')}`;

const key = generateBadgeKey('test-key');
const publicKeys = badgePublicKeys([key]);
/** Codes signed and verified as the badge service does, without its key store. */
const badges = { verifyIn: (_store: unknown, code: string) => known(verifyBadgeCode(code, publicKeys)) };
const codeOf = (attendeeId: string, version = 1): string => signBadgeCode(key, { attendeeId, version });

/** Raw SQL with `?` placeholders on either store. */
function sql(a: Adapter, text: string, params: unknown[] = []): Promise<unknown[]> {
  let n = 0;
  return a.exec(a.name === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text, params);
}

async function seed(a: Adapter, attendees: number, rooms: { id: string; capacity: number }[]): Promise<void> {
  for (const d of [DESK_1, DESK_2, DOOR]) {
    await sql(a, 'INSERT INTO devices (id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)', [d.deviceId, `Device ${d.deviceId}`, d.role, `hash-${d.deviceId}`, NOW]);
  }
  for (let i = 1; i <= attendees; i++) {
    await sql(
      a,
      `INSERT INTO attendees (id, name, organization, category, delegation, flags, status, badge_version, created_at, updated_at)
       VALUES (?, ?, 'Org', ?, NULL, '["vip"]', 'registered', 1, ?, ?)`,
      [`a${i}`, `Attendee ${i}`, i % 2 === 0 ? 'industry' : 'government', NOW, NOW],
    );
  }
  for (const [i, r] of rooms.entries()) {
    await sql(
      a,
      `INSERT INTO rooms (id, name, capacity, features, status, occupancy, alert_level, sort_order, created_at, updated_at)
       VALUES (?, ?, ?, '["step_free"]', 'open', 0, 'normal', ?, ?, ?)`,
      [r.id, `Room ${r.id}`, r.capacity, i, NOW, NOW],
    );
  }
}

interface Built {
  checkins: CheckinService;
  occupancy: OccupancyService;
  headcounts: HeadcountService;
}

function build(a: Adapter): Built {
  const occupancy = new OccupancyService(a.uow);
  const checkins = new CheckinService(a.reader, a.uow, badges, occupancy, newId, 'Europe/Amsterdam', (err) => {
    throw err;
  });
  return { checkins, occupancy, headcounts: new HeadcountService(a.uow, occupancy) };
}

const scan = (code: string, over: Partial<ScanRequest> = {}): ScanRequest => ({
  scanId: `s-${newId()}`,
  code,
  kind: 'entry',
  roomId: null,
  scannedAt: null,
  force: false,
  ...over,
});

async function one<T>(a: Adapter, text: string, params: unknown[] = []): Promise<T> {
  return (await sql(a, text, params))[0] as T;
}
const occupancyOf = async (a: Adapter, roomId: string): Promise<number> => (await one<{ occupancy: number }>(a, 'SELECT occupancy FROM rooms WHERE id = ?', [roomId])).occupancy;
const presenceOf = async (a: Adapter, attendeeId: string): Promise<string | null> =>
  (await one<{ roomId: string } | undefined>(a, 'SELECT room_id AS "roomId" FROM presence WHERE attendee_id = ?', [attendeeId]))?.roomId ?? null;
const checkedInAt = async (a: Adapter, attendeeId: string): Promise<number | null> =>
  (await one<{ at: number | null }>(a, 'SELECT checked_in_at AS at FROM attendees WHERE id = ?', [attendeeId])).at;
const outcome = (x: CheckinAnswer): string => `${x.result}/${x.reason ?? '-'}`;

for (const [name, open] of Object.entries(adapters)) {
  const make = (t: Test): Promise<Adapter> => open(t, clock);

  t.test(`${name}: desk scans: one arrival, a warning, a replay, an unknown badge, an undo`, async (t) => {
    const a = await make(t);
    await seed(a, 2, []);
    const { checkins } = build(a);
    const first = await checkins.scan(DESK_1, scan(codeOf('a1'), { scannedAt: NOW - 60_000 }), NOW);
    t.match(first, { result: 'ok', reason: null, replayed: false, attendee: { id: 'a1', name: 'Attendee 1', category: 'government', flags: ['vip'] } });
    t.equal(await checkedInAt(a, 'a1'), NOW - 60_000);
    const resent = scan(codeOf('a1'));
    const second = await checkins.scan(DESK_2, resent, NOW);
    t.match(second, { result: 'warning', reason: 'already_checked_in', firstCheckinAt: toIso(NOW - 60_000) });
    t.same(await checkins.scan(DESK_1, resent, NOW + 1), { ...second, replayed: true }, 'a resent scanId gets the first answer');
    t.match(await checkins.scan(DESK_1, scan(codeOf('nobody')), NOW), { result: 'rejected', reason: 'unknown_attendee' });
    t.match(await checkins.scan(DESK_1, scan('not-a-code'), NOW), { result: 'rejected', reason: 'invalid_code' });
    t.match(await checkins.scan(DESK_1, scan(codeOf('a2', 2)), NOW), { result: 'rejected', reason: 'invalid_code' }, 'a version never issued');

    const later = await checkins.scan(DESK_2, scan(codeOf('a2')), NOW);
    const earlier = await checkins.scan(DESK_1, scan(codeOf('a2'), { scannedAt: NOW - 120_000 }), NOW);
    t.equal(outcome(later), 'ok/-');
    t.equal(outcome(earlier), 'ok/-', 'an earlier offline scan becomes the arrival');
    t.equal(await checkedInAt(a, 'a2'), NOW - 120_000);
    await checkins.undo(DESK_1, earlier.checkin.id!);
    t.equal(await checkedInAt(a, 'a2'), NOW, 'undo recomputes the arrival from what remains');
    await checkins.undo(DESK_1, earlier.checkin.id!);
    await t.rejects(checkins.undo(DESK_1, 'no-such-checkin'), { message: 'check-in not found' });

    const manual = await checkins.manual(DESK_1, { scanId: 'm-1', attendeeId: 'a1', reason: 'lost badge', scannedAt: null }, NOW);
    t.equal(outcome(manual), 'warning/already_checked_in', 'a manual check-in is decided like a scan');
    await t.rejects(checkins.manual(DESK_1, { scanId: 'm-2', attendeeId: 'nobody', reason: 'x', scannedAt: null }, NOW), { message: 'attendee not found' });

    const events = await a.events();
    t.same(
      events.map((e) => e.name),
      [...Array<string>(7).fill('checkin.recorded'), 'checkin.undone', 'checkin.recorded'],
      'one event per recorded scan and per undo; none for a replay, a second undo or a refusal',
    );
    const byCategory = await a.reader.read((store) => store.checkins.arrivalsByCategoryQuarter());
    t.same(
      byCategory.map((r) => [r.category, r.quarter, r.n]).sort(),
      [
        ['government', Math.floor((NOW - 60_000) / 900_000), 1],
        ['industry', Math.floor(NOW / 900_000), 1],
      ],
    );
    const byDevice = await a.reader.read((store) => store.checkins.arrivalsByDevice());
    t.same(byDevice.map((r) => [r.deviceId, r.n]).sort(), [
      ['desk-1', 1],
      ['desk-2', 1],
    ]);
    t.same((await checkins.stats({ current: true })).byDesk, { 'Device desk-1': 1, 'Device desk-2': 1 });
    await assertChain(t, a);
  });

  t.test(`${name}: door scans move people between rooms; capacity, exits, undo, batch and headcount`, async (t) => {
    const a = await make(t);
    await seed(a, 4, [
      { id: 'hall', capacity: 2 },
      { id: 'side', capacity: 10 },
    ]);
    const { checkins, headcounts } = build(a);
    const door = (attendeeId: string, over: Partial<ScanRequest>): Promise<CheckinAnswer> => checkins.scan(DOOR, scan(codeOf(attendeeId), over), NOW);
    t.equal(outcome(await door('a1', { roomId: 'hall', scannedAt: NOW - 3000 })), 'ok/-');
    t.equal(outcome(await door('a2', { roomId: 'hall', scannedAt: NOW - 3000 })), 'ok/-');
    t.equal(outcome(await door('a3', { roomId: 'hall', scannedAt: NOW - 3000 })), 'rejected/room_full');
    t.match(await door('a3', { roomId: 'hall', force: true, scannedAt: NOW - 3000 }), { result: 'ok', checkin: { forced: true } });
    t.equal(await occupancyOf(a, 'hall'), 3);
    const moved = await door('a1', { roomId: 'side', scannedAt: NOW - 2000 });
    t.match(moved, { result: 'ok', checkin: { leftRoomId: 'hall' } }, 'entering another room leaves the first');
    t.same([await occupancyOf(a, 'hall'), await occupancyOf(a, 'side'), await presenceOf(a, 'a1')], [2, 1, 'side']);
    const out = await door('a1', { kind: 'exit', roomId: null, scannedAt: NOW - 1000 });
    t.match(out, { result: 'ok', checkin: { leftRoomId: 'side' } }, 'a venue exit leaves whatever room');
    t.same([await occupancyOf(a, 'side'), await presenceOf(a, 'a1')], [0, null]);
    await checkins.undo(DOOR, out.checkin.id!);
    t.same([await occupancyOf(a, 'side'), await presenceOf(a, 'a1')], [1, 'side'], 'undoing the exit counts them back in');
    await checkins.undo(DOOR, moved.checkin.id!);
    t.same([await occupancyOf(a, 'hall'), await occupancyOf(a, 'side'), await presenceOf(a, 'a1')], [3, 0, 'hall'], 'undoing the move puts them back');
    await t.rejects(door('a4', { roomId: 'nowhere' }), { message: 'room not found' });

    const answers = await checkins.batch(
      DOOR,
      [
        scan(codeOf('a4'), { roomId: 'side', scannedAt: NOW - 500 }),
        { malformed: true, kind: 'entry', roomId: null },
        scan(codeOf('a4'), { roomId: 'nowhere', scannedAt: NOW - 400 }),
        scan(codeOf('a2'), { kind: 'exit', roomId: 'hall', scannedAt: NOW - 450 }),
        scan(codeOf('a4'), { kind: 'exit', roomId: 'side', scannedAt: NOW - 300 }),
      ],
      NOW,
    );
    t.same(answers.map(outcome), ['ok/-', 'rejected/invalid_scan', 'rejected/unknown_room', 'ok/-', 'ok/-']);
    t.same([await occupancyOf(a, 'hall'), await occupancyOf(a, 'side')], [2, 0]);

    const counted = await headcounts.record(DOOR, 'hall', 7);
    t.match(counted, { id: 'hall', occupancy: 7, capacity: 2, occupancyLevel: 'full', full: true, features: ['step_free'] });
    await t.rejects(headcounts.record(DOOR, 'hall', 1000), { message: /count is more than/ });
    await t.rejects(headcounts.record(DOOR, 'nowhere', 1), { message: 'room not found' });
    const names = (await a.events()).map((e) => e.name);
    t.equal(names.filter((n) => n === 'room.headcount').length, 1);
    t.ok(names.includes('room.alert') && names.includes('room.updated'), 'alerts and the public full flag go out in the same unit of work');
    const headcount = (await a.events()).find((e) => e.name === 'room.headcount')!;
    t.same(JSON.parse(headcount.payloadJson), { roomId: 'hall', count: 7, previous: 2 });
    await assertChain(t, a);
  });

  t.test(`${name}: 16 desks scan one badge at once: one arrival, 15 warnings`, async (t) => {
    const a = await make(t);
    await seed(a, 1, []);
    const { checkins } = build(a);
    const code = codeOf('a1');
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => checkins.scan(i % 2 === 0 ? DESK_1 : DESK_2, scan(code, { scannedAt: NOW - 1000 }), NOW)),
    );
    t.same(answers.map(outcome).sort(), ['ok/-', ...Array<string>(15).fill('warning/already_checked_in')]);
    t.equal(await checkedInAt(a, 'a1'), NOW - 1000);
    const byDevice = await a.reader.read((store) => store.checkins.arrivalsByDevice());
    t.equal(byDevice.reduce((sum, r) => sum + r.n, 0), 1, 'the arrival is counted once');
    t.equal((await a.events()).length, 16);
    await assertChain(t, a);
  });

  t.test(`${name}: concurrent counts add up; concurrent entries stop at capacity; crossing moves do not deadlock`, async (t) => {
    const a = await make(t);
    await seed(a, 24, [
      { id: 'a-room', capacity: 10 },
      { id: 'b-room', capacity: 100 },
      { id: 'c-room', capacity: 0 },
    ]);
    const { checkins, occupancy } = build(a);
    await Promise.all(Array.from({ length: 20 }, () => a.uow.submit(DOOR, (tx) => occupancy.adjust(tx, 'c-room', 1))));
    await Promise.all(Array.from({ length: 5 }, () => a.uow.submit(DOOR, (tx) => occupancy.adjust(tx, 'c-room', -1))));
    t.equal(await occupancyOf(a, 'c-room'), 15, '20 increments and 5 decrements from concurrent units of work: none lost');

    const entries = await Promise.all(
      Array.from({ length: 12 }, (_, i) => checkins.scan(DOOR, scan(codeOf(`a${i + 1}`), { roomId: 'a-room', scannedAt: NOW - 10_000 }), NOW)),
    );
    t.same(
      entries.map(outcome).sort(),
      [...Array<string>(10).fill('ok/-'), 'rejected/room_full', 'rejected/room_full'],
      'a count read under the row lock: never past capacity',
    );
    t.equal(await occupancyOf(a, 'a-room'), 10);
    // 12 into b-room, then crossing moves at once: a-room → b-room and b-room → a-room, and a batch.
    await Promise.all(Array.from({ length: 12 }, (_, i) => checkins.scan(DOOR, scan(codeOf(`a${i + 13}`), { roomId: 'b-room', scannedAt: NOW - 9000 }), NOW)));
    const inA = entries.flatMap((x) => (x.result === 'ok' ? [x.attendee!.id] : []));
    const crossing = await Promise.all([
      ...inA.slice(0, 4).map((id) => checkins.scan(DOOR, scan(codeOf(id), { roomId: 'b-room', scannedAt: NOW - 5000 }), NOW).then((x) => [x])),
      ...['a13', 'a14', 'a15'].map((id) => checkins.scan(DOOR, scan(codeOf(id), { roomId: 'a-room', scannedAt: NOW - 5000, force: true }), NOW).then((x) => [x])),
      checkins.batch(
        DOOR,
        [
          scan(codeOf('a16'), { roomId: 'a-room', scannedAt: NOW - 4000, force: true }),
          scan(codeOf(inA[5]!), { roomId: 'b-room', scannedAt: NOW - 4000 }),
          scan(codeOf('a17'), { kind: 'exit', roomId: null, scannedAt: NOW - 3000 }),
        ],
        NOW,
      ),
    ]);
    t.same(crossing.flat().map(outcome), Array<string>(10).fill('ok/-'), 'every crossing move is decided (none aborted as a deadlock)');
    const presence = (await sql(a, 'SELECT room_id AS "roomId", COUNT(*) AS n FROM presence GROUP BY room_id')) as { roomId: string; n: number }[];
    const counted = new Map(presence.map((p) => [p.roomId, Number(p.n)]));
    t.equal(await occupancyOf(a, 'a-room'), counted.get('a-room'), 'a-room counts exactly who is present');
    t.equal(await occupancyOf(a, 'b-room'), counted.get('b-room'), 'b-room counts exactly who is present');
    t.equal(await occupancyOf(a, 'a-room'), 10 - 4 - 1 + 3 + 1);
    t.equal(await occupancyOf(a, 'b-room'), 12 + 4 + 1 - 3 - 1 - 1);
    await assertChain(t, a);
  });
}
