// GET / is the landing page: links to the three floor pages and /docs, under the pages' CSP, with no script and its css served.
import t from 'tap';
import { buildWeb } from '../../scripts/build-web.js';
import { PAGE_CSP } from '../../src/http/routes/pages.js';
import { build } from '../helper.js';

t.test('GET / links to the kiosk, desk, dashboard and docs', async (t) => {
  await buildWeb();
  const { app } = await build(t);
  const res = await app.inject('/');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/html/);
  t.equal(res.headers['content-security-policy'], PAGE_CSP);
  for (const href of ['/kiosk', '/desk', '/dashboard', '/docs']) t.match(res.body, `href="${href}"`, `links to ${href}`);
  t.notMatch(res.body, /<script/, 'no script on the landing page');
  t.notMatch(res.body, /\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
  const css = await app.inject('/assets/landing.css');
  t.equal(css.statusCode, 200, 'its css is served');
  t.match(css.headers['content-type'], /css/);
  const docs = await app.inject('/docs');
  t.ok(docs.statusCode < 400, `/docs answers (${docs.statusCode})`);
});
