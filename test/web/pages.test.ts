// The web build and the plugin serving it: every file is written, pages carry the CSP, assets stream, nothing outside the build leaks.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import t from 'tap';
import { buildWeb } from '../../scripts/build-web.js';
import pages, { PAGE_CSP } from '../../src/http/routes/pages.js';

t.test('buildWeb writes the pages and their assets; the plugin serves them', async (t) => {
  const dir = t.testdir({ 'secret.txt': 'not for the web' });
  await buildWeb(path.join(dir, 'web'));
  const out = path.join(dir, 'web');
  for (const page of ['kiosk', 'desk', 'dashboard']) {
    for (const file of [`${page}.html`, `assets/${page}.js`, `assets/${page}.js.map`, `assets/${page}.css`]) {
      t.ok(existsSync(path.join(out, file)), `${file} is built`);
    }
    const html = readFileSync(path.join(out, `${page}.html`), 'utf8');
    t.match(html, `<script type="module" src="/assets/${page}.js"></script>`);
    t.notMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, `${page}.html has no inline script`);
    t.notMatch(html, /\sstyle=|\son[a-z]+=/i, `${page}.html has no inline style or handler`);
  }
  t.ok(existsSync(path.join(out, 'assets/base.css')));

  const app = Fastify();
  await app.register(pages, { webRoot: out });
  t.teardown(() => app.close());

  for (const page of ['kiosk', 'desk', 'dashboard']) {
    const res = await app.inject(`/${page}`);
    t.equal(res.statusCode, 200, `/${page}`);
    t.match(res.headers['content-type'], /^text\/html/);
    t.equal(res.headers['content-security-policy'], PAGE_CSP);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.match(res.body, `/assets/${page}.js`);
  }
  t.match(PAGE_CSP, "default-src 'self'");
  t.match(PAGE_CSP, "connect-src 'self' ws: wss:");
  t.match(PAGE_CSP, "img-src 'self' data:");
  t.notMatch(PAGE_CSP, 'unsafe-inline');

  const js = await app.inject('/assets/desk.js');
  t.equal(js.statusCode, 200);
  t.match(js.headers['content-type'], /javascript/);
  const css = await app.inject('/assets/kiosk.css');
  t.equal(css.statusCode, 200);
  t.match(css.headers['content-type'], /^text\/css/);

  t.equal((await app.inject('/assets/missing.js')).statusCode, 404);
  for (const url of ['/assets/../kiosk.html', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
    const res = await app.inject(url);
    t.not(res.statusCode, 200, `${url} is refused`);
    t.notMatch(res.body, 'not for the web');
  }
});
