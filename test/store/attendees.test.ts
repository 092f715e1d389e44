// Attendees, badges and the offline list on both stores: walk-in, edit, search in several scripts, CSV import, reprint and key rotation through the ports, and their races on PostgreSQL.
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { KeyDir } from '../../src/keys/key-dir.js';
import { AttendeeService } from '../../src/services/attendees.js';
import { BadgeService } from '../../src/services/badges.js';
import { OfflineListService } from '../../src/services/offline-list.js';
import { adapters, assertChain, type Adapter } from './adapters.js';

const DESK = { deviceId: 'desk-device', role: 'desk' as const };
const ADMIN = { deviceId: 'admin-device', role: 'admin' as const };
const HEADER = 'name,organization,category,delegation,email,flags,externalId';

let counter = 0;
const newId = (): string => `id-${String(++counter).padStart(5, '0')}`;
const clock = (): number => Date.parse('2026-02-15T08:00:00Z') + counter;

interface World {
  a: Adapter;
  badges: BadgeService;
  attendees: AttendeeService;
  offline: OfflineListService;
  /** Another node's services on the same store and key dir. */
  other: () => { badges: BadgeService; attendees: AttendeeService };
}

async function world(t: Test, open: (t: Test, clock: () => number) => Promise<Adapter>): Promise<World> {
  const a = await open(t, clock);
  const keyDir = path.join(t.testdir(), 'keys');
  const services = (): { badges: BadgeService; attendees: AttendeeService } => {
    const badges = new BadgeService(a.reader, a.uow, new KeyDir(keyDir));
    const attendees = new AttendeeService(a.reader, a.uow, badges, newId, async () => {
      await new Promise((resolve) => setImmediate(resolve));
    });
    return { badges, attendees };
  };
  const { badges, attendees } = services();
  return { a, badges, attendees, offline: new OfflineListService(a.reader, badges, clock), other: services };
}

const csv = (rows: string[]): Buffer => Buffer.from(`${[HEADER, ...rows].join('\n')}\n`);
const names = (hits: { name: string }[]): string[] => hits.map((h) => h.name);

for (const [name, open] of Object.entries(adapters)) {
  t.test(`${name}: walk-in, edit, cancel and restore; search follows every edit`, async (t) => {
    const { a, attendees, badges } = await world(t, open);
    const { attendee, badge } = await attendees.create(DESK, { name: 'Jean-Pierre Müller', organization: 'Ministry of Defence', category: 'government', email: ' JP@Example.org ', flags: ['VIP', 'vip', 'wheel chair'] });
    t.equal(attendee.email, 'jp@example.org');
    t.same(attendee.flags, ['vip', 'wheel_chair']);
    t.equal((await a.reader.read((store) => badges.verifyIn(store, badge.code))).ok, true, 'the first badge verifies');
    for (const q of ['jean', 'jeanpierre', 'mueller', 'muller', 'müll', 'ministry def', 'jp@example']) {
      t.same(names(await attendees.search(q, 10)), ['Jean-Pierre Müller'], `"${q}" finds him`);
    }
    t.same(await attendees.search('müller zz', 10), [], 'every word must match');

    const renamed = await attendees.update(DESK, attendee.id, { name: 'Jan Novák' });
    t.equal(renamed.name, 'Jan Novák');
    t.same(await attendees.search('mueller', 10), [], 'the old name is gone from the index');
    t.same(names(await attendees.search('novak', 10)), ['Jan Novák']);
    t.same(names(await attendees.search('ministry', 10)), ['Jan Novák'], 'the fields not edited stay indexed');
    t.same(await attendees.update(DESK, attendee.id, { name: 'Jan Novák' }), renamed, 'no change, no event');
    t.equal((await attendees.update(DESK, attendee.id, { status: 'cancelled' })).status, 'cancelled');
    t.equal((await attendees.update(DESK, attendee.id, { status: 'registered' })).status, 'registered');
    await t.rejects(attendees.update(DESK, 'nobody', { name: 'X' }), { message: 'attendee not found' });

    const found = await a.reader.read((store) => store.attendees.find(attendee.id));
    t.match(found, { name: 'Jan Novák', email: 'jp@example.org', flags: ['vip', 'wheel_chair'], badgeVersion: 1, checkedInAt: null });
    t.same(
      (await a.events()).map((e) => e.name),
      ['badge.key_created', 'attendee.created', 'attendee.updated', 'attendee.cancelled', 'attendee.restored'],
    );
    await assertChain(t, a);
  });

  t.test(`${name}: search in other scripts, by prefix, names that start with the query first`, async (t) => {
    const { attendees } = await world(t, open);
    for (const person of ['王小明', 'Сергей Иванов', 'محمد علي', 'Ana Ivanova', 'Ivo Ivanov', 'Zoë Ivanovic']) {
      await attendees.create(DESK, { name: person, organization: person === 'Ana Ivanova' ? 'Ivanov Institute' : 'Org', category: 'academia' });
    }
    t.same(names(await attendees.search('小明', 10)), ['王小明'], 'adjacent Han characters inside a name');
    t.same(names(await attendees.search('王', 10)), ['王小明']);
    t.same(names(await attendees.search('wang', 10)), ['王小明'], 'the Latin spelling of a Han name');
    t.same(names(await attendees.search('иван', 10)), ['Сергей Иванов']);
    t.same(names(await attendees.search('mohammed', 10)), ['محمد علي'], 'an Arabic name by its consonant skeleton');
    t.same(
      names(await attendees.search('ivanov', 10)),
      ['Ana Ivanova', 'Ivo Ivanov', 'Сергей Иванов', 'Zoë Ivanovic'],
      'the whole word in name or organization before a prefix only, ties by folded name',
    );
    t.same(names(await attendees.search('iv', 10))[0], 'Ivo Ivanov', 'a name that starts with the query ranks first');
    t.equal((await attendees.search('iv', 2)).length, 2, 'the limit holds');
    t.same(await attendees.search('***', 10), [], 'no word, no query');
  });

  t.test(`${name}: the CSV import is idempotent, matches by externalId then email, and updates only what differs`, async (t) => {
    const { a, attendees } = await world(t, open);
    await attendees.create(DESK, { name: 'Walk In', organization: 'Press', category: 'media', email: 'walk@in.org' });
    const file = csv([
      'Ada Lovelace,Analytical,academia,,ada@example.org,vip,ext-1',
      'Walk In,Press Corp,media,,walk@in.org,,ext-2',
      'Grace Hopper,Navy,academia,US,grace@example.org,,',
      'Nobody,,academia,,,,',
    ]);
    const first = await attendees.import(ADMIN, file);
    t.match(first, { created: 2, updated: 1, errorCount: 1 }, 'the walk-in is claimed by email; a row without a key is refused');
    t.match(await attendees.import(ADMIN, file), { created: 0, updated: 0 }, 'the same file again changes nothing');
    const again = await attendees.import(ADMIN, csv(['Ada King,Analytical,academia,,ada@example.org,vip,ext-1']));
    t.match(again, { created: 0, updated: 1 });
    t.same(names(await attendees.search('king', 10)), ['Ada King']);
    t.same(names(await attendees.search('press corp', 10)), ['Walk In']);
    const rows = (await a.exec('SELECT external_id AS "externalId", name FROM attendees ORDER BY name')) as { externalId: string | null; name: string }[];
    t.same(rows, [
      { externalId: 'ext-1', name: 'Ada King' },
      { externalId: null, name: 'Grace Hopper' },
      { externalId: 'ext-2', name: 'Walk In' },
    ]);
    t.same(
      (await a.events()).map((e) => e.name).filter((n) => n.startsWith('attendees.')),
      ['attendees.imported', 'attendees.imported'],
      'one summary per import that changed something',
    );
    await assertChain(t, a);
  });

  t.test(`${name}: reprint revokes the old code; rotation and key removal; the offline list follows the log`, async (t) => {
    const { a, attendees, badges, offline } = await world(t, open);
    const { attendee } = await attendees.create(DESK, { name: 'Rosa Díaz', organization: 'NGO', category: 'ngo', delegation: 'ES', email: 'rosa@ngo.org' });
    const reprint = await badges.reissue(DESK, attendee.id);
    t.equal(reprint.version, 2);
    await t.rejects(badges.reissue(DESK, 'nobody'), { message: 'attendee not found' });
    t.same(
      (await a.exec('SELECT version, revoked_at IS NOT NULL AS revoked FROM badges ORDER BY version')).map((r) => Object.values(r as object).map(Number)),
      [
        [1, 1],
        [2, 0],
      ],
    );
    const desk = await offline.list('desk');
    t.match(desk.attendees, [{ id: attendee.id, badgeVersion: 2, delegation: 'ES', flags: [] }]);
    t.notOk(JSON.stringify(desk).includes('rosa@ngo.org'), 'never an email');
    t.notOk('delegation' in (await offline.list('door')).attendees[0]!, 'a door gets no delegation');
    t.equal(await offline.list('desk'), desk, 'cached while the log stands still');

    const rotated = await badges.rotate(ADMIN);
    t.equal(rotated.retired.length, 1);
    const keys = await badges.publicKeyList();
    t.same(keys.map((k) => [k.kid, k.active]), [
      [rotated.retired[0], false],
      [rotated.kid, true],
    ]);
    t.not((await offline.list('desk')).seq, desk.seq, 'a rotation moves the list on');
    await t.rejects(badges.removeKey(ADMIN, rotated.kid), { code: 'key_active' });
    t.same(await badges.removeKey(ADMIN, rotated.retired[0]!), { kid: rotated.retired[0], badgesAffected: 1 });
    t.same((await badges.publicKeyList()).map((k) => k.kid), [rotated.kid]);
    await assertChain(t, a);
  });

  t.test(`${name}: races: reprints, edits and imports at once, and two nodes making the first key`, async (t) => {
    const { a, attendees, badges, other } = await world(t, open);
    const second = other();
    const keys = await Promise.all([badges.signingKey(), second.badges.signingKey()]);
    t.equal(keys[0].kid, keys[1].kid, 'one first key, whichever node asked');
    const { attendee } = await attendees.create(DESK, { name: 'Race Case', organization: 'Org', category: 'industry' });

    // PostgreSQL: UPDATE … SET badge_version = badge_version + 1 RETURNING; two versions, no duplicate key.
    const versions = await Promise.all([badges.reissue(DESK, attendee.id), second.badges.reissue(DESK, attendee.id)]);
    t.same(versions.map((v) => v.version).sort(), [2, 3]);

    // PostgreSQL: the row is read FOR UPDATE, so neither edit loses the other's field.
    await Promise.all([attendees.update(DESK, attendee.id, { organization: 'New Org' }), second.attendees.update(DESK, attendee.id, { delegation: 'NL' })]);
    t.match(await a.reader.read((store) => store.attendees.find(attendee.id)), { organization: 'New Org', delegation: 'NL', badgeVersion: 3 });

    // PostgreSQL: the import's advisory lock; without it both would create every email-keyed row.
    const file = csv(Array.from({ length: 40 }, (_, i) => `Person ${i},Org,academia,,p${i}@example.org,,`));
    const reports = await Promise.all([attendees.import(ADMIN, file), second.attendees.import(ADMIN, file)]);
    t.equal(reports[0].created + reports[1].created, 40, 'every row created once');
    const [count] = (await a.exec("SELECT COUNT(*) AS n FROM attendees WHERE email LIKE 'p%@example.org'")) as { n: number }[];
    t.equal(Number(count!.n), 40);
    t.equal((await attendees.search('person 3', 50)).length, 11, 'and indexed once: "3" and 30–39');
    await assertChain(t, a);
  });
}
