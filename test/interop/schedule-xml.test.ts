// schedule.xml: every real fixture imported over HTTP and exported as XML validates against the c3voc XSD (xmllint); zone name; conference days.
import t from 'tap';
import type { Test } from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { build } from '../helper.js';
import { haveSharedSchedules, readShared, sharedSchedules } from './c3voc.js';

const run = promisify(execFile);
const XSD = path.join(sharedSchedules, 'schema', 'c3voc-schedule.xml.xsd');

type Json = Record<string, unknown>;
const asList = (x: unknown): Json[] => (x === undefined ? [] : Array.isArray(x) ? (x as Json[]) : [x as Json]);

/** `dir`: a folder of its own for a second app in one test (on PostgreSQL, apps on one folder share a schema). */
async function exportedXml(t: Test, file: string, body: Buffer = readShared(file), dir?: string): Promise<string> {
  const { app, auth } = await build(t, { dir });
  const type = file.endsWith('.xml') ? 'application/xml' : 'application/json';
  const imported = await app.inject({ method: 'POST', url: '/api/schedule/import', headers: { ...auth('admin'), 'content-type': type }, payload: body });
  t.equal(imported.statusCode, 200, `${file} imports`);
  const res = await app.inject({ method: 'GET', url: '/api/schedule.xml', headers: auth('kiosk') });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/xml; charset=utf-8/);
  return res.body;
}

/** xmllint's verdict on the document: exit code 0 and "validates" on stderr, or its complaints. */
async function xsdErrors(t: Test, xml: string): Promise<string> {
  const file = path.join(t.testdir(), 'schedule.xml');
  writeFileSync(file, xml);
  try {
    const { stderr } = await run('/usr/bin/xmllint', ['--noout', '--schema', XSD, file]);
    return stderr.includes('validates') ? '' : stderr;
  } catch (err) {
    return (err as { stderr?: string }).stderr ?? String(err);
  }
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, parseAttributeValue: false });

function eventsByDay(xml: string): Map<string, { day: string; date: string; start: string; slug?: string }> {
  const doc = parser.parse(xml) as { schedule: { day: unknown } };
  const out = new Map<string, { day: string; date: string; start: string }>();
  for (const day of asList(doc.schedule.day)) {
    for (const room of asList(day['room'])) {
      for (const e of asList(room['event'])) out.set(e['@_guid'] as string, { day: day['@_date'] as string, date: e['date'] as string, start: e['start'] as string });
    }
  }
  return out;
}

t.test('every real fixture, imported and exported as schedule.xml, validates against the c3voc XSD', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const files = readdirSync(sharedSchedules).filter((f) => /\.(json|xml)$/.test(f));
  t.ok(files.length >= 4, 'the four real files are there');
  for (const file of files) {
    await t.test(file, async (t) => {
      const xml = await exportedXml(t, file);
      t.equal(await xsdErrors(t, xml), '', `${file}: xmllint finds nothing`);
    });
  }
});

t.test('xmllint is a real check: a broken export fails it', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const xml = await exportedXml(t, 'debconf23-wafer.schedule.xml');
  t.match(await xsdErrors(t, xml.replace(/guid="[0-9a-f-]+"/, 'guid="not-a-uuid"')), /guid/);
  t.match(await xsdErrors(t, xml.replace('</conference>', '<day_change>03:00</day_change></conference>')), /day_change/, 'the XSD has no day_change');
});

t.test('the conference zone is named and after-midnight sessions stay on their conference day', async (t) => {
  if (!haveSharedSchedules(t)) return;
  const debconf = await exportedXml(t, 'debconf23-wafer.schedule.xml');
  t.match(debconf, /<time_zone_name>Asia\/Kolkata<\/time_zone_name>/);
  const dc = parser.parse(debconf) as { schedule: { day: Json[]; conference: Json } };
  t.equal(dc.schedule.conference['start'], '2023-09-10', 'the UTC-dated evening before is not a day of its own');
  t.equal(dc.schedule.day[0]?.['@_start'], '2023-09-10T03:00:00+05:30', 'days turn at the 03:00 day change the file implies');

  const camp = await exportedXml(t, 'c3voc-frab-camp2019.schedule.json', undefined, path.join(t.testdirName, 'camp2019'));
  t.match(camp, /<time_zone_name>Europe\/Berlin<\/time_zone_name>/);
  const source = JSON.parse(readShared('c3voc-frab-camp2019.schedule.json').toString('utf8')) as {
    schedule: { conference: { days: { date: string; rooms: Record<string, { guid: string; start: string }[]> }[] } };
  };
  const exported = eventsByDay(camp);
  for (const day of source.schedule.conference.days) {
    for (const events of Object.values(day.rooms)) {
      for (const e of events) {
        const got = exported.get(e.guid);
        t.ok(got, `${e.guid} exported`);
        t.equal(got?.day, day.date, `${e.guid} at ${e.start} stays on ${day.date}`);
      }
    }
  }
  const first = (parser.parse(camp) as { schedule: { day: Json[] } }).schedule.day[0];
  t.equal(first?.['@_start'], '2019-08-21T04:00:00+02:00');
  t.equal(first?.['@_end'], '2019-08-22T03:59:59+02:00');
});

t.test('a session at 01:30, before the 03:00 day change, is on the day before in its zone', async (t) => {
  const file = 'wafer-utc-days.schedule.xml';
  const xml = await exportedXml(t, file, readFileSync(path.resolve('test/fixtures/schedules', file)));
  if (haveSharedSchedules(t)) t.equal(await xsdErrors(t, xml), '');
  const late = eventsByDay(xml).get('92d4d8e8-cc40-4a2d-5127-d6ccca0661a0');
  t.same(late, { day: '2023-09-10', date: '2023-09-11T01:30:00+05:30', start: '01:30' }, 'listed on the 10th, dated the 11th at 01:30');
});
