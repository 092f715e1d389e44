// Wall-clock/UTC conversion with Intl across DST edges, and the date, time and duration parsing used by the schedule importer.
import t from 'tap';
import fc from '../property.js';
import {
  formatDuration,
  formatLocalIso,
  normalizeTimeZone,
  offsetMinutesAt,
  parseDate,
  parseDateTime,
  parseDurationMs,
  parseInstant,
  parseTimeOfDay,
  toWallClock,
  wallClockToUtc,
} from '../../src/core/time.js';
import type { Zone } from '../../src/core/time.js';

const iana = (name: string): Zone => ({ kind: 'iana', name });
const wall = (s: string) => {
  const parsed = parseDateTime(s);
  if (!parsed) throw new Error(`bad test time ${s}`);
  return parsed.wall;
};
const iso = (ms: number) => new Date(ms).toISOString();

t.test('wall clock to UTC in ordinary times', async (t) => {
  t.equal(iso(wallClockToUtc(iana('Europe/Berlin'), wall('2019-08-21T11:00:00'))), '2019-08-21T09:00:00.000Z');
  t.equal(iso(wallClockToUtc(iana('Europe/Amsterdam'), wall('2026-02-15T09:30:00'))), '2026-02-15T08:30:00.000Z');
  t.equal(iso(wallClockToUtc(iana('Asia/Kolkata'), wall('2023-09-10T10:30:00'))), '2023-09-10T05:00:00.000Z');
  t.equal(iso(wallClockToUtc(iana('America/St_Johns'), wall('2024-01-10T12:00:00'))), '2024-01-10T15:30:00.000Z');
  t.equal(iso(wallClockToUtc(iana('UTC'), wall('2024-01-10T12:00:00'))), '2024-01-10T12:00:00.000Z');
  t.equal(iso(wallClockToUtc({ kind: 'offset', minutes: 330 }, wall('2023-09-10T10:30:00'))), '2023-09-10T05:00:00.000Z');
});

t.test('DST gaps move forward, DST overlaps take the earlier instant', async (t) => {
  // 2024-03-31 02:30 does not exist in Berlin (clocks jump 02:00 → 03:00).
  t.equal(iso(wallClockToUtc(iana('Europe/Berlin'), wall('2024-03-31T02:30:00'))), '2024-03-31T01:30:00.000Z');
  t.equal(formatLocalIso(Date.parse('2024-03-31T01:30:00Z'), iana('Europe/Berlin')), '2024-03-31T03:30:00+02:00');
  // 2024-10-27 02:30 happens twice in Berlin; the first is still summer time.
  t.equal(iso(wallClockToUtc(iana('Europe/Berlin'), wall('2024-10-27T02:30:00'))), '2024-10-27T00:30:00.000Z');
  t.equal(iso(wallClockToUtc(iana('Europe/Berlin'), wall('2024-10-27T03:30:00'))), '2024-10-27T02:30:00.000Z');
  t.equal(iso(wallClockToUtc(iana('America/New_York'), wall('2024-03-10T02:15:00'))), '2024-03-10T07:15:00.000Z');
});

t.test('local ISO formatting and offsets', async (t) => {
  t.equal(formatLocalIso(Date.parse('2019-08-21T09:00:00Z'), iana('Europe/Berlin')), '2019-08-21T11:00:00+02:00');
  t.equal(formatLocalIso(Date.parse('2020-12-14T08:00:00Z'), iana('Europe/Berlin')), '2020-12-14T09:00:00+01:00');
  t.equal(formatLocalIso(Date.parse('2024-01-10T15:30:00Z'), iana('America/St_Johns')), '2024-01-10T12:00:00-03:30');
  t.equal(offsetMinutesAt(iana('Asia/Kolkata'), Date.parse('2023-09-10T05:00:00Z')), 330);
});

t.test('round trip through the wall clock for any instant and zone', async () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC'];
  fc.assert(
    fc.property(
      fc.integer({ min: Date.parse('1990-01-01T00:00:00Z') / 1000, max: Date.parse('2040-01-01T00:00:00Z') / 1000 }),
      fc.constantFrom(...zones),
      (seconds, name) => {
        const zone = iana(name);
        const instant = seconds * 1000;
        const local = toWallClock(instant, zone);
        // In an overlap the wall clock names two instants; both must show the same wall clock.
        const back = wallClockToUtc(zone, local);
        return JSON.stringify(toWallClock(back, zone)) === JSON.stringify(local) && back <= instant;
      },
    ),
    { numRuns: 400 },
  );
});

t.test('zone names', async (t) => {
  t.equal(normalizeTimeZone('Asia/Kolkata'), 'Asia/Kolkata', 'ICU would say Asia/Calcutta; the given name is kept');
  t.equal(normalizeTimeZone('europe/berlin'), 'Europe/Berlin');
  t.equal(normalizeTimeZone(' UTC '), 'UTC');
  t.equal(normalizeTimeZone('Mars/Olympus_Mons'), null);
  t.equal(normalizeTimeZone('+01:00'), null);
  t.equal(normalizeTimeZone(''), null);
});

t.test('ISO dates and times', async (t) => {
  t.equal(parseInstant('2020-12-14T09:00:00+01:00'), Date.parse('2020-12-14T08:00:00Z'));
  t.equal(parseInstant('2023-09-10T05:00:00+00:00'), Date.parse('2023-09-10T05:00:00Z'));
  t.equal(parseInstant('2023-09-10T05:00Z'), Date.parse('2023-09-10T05:00:00Z'));
  t.equal(parseInstant('2023-09-10 10:30:00.250+0530'), Date.parse('2023-09-10T05:00:00Z'));
  t.equal(parseInstant('2023-09-10T10:30:00'), null, 'no offset is no instant');
  t.equal(parseInstant('2023-02-30T10:30:00Z'), null);
  t.equal(parseInstant('yesterday'), null);
  t.same(parseDateTime('2023-09-10T10:30:00'), { wall: wall('2023-09-10T10:30:00'), offsetMinutes: null });
  t.same(parseDate('2024-02-29'), { year: 2024, month: 2, day: 29 });
  t.equal(parseDate('2023-02-29'), null);
  t.equal(parseTimeOfDay('09:05'), 9 * 3600 + 5 * 60);
  t.equal(parseTimeOfDay('9:05:30'), 9 * 3600 + 5 * 60 + 30);
  t.equal(parseTimeOfDay('24:00'), null);
});

t.test('durations', async (t) => {
  t.equal(parseDurationMs('00:45'), 45 * 60_000);
  t.equal(parseDurationMs('1:30'), 90 * 60_000);
  t.equal(parseDurationMs('01:00:00'), 60 * 60_000);
  t.equal(parseDurationMs('00:25:30'), 25.5 * 60_000);
  t.equal(parseDurationMs('26:00'), 26 * 3_600_000, 'frab writes multi-day sessions as hours');
  t.equal(parseDurationMs('PT1H30M'), 90 * 60_000);
  t.equal(parseDurationMs('P1DT2H'), 26 * 3_600_000);
  t.equal(parseDurationMs(45), 45 * 60_000);
  t.equal(parseDurationMs('45'), 45 * 60_000);
  t.equal(parseDurationMs('00:75'), null);
  t.equal(parseDurationMs('PT'), null);
  t.equal(parseDurationMs('soon'), null);
  t.equal(parseDurationMs(undefined), null);
  t.equal(parseDurationMs(-5), null);
  t.equal(formatDuration(90 * 60_000), '01:30');
  t.equal(formatDuration(26 * 3_600_000), '26:00');
});
