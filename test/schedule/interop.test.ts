// Real exports through the HTTP import: every event at its absolute time, in its room, once; re-import no-op; export → import round trip; c3voc schema.
import t from 'tap';
import path from 'node:path';
import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { build, storeSql } from '../helper.js';
import { c3vocValidator, haveSharedSchedules, readShared, schemaErrors } from '../interop/c3voc.js';

interface Expected {
  key: string;
  room: string;
  startsAt: number;
  endsAt: number;
}

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef' };

function durationMs(d: string): number {
  const parts = d.split(':').map(Number);
  const [h = 0, m = 0, s = 0] = parts;
  return ((h * 60 + m) * 60 + s) * 1000;
}

type Json = Record<string, unknown>;
const asList = (x: unknown): Json[] => (x === undefined ? [] : Array.isArray(x) ? (x as Json[]) : [x as Json]);

/** What the file says, read without the importer: each event's absolute `date`, its duration, and the room it is listed under. */
function expectedFromJson(raw: string): Expected[] {
  const doc = JSON.parse(raw) as { schedule: { conference: { days: { rooms: Record<string, Json[]> }[] } } };
  const out: Expected[] = [];
  for (const day of doc.schedule.conference.days) {
    for (const [room, events] of Object.entries(day.rooms)) {
      for (const e of events) {
        const start = Date.parse(e['date'] as string);
        out.push({ key: `guid:${(e['guid'] as string).toLowerCase()}`, room, startsAt: start, endsAt: start + durationMs(e['duration'] as string) });
      }
    }
  }
  return out;
}

function expectedFromXml(raw: string): Expected[] {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false }).parse(raw) as { schedule: { day: Json[] } };
  const out: Expected[] = [];
  for (const day of asList(doc.schedule.day)) {
    for (const room of asList(day['room'])) {
      for (const e of asList(room['event'])) {
        const start = Date.parse(e['date'] as string);
        out.push({ key: `guid:${(e['@_guid'] as string).toLowerCase()}`, room: room['@_name'] as string, startsAt: start, endsAt: start + durationMs(e['duration'] as string) });
      }
    }
  }
  return out;
}

interface Programme {
  title: string;
  room: string;
  startsAt: number;
  endsAt: number;
  status: string;
}

async function programme(app: FastifyInstance): Promise<Programme[]> {
  const rows = await storeSql(app).all<Programme>(
    `SELECT s.title, r.name AS room, s.starts_at AS "startsAt", s.ends_at AS "endsAt", s.status
     FROM sessions s JOIN rooms r ON r.id = s.room_id ORDER BY s.starts_at, r.name, s.title`,
  );
  return rows.map((p) => ({ ...p, status: p.status === 'cancelled' ? 'cancelled' : 'on' }));
}

const head = async (app: FastifyInstance): Promise<number> => (await storeSql(app).get<{ s: number }>('SELECT coalesce(max(seq), 0) AS s FROM events'))!.s;

const files: [string, 'application/json' | 'application/xml', (raw: string) => Expected[]][] = [
  ['c3voc-frab-camp2019.schedule.json', 'application/json', expectedFromJson],
  ['c3voc-pretalx-democon.schedule.json', 'application/json', expectedFromJson],
  ['c3voc-pretalx-rc3.schedule.json', 'application/json', expectedFromJson],
  ['debconf23-wafer.schedule.xml', 'application/xml', expectedFromXml],
];

async function importVia(app: FastifyInstance, body: string, type: string) {
  return app.inject({ method: 'POST', url: '/api/schedule/import', headers: { ...ADMIN, 'content-type': type }, payload: body });
}

for (const [file, type, expectedOf] of files) {
  t.test(file, async (t: Test) => {
    if (!haveSharedSchedules(t)) return;
    const raw = readShared(file).toString('utf8');
    const expected = expectedOf(raw);
    const { app, dir } = await build(t);
    const res = await importVia(app, raw, type);
    t.equal(res.statusCode, 200, res.body.slice(0, 300));
    t.equal(res.json().sessions.created, expected.length, `${expected.length} events created`);

    const rows = await storeSql(app).all<Expected>(
      'SELECT s.external_key AS key, r.name AS room, s.starts_at AS "startsAt", s.ends_at AS "endsAt" FROM sessions s JOIN rooms r ON r.id = s.room_id',
    );
    const byKey = new Map<string, Expected[]>();
    for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    let exact = 0;
    for (const e of expected) {
      const found = byKey.get(e.key) ?? [];
      if (found.length === 1 && found[0]!.startsAt === e.startsAt && found[0]!.endsAt === e.endsAt && found[0]!.room === e.room) exact += 1;
      else t.fail(`${e.key}: expected once at ${new Date(e.startsAt).toISOString()} in ${e.room}, found ${JSON.stringify(found)}`);
    }
    t.equal(exact, expected.length, 'every event at its absolute time, in its room, exactly once');
    t.equal(rows.length, expected.length, 'and nothing else');

    const seq = await head(app);
    const again = await importVia(app, raw, type);
    t.same(again.json().sessions, { created: 0, updated: 0, cancelled: 0 }, 're-import: nothing');
    t.same(again.json().rooms, { created: 0, updated: 0 });
    t.equal(await head(app), seq, 're-import: no event');

    // Floor changes go into the export: a delay and a cancellation.
    const sessions = (await app.inject({ method: 'GET', url: '/api/sessions', headers: ADMIN })).json() as { id: string; version: number }[];
    await app.inject({ method: 'PATCH', url: `/api/sessions/${sessions[0]!.id}`, headers: ADMIN, payload: { version: sessions[0]!.version, delayMinutes: 15 } });
    await app.inject({ method: 'PATCH', url: `/api/sessions/${sessions[1]!.id}`, headers: ADMIN, payload: { version: sessions[1]!.version, status: 'cancelled' } });

    const exported = await app.inject({ method: 'GET', url: '/api/schedule.json', headers: ADMIN });
    t.equal(exported.statusCode, 200);
    t.match(exported.headers['content-type'], /^application\/json/);
    const validate = c3vocValidator();
    t.ok(validate(exported.json()), `export validates against the c3voc schema: ${schemaErrors(validate).slice(0, 5).join('; ')}`);

    const ics = await app.inject({ method: 'GET', url: '/api/schedule.ics', headers: ADMIN });
    t.equal(ics.statusCode, 200);
    t.match(ics.headers['content-type'], /^text\/calendar/);
    t.equal(ics.body.match(/BEGIN:VEVENT/g)?.length, expected.length, 'one VEVENT per session');
    t.equal(ics.body.match(/STATUS:CANCELLED/g)?.length, 1);

    // An independent instance: a folder of its own (on PostgreSQL, apps on one folder share a schema).
    const fresh = await build(t, { dir: path.join(dir, 'fresh') });
    const round = await importVia(fresh.app, exported.body, 'application/json');
    t.equal(round.statusCode, 200, round.body.slice(0, 300));
    t.equal((await programme(fresh.app)).length, expected.length, 'as many sessions');
    const live = await storeSql(app).all<Programme>(
      `SELECT s.title, r.name AS room, s.starts_at + s.delay_minutes * 60000 AS "startsAt", s.ends_at + s.delay_minutes * 60000 AS "endsAt",
              CASE s.status WHEN 'cancelled' THEN 'cancelled' ELSE 'on' END AS status
       FROM sessions s JOIN rooms r ON r.id = s.room_id ORDER BY 3, 2, 1`,
    );
    t.same(await programme(fresh.app), live, 'export → import gives the same programme (delays applied, cancellation kept)');
  });
}
