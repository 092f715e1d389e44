// Property: random edits to a programme, re-imported, come back from the change feed as exactly those edits, and a second import is silent.
import t from 'tap';
import fc from '../property.js';
import { build, testClock, storeSql } from '../helper.js';
import { scheduleJson, type ProgrammeEvent } from './programme.js';

const ROOMS = ['R1', 'R2', 'R3'];
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef' };
const START = Date.parse('2026-02-15T08:00:00Z');

const editArb = fc.record({
  move: fc.boolean(),
  shift: fc.constantFrom(0, 0, -30, -15, 15, 45),
  stretch: fc.constantFrom(0, 0, 15),
  rename: fc.boolean(),
  fate: fc.constantFrom('keep', 'keep', 'keep', 'remove', 'cancel'),
});

const caseArb = fc.record({
  edits: fc.array(editArb, { minLength: 1, maxLength: 12 }),
  added: fc.integer({ min: 0, max: 3 }),
});

t.test('the change feed after a re-import equals the edits made to the file', async (t) => {
  const clock = testClock(Date.parse('2026-02-01T00:00:00Z'));
  const { app } = await build(t, { deps: { clock } });
  const headSeq = async (): Promise<number> => (await storeSql(app).get<{ s: number }>('SELECT max(seq) AS s FROM events'))!.s;
  let run = 0;
  // Each run is a programme of its own (fresh guids): its first release replaces the last run's.
  const importFile = async (events: ProgrammeEvent[], replace = false) => {
    const res = await app.inject({ method: 'POST', url: `/api/schedule/import${replace ? '?replace=true' : ''}`, headers: { ...ADMIN, 'content-type': 'application/json' }, payload: scheduleJson(events) });
    if (res.statusCode !== 200) throw new Error(res.body);
    return res.json() as { sessions: { created: number; updated: number; cancelled: number } };
  };

  await fc.assert(
    fc.asyncProperty(caseArb, async ({ edits, added }) => {
      run += 1;
      const guid = (i: number): string => `run${run}-event${i}`;
      // An anchor that is never edited: a release without any event is refused, not read as "cancel everything".
      const anchor: ProgrammeEvent = { guid: guid(999), title: `Anchor ${run}`, room: ROOMS[0]!, start: START - 3_600_000, minutes: 30 };
      const base: ProgrammeEvent[] = edits.map((_, i) => ({
        guid: guid(i),
        title: `Talk ${run}.${i}`,
        room: ROOMS[i % ROOMS.length]!,
        start: START + i * 3_600_000,
        minutes: 45,
      }));
      base.push(anchor);
      await importFile(base, true);
      const seq = await headSeq();

      const expected = new Map<string, string[]>();
      const next: ProgrammeEvent[] = [anchor];
      edits.forEach((edit, i) => {
        const e = base[i]!;
        const key = `guid:${e.guid}`;
        if (edit.fate === 'remove') {
          expected.set(key, ['cancelled']);
          return;
        }
        const changed: ProgrammeEvent = {
          ...e,
          room: edit.move ? ROOMS[(i + 1) % ROOMS.length]! : e.room,
          start: e.start + edit.shift * 60_000,
          minutes: e.minutes + edit.stretch,
          title: edit.rename ? `${e.title} (revised)` : e.title,
          cancelled: edit.fate === 'cancel',
        };
        next.push(changed);
        const kinds = [
          ...(edit.fate === 'cancel' ? ['cancelled'] : []),
          ...(edit.move ? ['moved'] : []),
          ...(edit.shift !== 0 || edit.stretch !== 0 ? ['retimed'] : []),
          ...(edit.rename ? ['renamed'] : []),
        ];
        if (kinds.length > 0) expected.set(key, kinds);
      });
      for (let k = 0; k < added; k++) {
        const e: ProgrammeEvent = { guid: guid(1000 + k), title: `New ${run}.${k}`, room: ROOMS[k % ROOMS.length]!, start: START + k * 1_800_000, minutes: 30 };
        next.push(e);
        expected.set(`guid:${e.guid}`, ['added']);
      }

      const counts = await importFile(next);
      const feed = (await app.inject({ method: 'GET', url: `/api/schedule/changes?since=${seq}`, headers: ADMIN })).json() as { sessionId: string; kinds: string[] }[];
      const actual = new Map<string, string[]>();
      for (const c of feed) {
        const key = (await storeSql(app).get<{ k: string }>('SELECT external_key AS k FROM sessions WHERE id = ?', c.sessionId))!.k;
        if (actual.has(key)) throw new Error(`${key} changed twice in one import`);
        actual.set(key, c.kinds);
      }
      const sorted = (m: Map<string, string[]>): [string, string[]][] => [...m].sort(([a], [b]) => a.localeCompare(b));
      if (JSON.stringify(sorted(actual)) !== JSON.stringify(sorted(expected))) {
        throw new Error(`feed ${JSON.stringify(sorted(actual))} ≠ edits ${JSON.stringify(sorted(expected))}`);
      }
      const cancelledCount = [...expected.values()].filter((k) => k[0] === 'cancelled').length;
      if (counts.sessions.created !== added || counts.sessions.cancelled !== cancelledCount || counts.sessions.updated !== expected.size - added - cancelledCount) {
        throw new Error(`counts ${JSON.stringify(counts.sessions)} do not match the edits`);
      }

      const head = await headSeq();
      const again = await importFile(next);
      const silent = again.sessions.created + again.sessions.updated + again.sessions.cancelled === 0;
      const headAfter = await headSeq();
      return silent && headAfter === head;
    }),
    { numRuns: 40 },
  );
  t.pass(`${run} random releases re-imported; every change feed matched its edits`);
});
