// iCalendar export: one VEVENT per session with a stable UID, SEQUENCE from the version, cancellations and UTC times.
import t from 'tap';
import { toICalendar } from '../../src/interop/ical.js';
import { sessionGuid } from '../../src/interop/uuid.js';
import type { ExportInput, ExportSession } from '../../src/interop/schedule-export.js';

function session(id: string, extra: Partial<ExportSession> = {}): ExportSession {
  return {
    id,
    title: `Session ${id}`,
    theme: null,
    type: 'panel',
    startsAt: '2026-02-15T08:30:00Z',
    endsAt: '2026-02-15T09:15:00Z',
    roomId: 'r-plenary',
    speakers: [],
    status: 'scheduled',
    delayMinutes: 0,
    changeNote: null,
    version: 1,
    ...extra,
  };
}

const input: ExportInput = {
  event: { name: 'Responsible AI Summit', timeZone: 'Europe/Amsterdam' },
  rooms: [
    { id: 'r-plenary', name: 'Plenary Hall' },
    { id: 'r-a', name: 'Room A, east wing; floor 2' },
  ],
  sessions: [
    session('s-2', { title: 'Panel', roomId: 'r-a', startsAt: '2026-02-15T10:15:00Z', endsAt: '2026-02-15T11:15:00Z', delayMinutes: 15, changeNote: 'Traffic', version: 4 }),
    session('s-1', { title: 'Opening', speakers: ['Minister A', 'Dr. B'], description: 'Welcome.', version: 3 }),
    session('s-3', { title: 'Closed-door session', type: 'closed', status: 'cancelled', changeNote: 'Postponed', version: 2 }),
  ],
};

const now = new Date('2026-02-01T12:00:00Z');

/** The VEVENTs as property maps, after unfolding continuation lines (RFC 5545 §3.1). */
function vevents(ics: string): Map<string, string>[] {
  const lines = ics.replace(/\r\n[ \t]/g, '').split('\r\n');
  const out: Map<string, string>[] = [];
  let current: Map<string, string> | null = null;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') current = new Map();
    else if (line === 'END:VEVENT' && current) {
      out.push(current);
      current = null;
    } else if (current) {
      const colon = line.indexOf(':');
      current.set(line.slice(0, colon), line.slice(colon + 1));
    }
  }
  return out;
}

t.test('one VEVENT per session with stable identity and UTC times', async (t) => {
  const ics = toICalendar(input, { now });
  t.match(ics, /^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\nPRODID:-\/\/eventday\/\/eventday\/\/EN\r\n/);
  t.match(ics, /X-WR-CALNAME:Responsible AI Summit\r\n/);
  t.match(ics, /REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n/);
  const events = vevents(ics);
  t.equal(events.length, 3);
  t.same(events.map((e) => e.get('UID')), ['s-1', 's-3', 's-2'].map(sessionGuid), 'sorted by start; UID is the guid');

  const [opening, closed, panel] = events;
  t.equal(opening?.get('DTSTART'), '20260215T083000Z');
  t.equal(opening?.get('DTEND'), '20260215T091500Z');
  t.equal(opening?.get('DTSTAMP'), '20260201T120000Z');
  t.equal(opening?.get('SEQUENCE'), '3');
  t.equal(opening?.get('SUMMARY'), 'Opening');
  t.equal(opening?.get('LOCATION'), 'Plenary Hall');
  t.equal(opening?.get('STATUS'), 'CONFIRMED');
  t.equal(opening?.get('CATEGORIES'), 'panel');
  t.equal(opening?.get('DESCRIPTION'), 'Speakers: Minister A\\, Dr. B\\n\\nWelcome.');

  t.equal(closed?.get('STATUS'), 'CANCELLED');
  t.equal(closed?.get('SUMMARY'), 'CANCELLED: Closed-door session');
  t.equal(closed?.get('SEQUENCE'), '2');
  t.equal(closed?.get('DESCRIPTION'), 'Postponed');

  t.equal(panel?.get('LOCATION'), 'Room A\\, east wing\\; floor 2', 'text is escaped');
  t.equal(panel?.get('SEQUENCE'), '4');
  t.equal(panel?.get('DTSTART'), '20260215T101500Z', 'the given, already delayed, time');
  t.equal(panel?.get('DESCRIPTION'), 'Delayed by 15 min.\\n\\nTraffic');
  t.notMatch(ics, /DTSTART;TZID/, 'no floating or zoned times');
});

t.test('same input and clock give the same bytes; a change bumps only what changed', async (t) => {
  t.equal(toICalendar(input, { now }), toICalendar(input, { now }));
  const moved = toICalendar(
    { ...input, sessions: input.sessions.map((s) => (s.id === 's-1' ? { ...s, startsAt: '2026-02-15T08:45:00Z', version: 4 } : s)) },
    { now },
  );
  const opening = vevents(moved).find((e) => e.get('UID') === sessionGuid('s-1'));
  t.equal(opening?.get('SEQUENCE'), '4');
  t.equal(opening?.get('DTSTART'), '20260215T084500Z');
});

t.test('long lines are folded at 75 octets', async (t) => {
  const ics = toICalendar({ ...input, sessions: [session('long', { title: 'Ω'.repeat(100) })] }, { now });
  for (const line of ics.split('\r\n')) t.ok(Buffer.byteLength(line) <= 75, `${line.slice(0, 20)}…`);
  t.equal(vevents(ics)[0]?.get('SUMMARY'), 'Ω'.repeat(100));
});

t.test('an empty programme is an empty calendar', async (t) => {
  const ics = toICalendar({ ...input, sessions: [] }, { now });
  t.equal(vevents(ics).length, 0);
  t.match(ics, /END:VCALENDAR$/);
});
