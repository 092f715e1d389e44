// Attendees: walk-in, get, edit, cancel, validation that writes nothing, and idempotent CSV import with tricky files.
import t from 'tap';
import { build, storeSql } from '../helper.js';
import { countRows, walkIn } from './fixtures.js';

t.test('walk-in, get, patch, cancel and restore', async (t) => {
  const built = await build(t);
  const { app } = built;
  const res = await app.inject({
    method: 'POST',
    url: '/api/attendees',
    headers: built.auth('desk'),
    payload: { name: '  Rosa Díaz ', organization: 'Ministerio de Defensa', category: 'government', delegation: 'es', email: 'Rosa.Diaz@Mde.ES', flags: ['Interpreter Needed', 'vip', 'VIP'] },
  });
  t.equal(res.statusCode, 201);
  const { attendee, badge } = res.json();
  t.match(attendee, {
    id: String,
    externalId: null,
    name: 'Rosa Díaz',
    organization: 'Ministerio de Defensa',
    category: 'government',
    delegation: 'ES',
    email: 'rosa.diaz@mde.es',
    flags: ['interpreter_needed', 'vip'],
    status: 'registered',
    checkedInAt: null,
  });
  t.match(badge.code, /^[A-Z2-7]+$/);

  const got = await app.inject({ method: 'GET', url: `/api/attendees/${attendee.id}`, headers: built.auth('admin') });
  t.same(got.json(), attendee);
  t.equal((await app.inject({ method: 'GET', url: '/api/attendees/nobody', headers: built.auth('desk') })).statusCode, 404);

  const patched = await app.inject({ method: 'PATCH', url: `/api/attendees/${attendee.id}`, headers: built.auth('desk'), payload: { organization: 'NATO', delegation: null, flags: [] } });
  t.equal(patched.statusCode, 200);
  t.match(patched.json(), { organization: 'NATO', delegation: null, flags: [], name: 'Rosa Díaz' });
  const cancelled = await app.inject({ method: 'PATCH', url: `/api/attendees/${attendee.id}`, headers: built.auth('admin'), payload: { status: 'cancelled' } });
  t.equal(cancelled.json().status, 'cancelled');
  const restored = await app.inject({ method: 'PATCH', url: `/api/attendees/${attendee.id}`, headers: built.auth('desk'), payload: { status: 'registered' } });
  t.equal(restored.json().status, 'registered');
  const names = (await storeSql(app).all<{ name: string }>("SELECT name FROM events WHERE topic = 'attendees' ORDER BY seq")).map((e) => e.name);
  t.same(names, ['attendee.created', 'attendee.updated', 'attendee.cancelled', 'attendee.restored']);
  const visibility = await storeSql(app).all("SELECT DISTINCT visibility FROM events WHERE topic = 'attendees'");
  t.same(visibility, [{ visibility: 'personal' }]);
});

t.test('bad input is a 400 that writes nothing', async (t) => {
  const built = await build(t);
  const { app } = built;
  const someone = await walkIn(built, { name: 'Someone' });
  const attendees = await countRows(app, 'attendees');
  const events = await countRows(app, 'events');
  const bodies = [
    {},
    { name: '', organization: 'x', category: 'industry' },
    { name: 'x', organization: 'x', category: 'pirate' },
    { name: 'x', organization: 'x', category: 'industry', delegation: 'NLD' },
    { name: 'x', organization: 'x', category: 'industry', email: 'not-an-email' },
    { name: 'x', organization: 'x', category: 'industry', status: 'cancelled' },
    { name: 'x'.repeat(201), organization: 'x', category: 'industry' },
  ];
  for (const payload of bodies) {
    const res = await app.inject({ method: 'POST', url: '/api/attendees', headers: built.auth('desk'), payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 60));
    t.equal(res.json().code, 'validation_failed');
  }
  for (const payload of [{}, { status: 'gone' }, { badgeVersion: 9 }, { checkedInAt: '2026-01-01T00:00:00Z' }]) {
    const res = await app.inject({ method: 'PATCH', url: `/api/attendees/${someone.id}`, headers: built.auth('desk'), payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
  }
  t.equal((await app.inject({ method: 'PATCH', url: '/api/attendees/nobody', headers: built.auth('desk'), payload: { name: 'x' } })).statusCode, 404);
  t.equal(await countRows(app, 'attendees'), attendees);
  t.equal(await countRows(app, 'events'), events);
});

const BOM = '\uFEFF';
const tricky = [
  'name,organization,category,delegation,email,flags,externalId',
  '"Müller, Anna",Bundeswehr,government,de,anna@bmvg.de,vip;accessibility,EXT-1',
  '"Jan ""The Hammer"" de Vries","TNO, Den Haag",academia,NL,jan@tno.nl,,EXT-2',
  '王小明,清华大学,academia,CN,wang@tsinghua.edu.cn,,EXT-3',
  'Иван Петров,Министерство обороны,government,RU,,interpreter needed,EXT-4',
  'محمد العلي,وزارة الدفاع,government,AE,m.ali@mod.ae,,',
  'Bad Category,Org,pirates,NL,bad@example.org,,EXT-6',
  ',Nameless Org,industry,NL,nameless@example.org,,EXT-7',
  'Bad Email,Org,industry,NL,not-an-email,,EXT-8',
  'No Key At All,Org,industry,NL,,,',
  'Too,Many,Fields,industry,NL,x@example.org,,EXT-9,extra',
  '"Multi',
  'Line Name",Org,media,GB,multi@example.org,,EXT-10',
  'Dup Ext,Org,media,GB,dup@example.org,,EXT-1',
].join('\r\n');

t.test('CSV import: quotes, commas, BOM, CRLF, non-Latin names, bad rows; idempotent', async (t) => {
  const built = await build(t);
  const { app } = built;
  const upload = (body: string | Buffer, contentType = 'text/csv; charset=utf-8', role: 'admin' | 'desk' = 'admin') =>
    app.inject({ method: 'POST', url: '/api/attendees/import', headers: { ...built.auth(role), 'content-type': contentType }, payload: body });

  const first = await upload(BOM + tricky);
  t.equal(first.statusCode, 200);
  const report = first.json() as { created: number; updated: number; errors: { line: number; message: string }[] };
  t.equal(report.created, 6);
  t.equal(report.updated, 0);
  t.same(
    report.errors.map((e) => e.line),
    [7, 8, 9, 10, 11, 14],
    'bad category, no name, bad email, no key, field count, duplicate externalId',
  );
  t.match(report.errors.find((e) => e.line === 10)?.message, /neither externalId nor email/);

  const byExt = (ext: string) => storeSql(app).get('SELECT name, organization, delegation, flags, email FROM attendees WHERE external_id = ?', ext);
  t.same(await byExt('EXT-1'), { name: 'Müller, Anna', organization: 'Bundeswehr', delegation: 'DE', flags: '["vip","accessibility"]', email: 'anna@bmvg.de' });
  t.match(await byExt('EXT-2'), { name: 'Jan "The Hammer" de Vries', organization: 'TNO, Den Haag' });
  t.match(await byExt('EXT-3'), { name: '王小明' });
  t.match(await byExt('EXT-4'), { name: 'Иван Петров', flags: '["interpreter_needed"]', email: null });
  t.match(await byExt('EXT-10'), { name: 'Multi Line Name' });
  t.equal(await countRows(app, 'badges'), 6, 'every imported attendee has a badge');

  const again = await upload(BOM + tricky);
  t.match(again.json(), { created: 0, updated: 0 }, 'importing the same file twice changes nothing');
  t.equal(await countRows(app, 'attendees'), 6);

  const edited = tricky.replace('Bundeswehr', 'Bundesministerium der Verteidigung').replace('m.ali@mod.ae,,', 'm.ali@mod.ae,vip,');
  const third = await upload(Buffer.from(edited, 'utf8'), 'text/csv');
  t.match(third.json(), { created: 0, updated: 2 }, 'matched by externalId, and by email for a row without one');
  t.match(await byExt('EXT-1'), { organization: 'Bundesministerium der Verteidigung' });

  for (const [q, name] of [['петров', 'Иван Петров'], ['muller anna', 'Müller, Anna'], ['hammer', 'Jan "The Hammer" de Vries'], ['小明', '王小明']]) {
    const search = await app.inject({ method: 'GET', url: '/api/attendees', query: { q: q! }, headers: built.auth('desk') });
    t.same((search.json() as { name: string }[]).map((h) => h.name), [name], `imported attendees are searchable: ${q}`);
  }
});

t.test('CSV import refusals: role, media type, empty and headerless files', async (t) => {
  const built = await build(t);
  const { app } = built;
  const upload = (payload: string, contentType: string, role: 'admin' | 'desk' = 'admin') =>
    app.inject({ method: 'POST', url: '/api/attendees/import', headers: { ...built.auth(role), 'content-type': contentType }, payload });
  t.equal((await upload(tricky, 'text/csv', 'desk')).statusCode, 403);
  const json = await upload(JSON.stringify({ rows: [] }), 'application/json');
  t.equal(json.statusCode, 415);
  t.equal(json.json().code, 'unsupported_media_type');
  t.match((await upload('', 'text/csv')).json(), { created: 0, updated: 0, errors: [{ line: 1 }] });
  t.match((await upload('a,b,c\n1,2,3', 'text/csv')).json(), { created: 0, errors: [{ line: 1, message: /header/ }] });
  t.equal(await countRows(app, 'attendees'), 0);
});
