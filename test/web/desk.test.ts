// The desk in a real browser (Debian's Chromium): offline verification from the synced list, reconcile on upload, check-in by name, reset to ready, a revoked device, a new link in the same tab.
import { existsSync } from 'node:fs';
import t from 'tap';
import type { Browser } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.js';
import { build, listen, type Built, storeSql } from '../helper.js';
import { CHROMIUM, launchChromium, openPage, screenshot, STAFF_VIEWPORT, waitOnline } from './browser-helper.js';

interface WalkIn {
  attendee: { id: string; name: string };
  badge: { code: string };
}

async function walkIn(built: Built, name: string, extra: object = {}): Promise<WalkIn> {
  const res = await built.app.inject({
    method: 'POST',
    url: '/api/attendees',
    headers: built.auth('admin'),
    payload: { name, organization: 'Open Grid Institute', category: 'think_tank', ...extra },
  });
  if (res.statusCode !== 201) throw new Error(`walk-in failed: ${res.body}`);
  return res.json() as WalkIn;
}

/** A code with one signature character changed: well formed, but not signed by the event. */
function forge(code: string): string {
  const i = code.length - 20;
  const c = code[i] === 'A' ? 'B' : 'A';
  return code.slice(0, i) + c + code.slice(i + 1);
}

if (!existsSync(CHROMIUM)) {
  if (process.env.CI) t.fail(`chromium is missing at ${CHROMIUM}`);
  else t.comment('NOT RUN: chromium missing');
} else {
  let browser: Browser;
  t.before(async () => {
    await buildWeb();
    browser = await launchChromium();
  });
  t.teardown(() => browser.close());

  t.test('offline, the desk rejects a forged and a revoked badge, names a valid one, and reconciles on upload', async (t) => {
    const built = await build(t);
    const { app, tokens } = built;
    const ben = await walkIn(built, 'Ben Okafor', { delegation: 'NG', flags: ['accessibility'] });
    const cara = await walkIn(built, 'Cara Lindqvist');
    const dan = await walkIn(built, 'Dan Moreau');
    const reprint = await app.inject({ method: 'POST', url: `/api/attendees/${cara.attendee.id}/badge`, headers: built.auth('desk') });
    t.equal(reprint.statusCode, 201, 'Cara got a new badge; her first one is revoked');
    const { base } = await listen(app);

    const { page, context, errors } = await openPage(browser, `${base}/desk`, tokens.desk, STAFF_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    await page.waitForSelector('#offline-list[data-state="ready"]', { state: 'attached', timeout: 5_000 });
    t.match(await page.textContent('#offline-list'), 'Offline list: 3 attendees');

    await context.setOffline(true);
    for (const socket of app.websocketServer.clients) socket.terminate();
    await page.waitForSelector('#status[data-status="offline"]', { state: 'attached', timeout: 2_000 });
    // The organiser cancels Dan while this desk cannot hear it: its list still says registered.
    await app.inject({ method: 'PATCH', url: `/api/attendees/${dan.attendee.id}`, headers: built.auth('desk'), payload: { status: 'cancelled' } });

    // Waits for this scan's own answer: two rejections in a row share the state, so the heading text tells them apart.
    const scan = async (code: string, result: string, text: string): Promise<string> => {
      await page.fill('#scan', code);
      await page.press('#scan', 'Enter');
      await page.waitForSelector(`#result[data-result="${result}"][data-offline="true"]:has-text("${text}")`, { timeout: 3_000 });
      return (await page.textContent('#result')) ?? '';
    };
    t.match(await scan(forge(ben.badge.code), 'rejected', 'Not a badge'), 'Not a badge of this event', 'a forged code is rejected offline');
    const revoked = await scan(cara.badge.code, 'rejected', 'Cara Lindqvist');
    t.match(revoked, 'Old badge', 'a revoked badge is rejected offline');
    t.match(revoked, 'Cara Lindqvist');
    const valid = await scan(ben.badge.code, 'ok', 'Ben Okafor');
    for (const text of ['Checked in', 'Ben Okafor', 'Open Grid Institute', 'Nigeria (NG)', 'Accessibility']) t.match(valid, text, `the offline result shows ${text}`);
    t.match(await scan(ben.badge.code, 'warning', 'Ben Okafor'), 'Already checked in', 'a second scan warns');
    await scan(dan.badge.code, 'ok', 'Dan Moreau');
    await page.waitForSelector('#pending[data-count="5"]', { state: 'visible', timeout: 2_000 });
    const queued = (await page.textContent('#recent')) ?? '';
    for (const name of ['Ben Okafor', 'Cara Lindqvist', 'Dan Moreau']) t.match(queued, name, `the queued scans name ${name}`);
    await screenshot(page, 'desk-offline-verified');

    await page.waitForSelector('#result[data-result="idle"]', { state: 'attached', timeout: 10_000 });
    t.match(await page.textContent('#result'), 'Ready to scan', 'the result resets to ready');

    await context.setOffline(false);
    await page.waitForSelector('#pending[data-count="0"]', { state: 'attached', timeout: 10_000 });
    await page.waitForSelector('#differences:not([hidden])', { timeout: 3_000 });
    const differences = (await page.textContent('#differences')) ?? '';
    t.match(differences, 'Dan Moreau', 'the server’s different decision is shown');
    t.match(differences, 'This registration was cancelled');
    t.notMatch(differences, 'Ben Okafor', 'the decisions the server agreed with are not listed');
    t.match(await page.textContent('#desk-message'), 'decided 1 scan differently');
    t.match(await page.textContent('#desk-message'), '1 warning,', '"1 warning", not "1 warnings"');
    const benNow = (await app.inject({ method: 'GET', url: `/api/attendees/${ben.attendee.id}`, headers: built.auth('desk') })).json();
    t.type(benNow.checkedInAt, 'string', 'the offline scan checked Ben in');
    await screenshot(page, 'desk-reconciled');
    t.same(errors, [], 'no script errors');
  });

  t.test('check-in by name from the search, and a walk-in is checked in when registered', async (t) => {
    const built = await build(t);
    const { app, tokens } = built;
    const eve = await walkIn(built, 'Eve Novak');
    const { base } = await listen(app);
    const { page, context, errors } = await openPage(browser, `${base}/desk`, tokens.desk, STAFF_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);

    await page.fill('#search', 'Nova');
    await page.waitForSelector(`#search-results [data-attendee-id="${eve.attendee.id}"]`, { timeout: 3_000 });
    await page.click(`#search-results [data-attendee-id="${eve.attendee.id}"]`);
    await page.waitForSelector('[data-testid="manual-checkin-button"]', { timeout: 3_000 });
    await page.fill('#manual-reason', 'Badge left at the hotel');
    await page.click('[data-testid="manual-checkin-button"]');
    await page.waitForSelector('#result[data-result="ok"]', { timeout: 3_000 });
    t.match(await page.textContent('#result'), 'Eve Novak');
    await page.waitForSelector('#attendee:has-text("Checked in today")', { timeout: 3_000 });
    t.notOk(await page.isVisible('[data-testid="manual-checkin-button"]'), 'the panel agrees with the result');
    const row = await storeSql(app).get('SELECT method, manual_reason AS reason FROM checkins WHERE attendee_id = ?', eve.attendee.id);
    t.same(row, { method: 'manual', reason: 'Badge left at the hotel' });
    await screenshot(page, 'desk-manual-checkin');
    await page.click('[data-testid="undo-scan"]');
    await page.waitForSelector('#result[data-result="undone"]', { timeout: 3_000 });
    await page.waitForSelector('[data-testid="manual-checkin-button"]', { timeout: 3_000 });
    t.match(await page.textContent('#attendee'), 'Not checked in yet', 'after an undo the panel agrees again');

    t.equal(await page.getAttribute('#mute', 'aria-pressed'), 'false', 'sounds are on by default');
    await page.click('#mute');
    t.equal(await page.getAttribute('#mute', 'aria-pressed'), 'true');
    await page.reload();
    await waitOnline(page);
    t.equal(await page.getAttribute('#mute', 'aria-pressed'), 'true', 'the mute switch is remembered');
    t.match(await page.textContent('#mute'), 'Sound: off');

    await page.click('#walkin summary');
    await page.fill('#walkin-name', 'Farid Haddad');
    await page.fill('#walkin-organization', 'Gulf Energy Forum');
    await page.click('#walkin-form button[type="submit"]');
    await page.waitForSelector('#result[data-result="ok"]:has-text("Farid Haddad")', { timeout: 3_000 });
    const farid = await storeSql(app).get<{ at: number | null }>("SELECT checked_in_at AS at FROM attendees WHERE name = 'Farid Haddad'");
    t.type(farid!.at, 'number', 'the walk-in is checked in on registration');
    t.same(errors, [], 'no script errors');
  });

  t.test('a revoked device says so and forgets its list; a new link in the same tab takes effect', async (t) => {
    const built = await build(t);
    const { app, tokens } = built;
    const gil = await walkIn(built, 'Gil Santos');
    const { base } = await listen(app);
    const { page, context, errors } = await openPage(browser, `${base}/desk`, tokens.desk, STAFF_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    await page.waitForSelector('#offline-list[data-state="ready"]', { state: 'attached', timeout: 5_000 });

    const devices = (await app.inject({ method: 'GET', url: '/api/devices', headers: built.auth('admin') })).json() as { id: string; role: string }[];
    const deskDevice = devices.find((d) => d.role === 'desk')!;
    await app.inject({ method: 'DELETE', url: `/api/devices/${deskDevice.id}`, headers: built.auth('admin') });
    await page.waitForSelector('#token-problem:not([hidden])', { timeout: 3_000 });
    t.match(await page.textContent('#token-problem'), 'This device was revoked — ask the organiser');
    await page.fill('#scan', gil.badge.code);
    await page.press('#scan', 'Enter');
    await page.waitForSelector('#result[data-result="revoked"]', { timeout: 3_000 });
    const shown = (await page.textContent('#result')) ?? '';
    t.match(shown, 'This device was revoked — ask the organiser');
    t.notMatch(shown, 'No connection');
    await page.waitForSelector('#offline-list[data-state="none"]', { state: 'attached', timeout: 3_000 });
    // A string: the tests type-check without the DOM library.
    const stored = await page.evaluate(`new Promise((resolve) => {
      const open = indexedDB.open('eventday-desk-list', 1);
      open.onsuccess = () => {
        const req = open.result.transaction('list', 'readonly').objectStore('list').count();
        req.onsuccess = () => resolve(req.result);
      };
    })`);
    t.equal(stored, 0, 'the offline list is wiped');
    await screenshot(page, 'desk-revoked');

    const fresh = (await app.inject({ method: 'POST', url: '/api/devices', headers: built.auth('admin'), payload: { name: 'desk 2', role: 'desk' } })).json() as { token: string };
    await page.evaluate(`window.location.hash = ${JSON.stringify(`token=${encodeURIComponent(fresh.token)}`)}`);
    await waitOnline(page, 5_000);
    t.equal(await page.evaluate("window.localStorage.getItem('eventday.token.desk')"), fresh.token, 'the new token is in use');
    t.ok(await page.isHidden('#token-problem'), 'the revoked notice is gone');
    t.same(errors, [], 'no script errors');
  });
}
