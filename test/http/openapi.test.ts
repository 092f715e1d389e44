// The OpenAPI document: redocly lint with 0 errors, operationIds, problem+json errors, real status codes and content types, /api/live.
import t from 'tap';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from '../helper.js';

interface Response {
  $ref?: string;
  content?: Record<string, { schema?: Record<string, unknown> }>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, Response>;
  security?: unknown[];
}
type Doc = { paths: Record<string, Record<string, Operation>>; components: { responses: Record<string, Response> }; info: { description: string } };

const run = promisify(execFile);

t.test('redocly lint finds 0 errors in /docs/json', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const file = path.join(t.testdir(), 'openapi.json');
  writeFileSync(file, res.body);
  const bin = path.resolve('node_modules/.bin/redocly');
  // redocly exits 1 when it finds errors; its JSON report is on stdout either way.
  const out = await run(bin, ['lint', file, '--format=json', '--max-problems=10000'], {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stdout: string }) => ({ stdout: err.stdout }));
  const report = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as {
    totals: { errors: number; warnings: number };
    problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
  };
  const errors = report.problems.filter((p) => p.severity === 'error');
  t.equal(report.totals.errors, 0, errors.map((p) => `${p.ruleId} ${p.message} ${p.location[0]?.pointer}`).join('\n') || 'no errors');
  t.comment(`redocly lint: ${report.totals.errors} errors, ${report.totals.warnings} warnings`);
});

t.test('every operation: a stable operationId, its 4xx as problem+json, real success codes and types', async (t) => {
  const { app } = await build(t);
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as Doc;
  const ids = new Set<string>();
  const resolve = (r: Response): Response => (r.$ref ? doc.components.responses[r.$ref.split('/').pop()!]! : r);
  for (const [url, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      t.ok(op.operationId, `${method} ${url} has an operationId`);
      t.notOk(ids.has(op.operationId!), `${op.operationId} is unique`);
      ids.add(op.operationId!);
      for (const [status, r] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const content = resolve(r).content ?? {};
        t.same(Object.keys(content), ['application/problem+json'], `${method} ${url} ${status} is problem+json`);
      }
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      // A feed takes a token optionally: a bad one is 401, and no role is refused.
      const tokenOptional = Array.isArray(op.security) && op.security.some((s) => Object.keys(s as object).length === 0);
      if (tokenOptional) t.ok(op.responses['401'] && op.responses['304'], `${method} ${url} documents 401 and 304`);
      else if (!isPublic) t.ok(op.responses['401'] && op.responses['403'], `${method} ${url} documents 401 and 403`);
      if (url.includes('{')) t.ok(op.responses['404'] && op.responses['400'], `${method} ${url} documents 400 and 404`);
    }
  }
  const op = (method: string, url: string): Operation => doc.paths[url]![method]!;
  t.equal(op('get', '/api/sessions').operationId, 'getApiSessions');
  t.equal(op('patch', '/api/sessions/{id}').operationId, 'patchApiSessionsById');
  t.equal(op('get', '/api/attendees/{id}/badge.svg').operationId, 'getApiAttendeesByIdBadgeSvg');
  t.ok(op('get', '/api/schedule.ics').responses['200']!.content!['text/calendar'], 'schedule.ics is text/calendar');
  t.ok(op('get', '/api/schedule.json').responses['200']!.content!['application/json'], 'schedule.json is application/json');
  t.ok(op('get', '/api/attendees/{id}/badge.svg').responses['200']!.content!['image/svg+xml'], 'badge.svg is image/svg+xml');
  for (const url of ['/api/devices/{id}', '/api/announcements/{id}', '/api/checkins/{id}']) {
    t.ok(op('delete', url).responses['204'], `DELETE ${url} is 204`);
    t.notOk(op('delete', url).responses['200'], `DELETE ${url} is not 200`);
  }
  for (const [method, url] of [['post', '/api/checkins'], ['post', '/api/checkins/batch'], ['get', '/api/attendees']] as const) {
    t.ok(op(method, url).responses['429'], `${method} ${url} documents 429`);
  }
  t.ok(op('post', '/api/devices').responses['413'], 'a body route documents 413');
  for (const url of ['/api/schedule.json', '/api/schedule.xml', '/api/schedule.ics', '/api/schedule/now', '/api/schedule/changes']) {
    t.same(op('get', url).security, [{}, { bearer: [] }], `${url}: a token is optional`);
    t.ok(op('get', url).responses['304'] && op('get', url).responses['429'], `${url} documents 304 and 429`);
  }
  t.notOk(op('post', '/api/schedule/import').responses['304'], 'the import is not a feed');
  const live = op('get', '/api/live');
  t.ok(live.responses['101'] && live.responses['426'], '/api/live documents 101 and 426');
  t.match(doc.info.description, /\/docs\/asyncapi\.json/, 'links the AsyncAPI document');
});

t.test('the documented answers are the real ones: 426 without an upgrade, 204 on delete, problem+json', async (t) => {
  const { app, auth } = await build(t);
  const live = await app.inject({ method: 'GET', url: '/api/live', headers: auth('kiosk') });
  t.equal(live.statusCode, 426);
  t.match(live.headers['content-type'], /^application\/problem\+json/);
  const created = await app.inject({ method: 'POST', url: '/api/devices', headers: auth('admin'), payload: { name: 'Spare', role: 'kiosk' } });
  const del = await app.inject({ method: 'DELETE', url: `/api/devices/${created.json().id}`, headers: auth('admin') });
  t.equal(del.statusCode, 204);
  const anon = await app.inject({ method: 'GET', url: '/api/sessions' });
  t.equal(anon.statusCode, 401);
  t.match(anon.headers['content-type'], /^application\/problem\+json/);
});
