// Settings, allocation plans and exports on both stores: the settings row, plans applied once and refused when stale (on PostgreSQL from several nodes), exports a page at a time.
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { Test } from 'tap';
import { solveAllocationHere } from '../../src/services/allocation-solver.js';
import { AllocationService } from '../../src/services/allocation.js';
import { EXPORT_CHUNK_ROWS, ExportService } from '../../src/services/exports.js';
import { emitRoomUpdated } from '../../src/services/rooms.js';
import { updateSessionIn } from '../../src/services/sessions.js';
import { ensureSettingsIn, eventSettingsIn, programmeSettingsIn, renewEpochIn } from '../../src/services/settings.js';
import type { Cell, Table } from '../../src/interop/export-table.js';
import type { AppendInput } from '../../src/live/event-log.js';
import { awaited } from '../../src/store/op.js';
import { PgEventLog } from '../../src/store/pg/event-log.js';
import { openPgStore } from '../../src/store/pg/open.js';
import { pgReader } from '../../src/store/pg/ports.js';
import { PgUnitOfWork } from '../../src/store/pg/unit-of-work.js';
import type { StoreReader } from '../../src/store/ports.js';
import { eventInput, type Tx, type UnitOfWork } from '../../src/store/unit-of-work.js';
import { pgTestUrl } from '../pg.js';
import { adapters, assertChain, EPOCH, type Adapter } from './adapters.js';

const OPS = { deviceId: 'ops-device', role: 'ops' as const };
const ZONE = 'Europe/Amsterdam';
const NOW = Date.parse('2026-02-15T08:00:00Z');
const at = (hhmm: string): number => Date.parse(`2026-02-15T${hhmm}:00Z`);
const clock = (): number => NOW;

let counter = 0;
const newId = (): string => `id-${String(++counter).padStart(4, '0')}`;

interface Node {
  uow: UnitOfWork;
  reader: StoreReader;
}

/** Another node on the PostgreSQL adapter's schema: a pool, log and unit of work of its own. */
async function secondNode(t: Test, a: Adapter): Promise<Node> {
  const store = await openPgStore(pgTestUrl(), { schema: a.pg!.schema, max: 4 });
  t.teardown(() => store.close());
  const log = new PgEventLog(store.pool, store.schema);
  return { uow: new PgUnitOfWork(store.pool, log, () => EPOCH, clock), reader: pgReader(store.pool, log) };
}

function allocation(node: Node): AllocationService {
  return new AllocationService({ store: node, writer: node.uow, clock, newId, timeZone: ZONE, solve: (input) => solveAllocationHere(input) });
}

/** Two rooms and a session too big for its room, the same SQL on both stores. */
async function seed(a: Adapter): Promise<void> {
  await a.exec(`INSERT INTO rooms (id, name, capacity, features, status, occupancy, alert_level, sort_order, created_at, updated_at)
                VALUES ('r-small', 'Small', 50, '[]', 'open', 0, 'normal', 0, 0, 0), ('r-big', 'Big', 300, '[]', 'open', 0, 'normal', 1, 0, 0)`);
  await a.exec(`INSERT INTO sessions (id, title, type, starts_at, ends_at, room_id, speakers, status, delay_minutes, access, expected_attendance, required_features, version, created_at, updated_at)
                VALUES ('s-crowded', 'Crowded', 'panel', ${at('12:00')}, ${at('13:00')}, 'r-small', '[]', 'scheduled', 0, '{"policy":"open"}', 200, '[]', 1, 0, 0),
                       ('s-other', 'Other', 'panel', ${at('14:00')}, ${at('15:00')}, 'r-big', '[]', 'scheduled', 0, '{"policy":"open"}', 100, '[]', 1, 0, 0)`);
}

/** A session edit as the schedule makes it; `gate` holds the transaction open after the write. */
function retitle(uow: UnitOfWork, sessionId: string, gate?: Promise<void>): Promise<unknown> {
  return uow.submit(OPS, function* (tx) {
    const row = yield* tx.store.sessions.findForUpdate(sessionId);
    yield* updateSessionIn(tx, row!, { ...row!, title: `${row!.title}!` });
    if (gate) yield* awaited(gate);
  });
}

const roomOf = async (a: Adapter, id: string): Promise<unknown> => (await a.exec(`SELECT room_id FROM sessions WHERE id = '${id}'`))[0];

for (const [name, open] of Object.entries(adapters)) {
  const make = (t: Test): Promise<Adapter> => open(t, clock);

  t.test(`${name}: the settings row is created once, keeps its epoch, follows the configured zone, and takes programme and epoch changes`, async (t) => {
    const a = await make(t);
    const created = await a.uow.submit(null, (tx) => ensureSettingsIn(tx.store, 'UTC', NOW));
    t.match(created, { name: 'eventday', timeZone: 'UTC', days: [] });
    const again = await a.uow.submit(null, (tx) => ensureSettingsIn(tx.store, ZONE, NOW + 1));
    t.same(again, { ...created, timeZone: ZONE }, 'the same epoch; the configured zone wins');
    t.same(await a.reader.read((store) => eventSettingsIn(store)), again);
    t.same(await a.reader.read((store) => programmeSettingsIn(store)), {
      acronym: null,
      conferenceUrl: null,
      baseUrl: null,
      scheduleTimeZone: null,
      dayChange: null,
      roomGuids: {},
    });
    const programme = { acronym: 'REAIM', conferenceUrl: 'https://example.org', baseUrl: null, scheduleTimeZone: 'UTC', dayChange: '04:00', roomGuids: { 'r-1': 'g-1' } };
    await a.uow.submit(null, (tx) => tx.store.settings.setProgramme(programme));
    t.same(await a.reader.read((store) => programmeSettingsIn(store)), programme);
    const epoch = await a.uow.submit(null, (tx) => renewEpochIn(tx.store));
    t.not(epoch, created.epoch);
    t.equal((await a.reader.read((store) => eventSettingsIn(store))).epoch, epoch);
    t.same(await a.events(), [], 'settings are not events');
  });

  t.test(`${name}: a plan is stored with the head it was read at, applied once through the schedule's update, and refused when applied again`, async (t) => {
    const a = await make(t);
    await seed(a);
    const service = allocation(a);
    const plan = await service.createPlan(OPS, {});
    t.equal(plan.basedOnSeq, 0, 'based on the empty log');
    t.same(
      plan.assignments.map((x) => [x.sessionId, x.toRoomId]),
      [
        ['s-crowded', 'r-big'],
        ['s-other', 'r-big'],
      ],
    );
    t.match(await service.getPlan(plan.id), { id: plan.id, appliedAt: null, trigger: { kind: 'request' }, changeoverMinutes: 10 });
    await t.rejects(service.getPlan('no-plan'), { message: 'allocation plan not found' });

    const applied = await service.apply(OPS, plan.id);
    t.match(applied, { planId: plan.id, changes: [{ id: 's-crowded', roomId: 'r-big', version: 2, changeNote: 'Moved to Big' }] });
    t.match(await roomOf(a, 's-crowded'), { room_id: 'r-big' });
    t.type((await service.getPlan(plan.id)).appliedAt, 'string');
    await t.rejects(service.apply(OPS, plan.id), { code: 'plan_already_applied', statusCode: 409 });
    t.same(
      (await a.events()).map((e) => e.name),
      ['allocation.planned', 'session.updated', 'allocation.applied'],
    );
    await assertChain(t, a);
  });

  t.test(`${name}: a session edited after the plan makes it stale; nothing is written`, async (t) => {
    const a = await make(t);
    await seed(a);
    const service = allocation(a);
    const plan = await service.createPlan(OPS, {});
    await retitle(a.uow, 's-other');
    await t.rejects(service.apply(OPS, plan.id), { code: 'stale_plan', statusCode: 409, message: `the schedule changed after event ${plan.basedOnSeq}; make a new plan` });
    t.match(await roomOf(a, 's-crowded'), { room_id: 'r-small' });
    t.equal((await service.getPlan(plan.id)).appliedAt, null);
    t.same((await a.events()).map((e) => e.name), ['allocation.planned', 'session.updated']);
  });
}

t.test('postgres: two nodes apply the same plan at once: one applies it, the other is refused, the session moves once', async (t) => {
  const a = await adapters.postgres(t, clock);
  await seed(a);
  const nodes = [a, await secondNode(t, a)];
  const plan = await allocation(a).createPlan(OPS, {});
  const outcomes = await Promise.allSettled(nodes.map((node) => allocation(node).apply(OPS, plan.id)));
  t.same(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
  t.match(outcomes.find((o) => o.status === 'rejected'), { reason: { code: 'plan_already_applied' } });
  t.same(
    (await a.events()).map((e) => e.name),
    ['allocation.planned', 'session.updated', 'allocation.applied'],
  );
  t.match(await a.exec("SELECT version FROM sessions WHERE id = 's-crowded'"), [{ version: 2 }]);
  await assertChain(t, a);
});

t.test('postgres: an edit of a moved session still open on another node is waited for, then makes the plan stale', async (t) => {
  const a = await adapters.postgres(t, clock);
  await seed(a);
  const other = await secondNode(t, a);
  const plan = await allocation(a).createPlan(OPS, {});
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const edit = retitle(other.uow, 's-crowded', gate);
  await sleep(100);
  const apply = allocation(a).apply(OPS, plan.id);
  // Handled from the start: the apply may be refused while the edit's own promise is still being awaited below.
  apply.catch(() => undefined);
  await sleep(200);
  release();
  await edit;
  await t.rejects(apply, { code: 'stale_plan' });
  t.same((await a.events()).map((e) => e.name), ['allocation.planned', 'session.updated']);
  t.match(await a.exec("SELECT room_id, version FROM sessions WHERE id = 's-crowded'"), [{ room_id: 'r-small', version: 2 }]);
});

t.test('postgres: a room change another node has appended but not committed is waited for, then makes the plan stale', async (t) => {
  const a = await adapters.postgres(t, clock);
  await seed(a);
  const plan = await allocation(a).createPlan(OPS, {});
  const rooms = await a.reader.read((store) => store.rooms.list());
  const big = { ...rooms.find((r) => r.id === 'r-big')!, capacity: 100 };
  const inputs: AppendInput[] = [];
  const capture: Pick<Tx, 'emit'> = {
    emit: (n, data, roomIds) => {
      inputs.push(eventInput(OPS, NOW, n, data, roomIds));
    },
  };
  emitRoomUpdated(capture as Tx, big);
  // Another node's transaction, stopped between its append (the head's row lock held) and its COMMIT.
  const client = await a.pg!.pool.connect();
  t.teardown(() => client.release());
  await client.query('BEGIN');
  await client.query("UPDATE rooms SET capacity = 100 WHERE id = 'r-big'");
  await new PgEventLog(a.pg!.pool, a.pg!.schema).appendInTx(client, EPOCH, inputs);
  const apply = allocation(a).apply(OPS, plan.id);
  let settled = false;
  void apply.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(300);
  t.notOk(settled, 'the apply waits for the appending transaction');
  await client.query('COMMIT');
  await t.rejects(apply, { code: 'stale_plan', message: `room(s) r-big changed after event ${plan.basedOnSeq}; make a new plan` });
  t.same((await a.events()).map((e) => e.name), ['allocation.planned', 'room.updated']);
  await assertChain(t, a);
});

t.test('postgres: two nodes starting on a new database at once agree on one settings row and epoch', async (t) => {
  const a = await adapters.postgres(t, clock);
  const nodes = [a, await secondNode(t, a), await secondNode(t, a)];
  const started = await Promise.all(nodes.map((node) => node.uow.submit(null, (tx) => ensureSettingsIn(tx.store, ZONE, NOW))));
  t.equal(new Set(started.map((s) => s.epoch)).size, 1, 'one epoch');
  t.match(await a.exec('SELECT COUNT(*)::int AS n FROM event_settings'), [{ n: 1 }]);
});

/** Every chunk of an export, as read. */
async function chunksOf(table: Table): Promise<Cell[][][]> {
  const chunks: Cell[][][] = [];
  for await (const chunk of table.chunks) chunks.push(chunk);
  return chunks;
}

for (const [name, open] of Object.entries(adapters)) {
  t.test(`${name}: exports page through attendees and scans a chunk at a time, with their names and local times`, async (t) => {
    const a = await open(t, clock);
    const ids = Array.from({ length: EXPORT_CHUNK_ROWS + 10 }, (_, i) => `a-${String(i).padStart(3, '0')}`);
    await a.exec(
      `INSERT INTO attendees (id, external_id, name, organization, category, delegation, email, flags, status, badge_version, checked_in_at, created_at, updated_at) VALUES ${ids
        .map((id, i) => `('${id}', ${i === 0 ? "'X-1'" : 'NULL'}, 'Name ${i}', 'Org', 'government', NULL, NULL, '${i === 0 ? '["vip","press"]' : '[]'}', 'registered', 1, ${i === 0 ? NOW : 'NULL'}, ${NOW}, ${NOW})`)
        .join(', ')}`,
    );
    await a.exec(`INSERT INTO rooms (id, name, capacity, features, status, occupancy, alert_level, sort_order, created_at, updated_at) VALUES ('r-1', 'Hall', 10, '[]', 'open', 1, 'normal', 0, 0, 0)`);
    await a.exec(`INSERT INTO devices (id, name, role, token_hash, created_at, revoked_at) VALUES ('d-1', 'Door 1', 'door', 'h', 0, NULL)`);
    await a.exec(`INSERT INTO badges (attendee_id, version, kid, code, issued_at, revoked_at) VALUES ('a-000', 1, 'k', 'c', ${NOW}, NULL)`);
    await a.exec(`INSERT INTO presence (attendee_id, room_id, since, checkin_id) VALUES ('a-000', 'r-1', ${NOW}, 'c-1')`);
    await a.exec(`INSERT INTO checkins (id, scan_id, device_id, attendee_id, badge_version, kind, room_id, scanned_at, received_at, result, reason, forced, left_room_id, response, undone_at, undone_by, method, manual_reason)
                  VALUES ('c-1', 's-1', 'd-1', 'a-000', 1, 'entry', 'r-1', ${NOW}, ${NOW}, 'ok', NULL, 1, NULL, '{}', NULL, NULL, 'scan', NULL),
                         ('c-2', 's-2', 'd-1', 'a-001', 1, 'entry', 'r-1', ${NOW + 60_000}, ${NOW + 60_000}, 'rejected', 'no_access', 0, NULL, '{}', NULL, NULL, 'scan', NULL),
                         ('c-3', 's-3', 'd-1', 'a-001', 1, 'entry', 'r-1', ${NOW + 120_000}, ${NOW + 120_000}, 'ok', NULL, 0, NULL, '{}', ${NOW + 180_000}, 'd-1', 'manual', 'lost badge')`);
    const exporter = new ExportService(a, ZONE);

    const attendees = await chunksOf(exporter.attendees());
    t.same(attendees.map((c) => c.length), [EXPORT_CHUNK_ROWS, 10], 'a chunk at a time');
    t.same(attendees.flat().map((r) => r[0]), ids, 'every attendee once, in order');
    t.same(attendees[0]![0], ['a-000', 'X-1', 'Name 0', 'Org', 'government', null, null, 'vip;press', 'registered', 1, '2026-02-15T09:00:00+01:00', '2026-02-15T09:00:00+01:00', 'Hall', '2026-02-15T09:00:00+01:00', '2026-02-15T09:00:00+01:00']);

    const scans = (await chunksOf(exporter.checkins())).flat();
    t.same(scans.map((r) => [r[2], r[9], r[13], r[15], r[16]]), [
      ['c-1', 'ok', 'yes', 'Door 1', null],
      ['c-2', 'rejected', 'no', 'Door 1', null],
      ['c-3', 'ok', 'no', 'Door 1', '2026-02-15T09:03:00+01:00'],
    ]);
    t.same((await chunksOf(exporter.checkinCounts())).flat(), [
      ['2026-02-15T09:00+01:00', 'Hall', 'entry', 'ok', 'government', 1],
      ['2026-02-15T09:00+01:00', 'Hall', 'entry', 'rejected', 'government', 1],
    ], 'undone scans are not counted');
  });
}
