// A big programme is applied in parts: other requests are served between them, admins get import.progress, the same file twice is a no-op, and a failed import is completed by sending the file again.
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { build, testClock, storeSql } from '../helper.js';
import { generateProgramme, scheduleJson } from './programme.js';

const ADMIN = 'Bearer test-admin-token-0123456789abcdef';
const TOTAL = 4000;
const head = async (app: FastifyInstance): Promise<number> => (await storeSql(app).get<{ s: number }>('SELECT coalesce(max(seq), 0) AS s FROM events'))!.s;
const count = async (app: FastifyInstance, sql: string, ...params: unknown[]): Promise<number> => (await storeSql(app).get<{ n: number }>(sql, ...params))!.n;
const events = (app: FastifyInstance, name: string, since = 0): Promise<number> => count(app, 'SELECT count(*) AS n FROM events WHERE name = ? AND seq > ?', name, since);

interface Progress {
  importId: string;
  kind: string;
  done: number;
  total: number;
}

async function progressSince(app: FastifyInstance, since: number): Promise<Progress[]> {
  const rows = await storeSql(app).all<{ p: string }>("SELECT payload AS p FROM events WHERE name = 'import.progress' AND seq > ? ORDER BY seq", since);
  return rows.map((r) => JSON.parse(r.p) as Progress);
}

function importFile(app: FastifyInstance, body: string, query = '') {
  return app.inject({ method: 'POST', url: `/api/schedule/import${query}`, headers: { authorization: ADMIN, 'content-type': 'application/json' }, payload: body });
}

async function setup(t: Test) {
  return build(t, { deps: { clock: testClock(Date.parse('2026-02-01T00:00:00Z')) } });
}

t.test('a request sent once the first parts are in is answered before the import; progress follows the parts; the same file again is a no-op', async (t) => {
  const { app } = await setup(t);
  const file = scheduleJson(generateProgramme(TOTAL, { rooms: 20, days: 2 }));
  const seq = await head(app);
  let answered = false;
  const importing = importFile(app, file).then((res) => {
    answered = true;
    return res;
  });
  // Turn by turn until a part that leaves sessions to do has committed.
  while (!answered && !(await progressSince(app, seq)).some((p) => p.done < p.total)) await new Promise((resolve) => setImmediate(resolve));
  t.notOk(answered, 'a part was committed before the import answered');
  const visible = await count(app, 'SELECT count(*) AS n FROM sessions');
  t.ok(visible > 0 && visible < TOTAL, `the release lands part by part (${visible} of ${TOTAL} sessions in)`);
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200);
  t.notOk(answered, 'the health check was answered between parts, before the import');

  const res = await importing;
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  t.match(res.json(), { rooms: { created: 20, updated: 0 }, sessions: { created: TOTAL, updated: 0, cancelled: 0 } });
  t.same(Object.keys(res.json()).sort(), ['rooms', 'sessions', 'warnings'], 'the answer is as before');
  t.equal(await count(app, 'SELECT count(*) AS n FROM sessions'), TOTAL);
  t.equal(await events(app, 'session.created', seq), TOTAL, 'one event per session, no more');
  t.equal(await events(app, 'room.created', seq), 20);

  const progress = await progressSince(app, seq);
  t.ok(progress.length >= 2, `${progress.length} progress events`);
  t.ok(progress.every((p) => p.kind === 'schedule' && p.total === TOTAL && p.importId === progress[0]!.importId), 'one import, its kind and total');
  t.ok(progress.every((p, i) => i === 0 || p.done > progress[i - 1]!.done), 'done grows with each part');
  t.equal(progress.at(-1)!.done, TOTAL);
  const seqs = await storeSql(app).all<{ seq: number }>('SELECT seq FROM events WHERE seq > ? ORDER BY seq', seq);
  t.same(
    seqs.map((r) => r.seq),
    seqs.map((_, i) => seq + 1 + i),
    'the event log has no gap',
  );

  const after = await head(app);
  const again = await importFile(app, file);
  t.equal(again.statusCode, 200);
  t.same(again.json().rooms, { created: 0, updated: 0 });
  t.same(again.json().sessions, { created: 0, updated: 0, cancelled: 0 });
  t.equal(await head(app), after, 'the same file again emits nothing, not even progress');
});

t.test('a newer big release: changes and cancellations across parts, each one event; an edit made meanwhile is kept', async (t) => {
  const { app, auth } = await setup(t);
  const programme = generateProgramme(TOTAL, { rooms: 20, days: 2 });
  t.equal((await importFile(app, scheduleJson(programme))).statusCode, 200);
  const seq = await head(app);
  // The release drops the last 500 sessions and renames every tenth of the rest.
  const release = programme.slice(0, TOTAL - 500).map((e, i) => (i % 10 === 0 ? { ...e, title: `${e.title} (new title)` } : e));
  const renamed = new Set(release.filter((e) => e.title.endsWith('(new title)')).map((e) => e.guid));
  // The renamed session the import reaches last (it applies the file's sessions in file order).
  const lastRenamed = release.findLast((e) => renamed.has(e.guid))!;
  const target = (await storeSql(app).get<{ id: string }>('SELECT session_id AS id FROM session_sources WHERE guid = ?', lastRenamed.guid))!;
  let answered = false;
  const importing = importFile(app, scheduleJson(release)).then((r) => {
    answered = true;
    return r;
  });
  while (!answered && !(await progressSince(app, seq)).some((p) => p.done < p.total)) await new Promise((resolve) => setImmediate(resolve));
  // Floor staff delay a session the import has not reached yet.
  const patched = await app.inject({ method: 'PATCH', url: `/api/sessions/${target.id}`, headers: auth('ops'), payload: { version: 1, delayMinutes: 10 } });
  t.equal(patched.statusCode, 200, patched.body);
  t.notOk(answered, 'the edit was made while the import ran');
  const res = await importing;
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const edited = (await app.inject({ method: 'GET', url: `/api/sessions/${target.id}`, headers: auth('ops') })).json() as { title: string; delayMinutes: number; version: number };
  t.match(edited, { title: /\(new title\)$/, delayMinutes: 10, version: 3 }, 'the import changed the session as it was after the edit: the delay stays');
  t.match(res.json(), { rooms: { created: 0 }, sessions: { created: 0, updated: (TOTAL - 500) / 10, cancelled: 500 } });
  t.equal(await events(app, 'session.updated', seq), (TOTAL - 500) / 10 + 500 + 1, 'one event per change (and the edit)');
  t.equal(await count(app, "SELECT count(*) AS n FROM sessions WHERE status = 'cancelled'"), 500);
  const changes = (await app.inject({ method: 'GET', url: `/api/schedule/changes?since=${seq}&limit=5000`, headers: auth('kiosk') })).json() as { kinds: string[] }[];
  const kinds = new Map<string, number>();
  for (const c of changes) kinds.set(c.kinds.join('+'), (kinds.get(c.kinds.join('+')) ?? 0) + 1);
  t.same(Object.fromEntries(kinds), { renamed: (TOTAL - 500) / 10, cancelled: 500, delayed: 1 });

  const seq2 = await head(app);
  t.same((await importFile(app, scheduleJson(release))).json().sessions, { created: 0, updated: 0, cancelled: 0 }, 'the newer release twice: nothing');
  t.equal(await head(app), seq2);
});

t.test('an import that fails in a later part says how far it got; sending the same file again completes it, each session once', async (t) => {
  const { app } = await setup(t);
  const file = scheduleJson(generateProgramme(TOTAL, { rooms: 20, days: 2 }));
  const sessions = app.services.sessions as unknown as { insertIn: (...args: unknown[]) => unknown };
  const original = sessions.insertIn.bind(sessions);
  let calls = 0;
  sessions.insertIn = (...args: unknown[]) => {
    calls += 1;
    if (calls === 3000) throw new Error('disk full');
    return original(...args);
  };
  const failed = await importFile(app, file);
  sessions.insertIn = original;
  t.equal(failed.statusCode, 500);
  const problem = failed.json() as { code: string; detail: string; done: number; total: number };
  t.equal(problem.code, 'import_incomplete');
  t.match(problem.detail, /send the same file again/);
  t.equal(problem.total, TOTAL);
  t.ok(problem.done > 0 && problem.done < 3000, `stopped after ${problem.done} sessions`);
  t.equal(await count(app, 'SELECT count(*) AS n FROM sessions'), problem.done, 'the parts before the failure are applied, the failed part is not');
  t.equal(await events(app, 'session.created'), problem.done, 'and only their events');

  const again = await importFile(app, file);
  t.equal(again.statusCode, 200, again.body.slice(0, 300));
  t.match(again.json(), { rooms: { created: 0 }, sessions: { created: TOTAL - problem.done, updated: 0, cancelled: 0 } }, 'only the rest is created');
  t.equal(await count(app, 'SELECT count(*) AS n FROM sessions'), TOTAL, 'every session once');
  t.equal(await count(app, 'SELECT count(DISTINCT external_key) AS n FROM sessions'), TOTAL);
  t.equal(await count(app, 'SELECT count(*) AS n FROM session_sources'), TOTAL, 'each with its source');
  t.equal(await events(app, 'session.created'), TOTAL, 'one session.created per session over both tries');
  t.equal((await storeSql(app).get<{ name: string }>('SELECT name FROM event_settings'))!.name, 'Generated Conference', 'the settings follow once complete');

  const seq = await head(app);
  t.same((await importFile(app, file)).json().sessions, { created: 0, updated: 0, cancelled: 0 }, 'a third time: nothing');
  t.equal(await head(app), seq);
});

