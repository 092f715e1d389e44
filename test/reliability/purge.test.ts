// Post-event purge: canary names are gone from every byte of the database files, counts and schedule stay, the chain still verifies.
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import Database from 'better-sqlite3';
import { verifyChain } from '../../src/live/event-log.js';
import { DatabaseInUseError, purgePersonalData } from '../../src/services/maintenance.js';
import { build, type Built } from '../helper.js';

/** The purge is a script over the SQLite file (its bytes are checked too): every app here is on SQLite. */
const SQLITE = { store: 'sqlite' } as const;

const CANARIES = {
  name: 'Qwertzuiop Canaryone',
  renamed: 'Qwertzuiop Canarytwo',
  organization: 'Xylophonics Canaryorg',
  email: 'canary.mailbox@canary-example.test',
  imported: 'Zebulon Canarythree',
  externalId: 'canaryext-9f8e7d',
};

async function call(b: Built, role: 'admin' | 'ops' | 'desk', method: 'POST' | 'PATCH' | 'GET', url: string, payload?: object) {
  const res = await b.app.inject({ method, url, headers: b.auth(role), ...(payload === undefined ? {} : { payload }) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Every spelling a file could hold a canary in: as typed and lower-cased (the search index folds), UTF-8 and UTF-16LE. */
function findCanaries(files: string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    const lower = Buffer.from(bytes.toString('latin1').toLowerCase(), 'latin1');
    for (const canary of Object.values(CANARIES)) {
      for (const word of [canary, ...canary.split(/[\s@.]+/).filter((w) => w.length >= 8)]) {
        const needle = word.toLowerCase();
        if (lower.includes(Buffer.from(needle, 'utf8')) || lower.includes(Buffer.from(needle, 'utf16le'))) found.push(`${word} in ${file}`);
      }
    }
  }
  return found;
}

interface Counts {
  attendees: number;
  byCategory: { category: string; n: number }[];
  checkins: number;
  arrivals: { id: string; checked_in_at: number | null }[];
  scans: { scanned_at: number; result: string; kind: string }[];
  sessions: unknown[];
  events: number;
}

function counts(file: string): Counts {
  const db = new Database(file, { readonly: true });
  try {
    return {
      attendees: (db.prepare('SELECT COUNT(*) AS n FROM attendees').get() as { n: number }).n,
      byCategory: db.prepare('SELECT category, COUNT(*) AS n FROM attendees GROUP BY category ORDER BY category').all() as Counts['byCategory'],
      checkins: (db.prepare('SELECT COUNT(*) AS n FROM checkins').get() as { n: number }).n,
      arrivals: db.prepare('SELECT id, checked_in_at FROM attendees ORDER BY id').all() as Counts['arrivals'],
      scans: db.prepare('SELECT scanned_at, result, kind FROM checkins ORDER BY id').all() as Counts['scans'],
      sessions: db.prepare('SELECT id, title, speakers, starts_at, ends_at, room_id, version FROM sessions ORDER BY id').all(),
      events: (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

t.test('purge anonymises attendees everywhere and scrubs the old text from the files', async (t) => {
  const b = await build(t, { ...SQLITE, close: false });
  const file = b.config.dbFile;
  const files = [file, `${file}-wal`, `${file}-shm`];

  const room = await call(b, 'ops', 'POST', '/api/rooms', { name: 'Plenary Hall', capacity: 500 });
  await call(b, 'ops', 'POST', '/api/sessions', {
    title: 'Opening plenary',
    startsAt: '2026-02-15T09:00:00Z',
    endsAt: '2026-02-15T10:00:00Z',
    roomId: room.id,
    speakers: ['Dr. Public Speaker'],
  });
  const canary = await call(b, 'desk', 'POST', '/api/attendees', {
    name: CANARIES.name,
    organization: CANARIES.organization,
    category: 'government',
    delegation: 'NL',
    email: CANARIES.email,
    flags: ['vip', 'accessibility'],
  });
  const others = [];
  for (let i = 0; i < 12; i++) {
    others.push(
      await call(b, 'desk', 'POST', '/api/attendees', {
        name: `Ordinary Person ${i}`,
        organization: 'Some Institute',
        category: (['industry', 'academia', 'ngo'] as const)[i % 3],
      }),
    );
  }
  const csv = `name,organization,category,delegation,email,flags,externalId\n${CANARIES.imported},${CANARIES.organization},media,DE,,,${CANARIES.externalId}\n`;
  const imported = await b.app.inject({ method: 'POST', url: '/api/attendees/import', headers: { ...b.auth('admin'), 'content-type': 'text/csv' }, payload: csv });
  t.equal(imported.statusCode, 200, imported.body);

  const scanIds: string[] = [];
  for (const [i, person] of [canary, ...others.slice(0, 6)].entries()) {
    const scanId = `scan-${i}`;
    scanIds.push(scanId);
    const answer = await call(b, 'desk', 'POST', '/api/checkins', { scanId, code: person.badge.code });
    t.equal(answer.result, 'ok');
  }
  const second = await call(b, 'desk', 'POST', '/api/checkins', { scanId: 'scan-again', code: canary.badge.code });
  t.equal(second.attendee.name, CANARIES.name, 'the stored answer names the canary');
  await call(b, 'desk', 'PATCH', `/api/attendees/${canary.attendee.id}`, { name: CANARIES.renamed });
  const hits = await call(b, 'desk', 'GET', '/api/attendees?q=qwertz');
  t.equal(hits.length, 1, 'the canary is in the search index');
  const before = counts(file);
  await b.app.close();

  t.ok(findCanaries(files).length > 0, 'before the purge the canaries are in the files (the byte search can see them)');

  const report = purgePersonalData(file, { now: Date.parse('2026-02-20T12:00:00Z') });
  t.equal(report.attendees, 14);
  t.ok(report.checkinsRedacted >= 8, `${report.checkinsRedacted} stored answers rewritten`);
  t.ok(report.eventsRedacted > 0, `${report.eventsRedacted} event payloads redacted`);
  t.ok(report.before.chain.ok && report.after.chain.ok, 'the chain verified before and verifies after');
  t.not(report.epoch, report.previousEpoch, 'a new epoch: clients take a snapshot');

  t.same(findCanaries(files), [], 'no canary in the .db, -wal or -shm bytes, UTF-8 or UTF-16');

  const after = counts(file);
  t.equal(after.attendees, before.attendees, 'attendee count kept');
  t.same(after.byCategory, before.byCategory, 'categories kept');
  t.equal(after.checkins, before.checkins, 'check-in count kept');
  t.same(after.arrivals, before.arrivals, 'arrival times kept');
  t.same(after.scans, before.scans, 'scan times and results kept');
  t.same(after.sessions, before.sessions, 'the schedule (speakers included) kept');
  t.equal(after.events, before.events + 2, 'one data.purged event added (after the audit checkpoint written at shutdown)');

  const db = new Database(file, { readonly: true });
  t.ok(verifyChain(db).ok, 'audit:verify passes on the purged log');
  const purged = db.prepare("SELECT payload FROM events WHERE name = 'data.purged'").get() as { payload: string };
  t.match(JSON.parse(purged.payload), { attendees: 14, previousHead: { seq: Number, hash: /^[0-9a-f]{64}$/ } });
  const leftovers = db
    .prepare("SELECT COUNT(*) AS n FROM attendees WHERE organization <> '' OR email IS NOT NULL OR delegation IS NOT NULL OR external_id IS NOT NULL OR flags <> '[]'")
    .get() as { n: number };
  t.equal(leftovers.n, 0, 'organisation, email, delegation, external id and flags are cleared');
  db.close();

  const again = await build(t, { ...SQLITE, dir: b.dir });
  const person = (await again.app.inject({ method: 'GET', url: `/api/attendees/${canary.attendee.id}`, headers: again.auth('desk') })).json();
  t.match(person, { name: /^Attendee \d{4}$/, organization: '', email: null, delegation: null, flags: [], category: 'government' });
  t.ok(person.checkedInAt, 'the arrival time is kept');
  const replay = (await again.app.inject({ method: 'POST', url: '/api/checkins', headers: again.auth('desk'), payload: { scanId: 'scan-0', code: canary.badge.code } })).json();
  t.match(replay, { replayed: true, attendee: { name: person.name, organization: '', delegation: null, flags: [] } }, 'a replayed scan answers with the pseudonym');
  const search = (await again.app.inject({ method: 'GET', url: '/api/attendees?q=qwertz', headers: again.auth('desk') })).json();
  t.same(search, [], 'search no longer finds the name');
  const found = (await again.app.inject({ method: 'GET', url: '/api/attendees?q=attendee', headers: again.auth('desk') })).json();
  t.ok(found.length > 0, 'the search index was rebuilt from the pseudonyms');
});

t.test('purge refuses while the service has the database open, and changes nothing', async (t) => {
  const b = await build(t, SQLITE);
  await call(b, 'desk', 'POST', '/api/attendees', { name: CANARIES.name, organization: 'x', category: 'other' });
  t.throws(() => purgePersonalData(b.config.dbFile), DatabaseInUseError);
  const hits = await call(b, 'desk', 'GET', '/api/attendees?q=qwertz');
  t.equal(hits[0]?.name, CANARIES.name);
});

t.test('purge refuses to re-chain a log that was already altered', async (t) => {
  const b = await build(t, { ...SQLITE, close: false });
  await call(b, 'desk', 'POST', '/api/attendees', { name: CANARIES.name, organization: 'x', category: 'other' });
  await b.app.close();
  const db = new Database(b.config.dbFile);
  db.prepare("UPDATE events SET payload = '{}' WHERE seq = (SELECT MIN(seq) FROM events)").run();
  db.close();
  t.throws(() => purgePersonalData(b.config.dbFile), /already broken/);
  const check = new Database(b.config.dbFile, { readonly: true });
  t.equal((check.prepare('SELECT name FROM attendees').get() as { name: string }).name, CANARIES.name, 'nothing was purged');
  check.close();
});
