// A big attendee CSV: validated whole in a worker (a refused file writes nothing), errors capped, applied in parts with progress events, other requests served in between, and completed by sending it again.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { build, listen, liveClient, type Built, storeSql } from '../helper.js';

const HEADER = 'name,organization,category,delegation,email,flags,externalId';
const count = async (app: FastifyInstance, table: string): Promise<number> => (await storeSql(app).get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n;
const head = async (app: FastifyInstance): Promise<number> => (await storeSql(app).get<{ s: number }>('SELECT coalesce(max(seq), 0) AS s FROM events'))!.s;

function rows(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return `Person ${i},Org ${i % 7},government,NL,person${i}@example.org,vip,ext-${i}`;
  });
}

function csv(lines: string[]): string {
  return `${[HEADER, ...lines].join('\n')}\n`;
}

function importCsv(built: Built, body: string | Buffer) {
  return built.app.inject({ method: 'POST', url: '/api/attendees/import', headers: { ...built.auth('admin'), 'content-type': 'text/csv' }, payload: body });
}

async function adminActor(app: FastifyInstance): Promise<{ deviceId: string; role: 'admin' }> {
  const admin = await storeSql(app).get<{ id: string }>("SELECT id FROM devices WHERE role = 'admin' LIMIT 1");
  return { deviceId: admin!.id, role: 'admin' };
}

t.test('a refused file writes nothing, however many good rows it has', async (t) => {
  const built = await build(t);
  const { app } = built;
  const seq = await head(app);
  const good = rows(2000);
  const cases: [string, string | Buffer, RegExp][] = [
    ['no required column', `${['name,organization,email', ...good.map((l) => l.split(',').slice(0, 3).join(','))].join('\n')}\n`, /lacks the required column/],
    ['not UTF-8', Buffer.concat([Buffer.from(csv(good)), Buffer.from([0xff, 0xfe, 0xfd])]), /not UTF-8/],
    ['a header naming a column twice', `${['name,category,name', ...good].join('\n')}\n`, /twice/],
  ];
  for (const [what, body, reason] of cases) {
    const res = await importCsv(built, body);
    t.equal(res.statusCode, 200, what);
    t.match(res.json(), { created: 0, updated: 0, errorCount: 1, errors: [{ line: 1, message: reason }] }, what);
  }
  t.equal(await count(app, 'attendees'), 0, 'no attendee');
  t.equal(await count(app, 'badges'), 0, 'no badge');
  t.same(await storeSql(app).all('SELECT name FROM events WHERE seq > ?', seq), [], 'no event');
});

t.test('errors are capped at the first 100, by line, with errorCount counting them all', async (t) => {
  const built = await build(t);
  const bad = Array.from({ length: 250 }, (_, i) => `Broken ${i},Org,astronaut,NL,broken${i}@example.org,,bad-${i}`);
  const noKey = Array.from({ length: 5 }, (_, i) => `Nobody ${i},Org,media,,,,`);
  const res = await importCsv(built, csv([...rows(10), ...bad, ...noKey]));
  t.equal(res.statusCode, 200);
  const body = res.json() as { created: number; updated: number; errors: { line: number; message: string }[]; errorCount: number };
  t.equal(body.created, 10, 'the good rows are imported');
  t.equal(body.errorCount, 255, 'every bad row counted, the ones without a key too');
  t.equal(body.errors.length, 100, 'the first 100 listed');
  t.same(body.errors.map((e) => e.line), Array.from({ length: 100 }, (_, i) => 12 + i), 'the first ones, in line order');
  t.match(body.errors[0]!.message, /category/);
  t.ok(res.body.length < 20_000, `a bounded answer (${res.body.length} bytes)`);
});

t.test('a big file is applied in parts: admins get import.progress, other roles do not, and the answer comes last', async (t) => {
  const built = await build(t);
  const { app, tokens } = built;
  const { ws } = await listen(app);
  const admin = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.admin}` } });
  const ops = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.ops}` } });
  const desk = liveClient(`${ws}/api/live`, { headers: { authorization: `Bearer ${tokens.desk}` } });
  await Promise.all([admin, ops, desk].map((c) => c.next((m) => m.type === 'snapshot')));

  const total = 3000;
  const res = await importCsv(built, csv(rows(total)));
  t.equal(res.statusCode, 200);
  t.match(res.json(), { created: total, updated: 0, errors: [], errorCount: 0 });
  const imported = await admin.next((m) => m.name === 'attendees.imported');
  t.match(imported.data, { created: total, updated: 0 });

  const progress = admin.messages.filter((m) => m.name === 'import.progress').map((m) => m.data as { importId: string; kind: string; done: number; total: number });
  t.ok(progress.length >= 2, `${progress.length} progress events`);
  t.same(Object.keys(progress[0]!).sort(), ['done', 'importId', 'kind', 'total']);
  t.ok(progress.every((p) => p.kind === 'attendees' && p.total === total && p.importId === progress[0]!.importId), 'one import, its kind and total');
  t.ok(progress.every((p, i) => i === 0 || p.done > progress[i - 1]!.done), 'done only grows');
  t.equal(progress.at(-1)!.done, total, 'the last part completes it');
  t.equal(await count(app, 'attendees'), total);
  t.equal(await count(app, 'badges'), total);
  await desk.next((m) => m.name === 'attendees.imported');
  t.notOk([...ops.messages, ...desk.messages].some((m) => m.name === 'import.progress'), 'progress is for admins only');

  const again = await importCsv(built, csv(rows(total)));
  t.match(again.json(), { created: 0, updated: 0, errorCount: 0 }, 'the same file again changes nothing');
  t.equal(await count(app, 'attendees'), total);
});

t.test('requests are served while an import runs: a read and a write sent after it started are answered before it', async (t) => {
  const built = await build(t);
  const { app } = built;
  const order: string[] = [];
  const importing = app.services.attendees.import(await adminActor(app), Buffer.from(csv(rows(3000)))).then((report) => {
    order.push('import');
    return report;
  });
  const [health, walkIn] = await Promise.all([
    app.inject({ method: 'GET', url: '/healthz' }).then((res) => {
      order.push('read');
      return res;
    }),
    app
      .inject({ method: 'POST', url: '/api/attendees', headers: built.auth('desk'), payload: { name: 'Walk In', organization: 'Org', category: 'media' } })
      .then((res) => {
        order.push('write');
        return res;
      }),
  ]);
  t.equal(health.statusCode, 200);
  t.equal(walkIn.statusCode, 201);
  t.equal((await importing).created, 3000);
  t.equal(order.at(-1), 'import', `the import answered last (${order.join(', ')})`);
  t.equal(await count(app, 'attendees'), 3001);
});

t.test('an import that fails half-way says how far it got; sending the same file again completes it, without duplicates', async (t) => {
  const built = await build(t);
  const { app } = built;
  const total = 3000;
  const file = csv(rows(total));
  const service = app.services.attendees as unknown as { createIn: (...args: unknown[]) => unknown };
  const original = service.createIn.bind(service);
  let calls = 0;
  service.createIn = (...args: unknown[]) => {
    calls += 1;
    if (calls === 1500) throw new Error('disk full');
    return original(...args);
  };
  const failed = await importCsv(built, file);
  service.createIn = original;
  t.equal(failed.statusCode, 500);
  const problem = failed.json() as { code: string; detail: string; done: number; total: number };
  t.equal(problem.code, 'import_incomplete');
  t.match(problem.detail, /send the same file again/);
  t.equal(problem.total, total);
  t.ok(problem.done > 0 && problem.done < total, `stopped after ${problem.done} rows`);
  t.equal(await count(app, 'attendees'), problem.done, 'the parts before the failure are applied, the failed part is not');

  const again = await importCsv(built, file);
  t.equal(again.statusCode, 200);
  t.match(again.json(), { created: total - problem.done, updated: 0, errorCount: 0 }, 'only the rest is created');
  t.equal(await count(app, 'attendees'), total, 'every row once');
  t.equal((await storeSql(app).get<{ n: number }>('SELECT count(DISTINCT external_id) AS n FROM attendees'))!.n, total);
});
