// Identity round trips over HTTP: our own export imported into the same instance changes nothing, into a fresh one gives the same programme; iCal UIDs agree; ?timeZone=.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ICAL from 'ical.js';
import { build } from '../helper.js';
import { haveSharedSchedules, readShared } from './c3voc.js';
import type { ScheduleJson, ScheduleJsonEvent } from '../../src/interop/schedule-export.js';

type Built = Awaited<ReturnType<typeof build>>;

async function importInto(b: Built, body: Buffer | string, type: string, query = ''): Promise<{ statusCode: number; json: () => unknown }> {
  return b.app.inject({ method: 'POST', url: `/api/schedule/import${query}`, headers: { ...b.auth('admin'), 'content-type': type }, payload: body });
}

async function exportJson(b: Built): Promise<ScheduleJson> {
  const res = await b.app.inject({ method: 'GET', url: '/api/schedule.json', headers: b.auth('kiosk') });
  return res.json() as ScheduleJson;
}

function events(doc: ScheduleJson): ScheduleJsonEvent[] {
  return doc.schedule.conference.days.flatMap((d) => Object.values(d.rooms).flat()).sort((a, b) => a.guid.localeCompare(b.guid));
}

/** The importer trims text (real files end abstracts and link titles with spaces and CRLFs). */
function trimmed(x: unknown): unknown {
  if (typeof x === 'string') return x.trim();
  if (Array.isArray(x)) return x.map(trimmed);
  if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, trimmed(v)]));
  return x;
}

const typeOf = (file: string): string => (file.endsWith('.xml') ? 'application/xml' : 'application/json');

t.test('real files: identity and metadata come out as they came in', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const b = await build(t);
  t.equal((await importInto(b, readShared('c3voc-frab-camp2019.schedule.json'), 'application/json')).statusCode, 200);
  const source = JSON.parse(readShared('c3voc-frab-camp2019.schedule.json').toString('utf8')) as ScheduleJson;
  const byGuid = new Map(events(await exportJson(b)).map((e) => [e.guid, e]));
  const original = events(source);
  t.equal(byGuid.size, original.length);
  for (const e of original) {
    const got = byGuid.get(e.guid);
    t.ok(got, `${e.guid} kept`);
    if (!got) continue;
    // A link without a scheme ("nymtech.net") is no URI: the schema refuses it, so the export leaves it out.
    t.same(
      trimmed({ id: got.id, url: got.url, track: got.track, subtitle: got.subtitle, abstract: got.abstract, language: got.language, do_not_record: got.do_not_record, persons: got.persons, links: got.links }),
      trimmed({ id: e.id, url: e.url, track: e.track, subtitle: e.subtitle ?? '', abstract: e.abstract ?? '', language: e.language, do_not_record: e.do_not_record ?? false, persons: e.persons, links: e.links.filter((l) => URL.canParse(l.url)) }),
      e.title,
    );
  }
  t.equal(byGuid.get('24b58c74-2bba-412e-84ac-c206f714f0b7')?.track, 'Security');

  // A second, independent instance: a folder of its own (on PostgreSQL, apps on one folder share a schema).
  const d = await build(t, { dir: path.join(b.dir, 'debconf') });
  t.equal((await importInto(d, readShared('debconf23-wafer.schedule.xml'), 'application/xml')).statusCode, 200);
  const dc = events(await exportJson(d));
  t.ok(dc.filter((e) => e.do_not_record).length >= 1, 'optout true comes out as do_not_record true');
  const xml = readShared('debconf23-wafer.schedule.xml').toString('utf8');
  const optedOut = [...xml.matchAll(/<event id="(\d+)" guid="([0-9a-f-]+)">[\s\S]*?<optout>(true|false)<\/optout>/g)];
  t.ok(optedOut.length > 0);
  for (const [, id, guid, optout] of optedOut) {
    const got = dc.find((e) => e.guid === guid);
    t.equal(got?.do_not_record, optout === 'true', `${guid} do_not_record`);
    t.equal(got?.id, Number(id), `${guid} keeps id ${id}`);
  }
});

for (const file of ['c3voc-frab-camp2019.schedule.json', 'c3voc-pretalx-rc3.schedule.json', 'debconf23-wafer.schedule.xml']) {
  t.test(`${file}: export → import is a no-op here and the same programme in a fresh instance`, async (t) => {
    if (!haveSharedSchedules(t)) return;
    const a = await build(t);
    t.equal((await importInto(a, readShared(file), typeOf(file))).statusCode, 200);
    const first = await exportJson(a);
    const body = JSON.stringify(first);

    const again = await importInto(a, body, 'application/json');
    t.equal(again.statusCode, 200);
    t.same((again.json() as { sessions: unknown; rooms: unknown }).sessions, { created: 0, updated: 0, cancelled: 0 }, 'nothing changes');
    t.same((again.json() as { rooms: unknown }).rooms, { created: 0, updated: 0 });
    const sessions = (await a.app.inject({ method: 'GET', url: '/api/sessions', headers: a.auth('admin') })).json() as unknown[];
    t.equal(sessions.length, events(first).length, 'no duplicates');
    t.same(events(await exportJson(a)), events(first), 'the export after is the export before');

    const b = await build(t, { dir: path.join(a.dir, 'fresh') });
    t.equal((await importInto(b, body, 'application/json')).statusCode, 200);
    const fresh = await exportJson(b);
    t.same(events(fresh), events(first), 'guids, ids, slugs, tracks, do_not_record, subtitles, links and persons agree');
    t.same(fresh.schedule.conference.rooms, first.schedule.conference.rooms);
    t.same(fresh.schedule.conference.days.map((d) => [d.date, d.day_start, d.day_end]), first.schedule.conference.days.map((d) => [d.date, d.day_start, d.day_end]));
  });
}

function uids(ics: string): string[] {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  return calendar
    .getAllSubcomponents('vevent')
    .map((v) => String(v.getFirstPropertyValue('uid')))
    .sort();
}

t.test('two instances built from the same file give the same iCal UIDs, the guids', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const all: string[][] = [];
  const root = t.testdir();
  for (let i = 0; i < 2; i++) {
    const b = await build(t, { dir: path.join(root, `instance-${i}`) });
    await importInto(b, readShared('c3voc-pretalx-democon.schedule.json'), 'application/json');
    const res = await b.app.inject({ method: 'GET', url: '/api/schedule.ics', headers: b.auth('kiosk') });
    t.equal(res.statusCode, 200);
    all.push(uids(res.body));
  }
  t.equal(all[0]?.length, 36);
  t.same(all[0], all[1]);
  const source = JSON.parse(readShared('c3voc-pretalx-democon.schedule.json').toString('utf8')) as ScheduleJson;
  t.same(all[0], events(source).map((e) => e.guid).sort(), 'UID = guid');
});

const pentabarf = (): Buffer => readFileSync(path.resolve('test/fixtures/schedules/pentabarf-no-guid.schedule.xml'));

t.test('?timeZone= reads a zone-less file in that zone, whatever the service zone', async (t) => {
  const b = await build(t, { env: { EVENTDAY_TIMEZONE: 'Europe/London' } });
  const res = await importInto(b, pentabarf(), 'application/xml', '?timeZone=Europe/Brussels');
  t.equal(res.statusCode, 200);
  const warnings = (res.json() as { warnings: { code: string; detail: string }[] }).warnings;
  t.match(warnings.find((w) => w.code === 'no_time_zone')?.detail, /Europe\/Brussels/, 'the warning names the zone used');
  const sessions = (await b.app.inject({ method: 'GET', url: '/api/sessions', headers: b.auth('admin') })).json() as { title: string; startsAt: string }[];
  t.equal(sessions.find((s) => s.title === 'Late keynote')?.startsAt, '2024-02-03T21:00:00Z', '22:00 in Brussels, not in London');
  const doc = await exportJson(b);
  t.equal(doc.schedule.conference.time_zone_name, 'Europe/Brussels', 'exported in the programme zone');

  const plain = await build(t, { dir: path.join(b.dir, 'plain'), env: { EVENTDAY_TIMEZONE: 'Europe/London' } });
  await importInto(plain, pentabarf(), 'application/xml');
  const london = (await plain.app.inject({ method: 'GET', url: '/api/sessions', headers: plain.auth('admin') })).json() as { title: string; startsAt: string }[];
  t.equal(london.find((s) => s.title === 'Late keynote')?.startsAt, '2024-02-03T22:00:00Z', 'without it, the service zone');
});

t.test('?timeZone= is ignored with a warning when the file names its own zone; an unknown zone is refused', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const b = await build(t);
  const res = await importInto(b, readShared('c3voc-frab-camp2019.schedule.json'), 'application/json', '?timeZone=Asia/Tokyo');
  t.equal(res.statusCode, 200);
  const warning = (res.json() as { warnings: { code: string; detail: string }[] }).warnings.find((w) => w.code === 'time_zone_ignored');
  t.match(warning?.detail, /Europe\/Berlin.*Asia\/Tokyo/);
  t.equal((await exportJson(b)).schedule.conference.time_zone_name, 'Europe/Berlin');

  const bad = await importInto(b, readShared('c3voc-frab-camp2019.schedule.json'), 'application/json', '?timeZone=Mars/Olympus');
  t.equal(bad.statusCode, 400);
});

t.test('a session created here keeps its guid through an export and re-import', async (t) => {
  const b = await build(t);
  await importInto(b, pentabarf(), 'application/xml', '?timeZone=Europe/Brussels');
  const room = ((await b.app.inject({ method: 'GET', url: '/api/rooms', headers: b.auth('admin') })).json() as { id: string }[])[0]!;
  const created = await b.app.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: b.auth('admin'),
    payload: { title: 'Added here', roomId: room.id, startsAt: '2024-02-04T15:00:00Z', endsAt: '2024-02-04T15:30:00Z' },
  });
  t.equal(created.statusCode, 201);
  const first = await exportJson(b);
  const again = await importInto(b, JSON.stringify(first), 'application/json');
  t.same((again.json() as { sessions: unknown }).sessions, { created: 0, updated: 0, cancelled: 0 });
  t.same(events(await exportJson(b)).map((e) => e.guid), events(first).map((e) => e.guid));
});
