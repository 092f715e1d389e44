// The floor pages in a real browser (Debian's Chromium) against a real app on a real port: kiosk, on-now, restart, desk with offline queue, dashboard.
import { existsSync } from 'node:fs';
import t from 'tap';
import type { Browser, Page } from 'playwright-core';
import type { NowNextWire } from '../../src/contract/index.js';
import { buildWeb } from '../../scripts/build-web.js';
import { addRoom, addSession, MIN, patchSession, type SessionOut } from '../allocation/seed.js';
import { build, listen, type Built } from '../helper.js';
import { CHROMIUM, KIOSK_VIEWPORT, launchChromium, openPage, screenshot, STAFF_VIEWPORT, waitOnline, daytimeZone } from './browser-helper.js';

/** Now, to the minute: sessions are timed around the real clock, which the browser shares. */
const NOW = Math.floor(Date.now() / MIN) * MIN;
const ZONE = daytimeZone(NOW);

/** How long a pushed change may take to show on a page. */
const PUSH_MS = 1_000;

function localDay(ms: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(ms);
}

async function sessions(built: Built, query = ''): Promise<SessionOut[]> {
  const res = await built.app.inject({ method: 'GET', url: `/api/sessions${query}`, headers: built.auth('ops') });
  return res.json() as SessionOut[];
}

/** What the kiosk shows in a room's Now and Next slots: the session ids, null for an empty slot. */
async function kioskSlots(page: Page, roomId: string): Promise<{ current: string | null; next: string | null }> {
  const slot = async (kind: 'now' | 'next'): Promise<string | null> => {
    const ids = await page.locator(`[data-room-id="${roomId}"] .slot--${kind} .session`).evaluateAll((els) => els.map((e) => e.getAttribute('data-session-id')));
    return ids[0] ?? null;
  };
  return { current: await slot('now'), next: await slot('next') };
}

async function apiSlots(built: Built, roomId: string): Promise<{ current: string | null; next: string | null }> {
  const res = await built.app.inject({ method: 'GET', url: `/api/schedule/now?roomId=${roomId}`, headers: built.auth('kiosk') });
  const [row] = res.json() as NowNextWire[];
  return { current: row?.current?.id ?? null, next: row?.next?.id ?? null };
}

/** Waits until the kiosk shows what the API answers for the room (or the timeout passes), and answers both. */
async function settle(page: Page, built: Built, roomId: string, timeout: number) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const [kiosk, api] = [await kioskSlots(page, roomId), await apiSlots(built, roomId)];
    if ((kiosk.current === api.current && kiosk.next === api.next) || Date.now() > deadline) return { kiosk, api };
    await page.waitForTimeout(100);
  }
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

  t.test('the kiosk shows a changed title within a second, and an emergency at once until it is removed', async (t) => {
    const built = await build(t, { env: { EVENTDAY_TIMEZONE: ZONE } });
    const { app, tokens } = built;
    const hall = await addRoom(built, { name: 'Europa Hall', capacity: 400 });
    const salon = await addRoom(built, { name: 'Salon B', capacity: 80 });
    const keynote = await addSession(built, { title: 'Opening keynote', startsAt: NOW - 20 * MIN, endsAt: NOW + 40 * MIN, roomId: hall.id });
    const panel = await addSession(built, { title: 'Energy security panel', startsAt: NOW + 50 * MIN, endsAt: NOW + 110 * MIN, roomId: hall.id });
    await addSession(built, { title: 'Workshop: open data', startsAt: NOW - 5 * MIN, endsAt: NOW + 55 * MIN, roomId: salon.id });
    await patchSession(built, panel.id, { delayMinutes: 10, changeNote: 'Speaker arriving late' });
    const { base } = await listen(app);

    const { page, context, errors } = await openPage(browser, `${base}/kiosk`, tokens.kiosk, KIOSK_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    t.notMatch(page.url(), 'token', 'the token is gone from the address bar');
    t.notMatch(await page.content(), tokens.kiosk, 'the token is not in the DOM');

    const title = `[data-room-id="${hall.id}"] .slot--now [data-session-id="${keynote.id}"] .session__title`;
    await page.waitForSelector(title);
    t.equal(await page.textContent(title), 'Opening keynote');

    const renamed = 'Opening keynote: the energy transition';
    await patchSession(built, keynote.id, { title: renamed, changeNote: 'New title' });
    const patchedAt = Date.now();
    await page.waitForSelector(`${title}:text-is("${renamed}")`, { timeout: PUSH_MS });
    t.ok(Date.now() - patchedAt <= PUSH_MS, `the new title shows within a second (${Date.now() - patchedAt} ms)`);
    t.match(await page.textContent('#changes'), 'Speaker arriving late', 'the ticker carries the public note of a change');

    const info = await app.inject({
      method: 'POST',
      url: '/api/announcements',
      headers: built.auth('ops'),
      payload: { text: 'Lunch is served in the foyer from 12:30.', severity: 'info' },
    });
    t.equal(info.statusCode, 201);
    await page.waitForSelector('#announcements-section:not([hidden])', { timeout: PUSH_MS });
    await screenshot(page, 'kiosk');

    t.ok(await page.isHidden('#emergency'), 'no emergency overlay before one is announced');
    const emergency = await app.inject({
      method: 'POST',
      url: '/api/announcements',
      headers: built.auth('ops'),
      payload: { text: 'Please leave the building by the nearest exit.', severity: 'emergency' },
    });
    t.equal(emergency.statusCode, 201);
    const announcedAt = Date.now();
    await page.waitForSelector('#emergency', { state: 'visible', timeout: PUSH_MS });
    t.ok(Date.now() - announcedAt <= PUSH_MS, `the emergency takes the screen at once (${Date.now() - announcedAt} ms)`);
    t.equal(await page.textContent('#emergency-text'), 'Please leave the building by the nearest exit.');
    const box = await page.locator('#emergency').boundingBox();
    t.same(box && { width: box.width, height: box.height }, { width: 1920, height: 1080 }, 'the overlay covers the whole screen');
    await screenshot(page, 'kiosk-emergency');

    const removed = await app.inject({ method: 'DELETE', url: `/api/announcements/${emergency.json().id}`, headers: built.auth('ops') });
    t.equal(removed.statusCode, 204);
    await page.waitForSelector('#emergency', { state: 'hidden', timeout: PUSH_MS });
    t.pass('the overlay is gone once the emergency is removed');
    t.same(errors, [], 'no script errors');
  });

  t.test('the kiosk shows the session on now that /api/schedule/now names, overlaps, delays and a start included', async (t) => {
    const built = await build(t, { env: { EVENTDAY_TIMEZONE: ZONE } });
    const hall = await addRoom(built, { name: 'Europa Hall', capacity: 400 });
    const salon = await addRoom(built, { name: 'Salon B', capacity: 80 });
    // Two sessions on at once in one room: the one rule picks the later-started (the briefing),
    // where a page picking the earliest-started would show the workshop.
    const workshop = await addSession(built, { title: 'Long workshop', startsAt: NOW - 30 * MIN, endsAt: NOW + 60 * MIN, roomId: hall.id });
    const briefing = await addSession(built, { title: 'Short briefing', startsAt: NOW - 10 * MIN, endsAt: NOW + 20 * MIN, roomId: hall.id });
    const later = await addSession(built, { title: 'Afternoon plenary', startsAt: NOW + 70 * MIN, endsAt: NOW + 130 * MIN, roomId: hall.id });
    // A session that starts while the page is open: no event says so, the clock does.
    const startsAt = Math.ceil((Date.now() + 4_000) / 1000) * 1000;
    const soon = await addSession(built, { title: 'Starts in a moment', startsAt, endsAt: startsAt + 60 * MIN, roomId: salon.id });
    const { base } = await listen(built.app);

    const { page, context, errors } = await openPage(browser, `${base}/kiosk`, built.tokens.kiosk, KIOSK_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    await page.waitForSelector(`[data-room-id="${hall.id}"] .slot--now .session`);

    const first = await settle(page, built, hall.id, PUSH_MS);
    t.same(first.api, { current: briefing.id, next: later.id }, 'the API names the later-started of the overlapping sessions');
    t.same(first.kiosk, first.api, 'the kiosk shows the same session on now, and the same next');

    await patchSession(built, briefing.id, { delayMinutes: 15, changeNote: 'Room reset' });
    const delayed = await settle(page, built, hall.id, 2 * PUSH_MS);
    t.same(delayed.api, { current: workshop.id, next: briefing.id }, 'delayed past now, the briefing is next and the workshop on now');
    t.same(delayed.kiosk, delayed.api, 'the kiosk follows the delay as the API does');

    t.same((await apiSlots(built, salon.id)).current, null, 'nothing is on in the salon yet');
    t.same((await kioskSlots(page, salon.id)).current, null, 'nor on the kiosk');
    await page.waitForTimeout(Math.max(0, startsAt - Date.now()));
    const started = await settle(page, built, salon.id, 4_000);
    t.same(started.api.current, soon.id, 'once its start has passed, the API names the new session');
    t.same(started.kiosk, started.api, 'and the kiosk shows it without any event or reload');
    await screenshot(page, 'kiosk-on-now');
    t.same(errors, [], 'no script errors');
  });

  t.test('after the server restarts, the kiosk resumes without a reload', async (t) => {
    const first = await build(t, { env: { EVENTDAY_TIMEZONE: ZONE } });
    const room = await addRoom(first, { name: 'Europa Hall', capacity: 400 });
    const talk = await addSession(first, { title: 'Grid resilience', startsAt: NOW - 10 * MIN, endsAt: NOW + 50 * MIN, roomId: room.id });
    const { base } = await listen(first.app);
    const port = Number(new URL(base).port);

    const { page, context, errors } = await openPage(browser, `${base}/kiosk`, first.tokens.kiosk, KIOSK_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    const title = `[data-session-id="${talk.id}"] .session__title`;
    await page.waitForSelector(title);
    let loads = 0;
    page.on('load', () => (loads += 1));

    await first.app.close();
    await page.waitForSelector('#status[data-status="offline"]', { state: 'attached', timeout: 2_000 });
    t.match(await page.textContent('#status'), /^Offline/, 'the offline marker shows while the server is down');
    t.ok(await page.isVisible('#status'), 'and it is visible');
    t.equal(await page.textContent(title), 'Grid resilience', 'the last known schedule stays on screen');
    await screenshot(page, 'kiosk-offline');

    const second = await build(t, { dir: first.dir, env: { EVENTDAY_TIMEZONE: ZONE } });
    await second.app.listen({ port, host: '127.0.0.1' });
    await waitOnline(page, 10_000);
    t.ok(await page.isHidden('#status'), 'the marker goes away once live again');

    const renamed = 'Grid resilience after the restart';
    await patchSession(second, talk.id, { title: renamed });
    await page.waitForSelector(`${title}:text-is("${renamed}")`, { timeout: PUSH_MS });
    t.pass('a change made after the restart shows');
    t.equal(loads, 0, 'the page was not reloaded');
    t.same(errors, [], 'no script errors');
  });

  t.test('the desk shows the attendee of a typed code, and uploads an offline scan after reconnecting', async (t) => {
    const built = await build(t, { env: { EVENTDAY_TIMEZONE: ZONE } });
    const { app, tokens } = built;
    const walkIn = async (payload: object): Promise<{ attendee: { id: string }; badge: { code: string } }> => {
      const res = await app.inject({ method: 'POST', url: '/api/attendees', headers: built.auth('desk'), payload });
      t.equal(res.statusCode, 201, 'walk-in registered');
      return res.json();
    };
    const stats = async (): Promise<{ total: number }> =>
      (await app.inject({ method: 'GET', url: '/api/checkins/stats', headers: built.auth('desk') })).json();
    const ana = await walkIn({ name: 'Ana Müller', organization: 'Federal Ministry for Energy', category: 'government', delegation: 'DE', flags: ['vip'] });
    const ben = await walkIn({ name: 'Ben Okafor', organization: 'Open Grid Institute', category: 'think_tank', delegation: 'NG', flags: ['accessibility'] });
    const { base } = await listen(app);

    const { page, context, errors } = await openPage(browser, `${base}/desk`, tokens.desk, STAFF_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    await page.waitForSelector('#scan:focus', { timeout: 2_000 });
    t.pass('the scan field has focus');

    await page.keyboard.type(ana.badge.code);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#result[data-result="ok"]', { timeout: 2_000 });
    const shown = await page.textContent('#result');
    for (const text of ['Checked in', 'Ana Müller', 'Federal Ministry for Energy', 'Germany (DE)', 'VIP']) t.match(shown, text, `the result shows ${text}`);
    t.equal((await stats()).total, 1);
    await page.waitForSelector('#arrivals-total:text-is("1 checked in")', { timeout: 3_000 });
    t.pass('the arrivals counter follows the pushed stats');
    await screenshot(page, 'desk');
    await page.waitForSelector('#offline-list[data-state="ready"]', { state: 'attached', timeout: 5_000 });

    await context.setOffline(true);
    // Offline emulation stops new requests and sockets, not the open one: drop it as a lost network would.
    for (const socket of app.websocketServer.clients) socket.terminate();
    await page.waitForSelector('#status[data-status="offline"]', { state: 'attached', timeout: 2_000 });
    await page.keyboard.type(ben.badge.code);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#pending[data-count="1"]', { state: 'visible', timeout: 2_000 });
    // The desk synced its offline list while online: it verifies the badge itself and names the person.
    t.equal(await page.getAttribute('#result', 'data-result'), 'ok', 'the offline result is decided on this device');
    t.equal(await page.getAttribute('#result', 'data-offline'), 'true', 'and says it was decided offline');
    t.match(await page.textContent('#result'), 'Ben Okafor');
    t.match(await page.textContent('#pending'), '1 scan waiting to upload');
    t.equal((await stats()).total, 1, 'nothing reached the server yet');
    await screenshot(page, 'desk-offline');

    await context.setOffline(false);
    await page.waitForSelector('#pending[data-count="0"]', { state: 'attached', timeout: 5_000 });
    t.ok(await page.isHidden('#pending'), 'nothing is pending any more');
    t.equal((await stats()).total, 2, 'the queued scan was uploaded');
    const benNow = await app.inject({ method: 'GET', url: `/api/attendees/${ben.attendee.id}`, headers: built.auth('desk') });
    t.type(benNow.json().checkedInAt, 'string', 'the offline scan checked Ben in');
    t.match(await page.textContent('#desk-message'), 'Uploaded 1 queued scan: 1 ok');
    await page.waitForSelector('#arrivals-total:text-is("2 checked in")', { timeout: 3_000 });
    t.pass('and the counter includes it');
    t.same(errors, [], 'no script errors');
  });

  t.test('the dashboard shows a headcount change and applies an allocation plan', async (t) => {
    const built = await build(t, { env: { EVENTDAY_TIMEZONE: ZONE } });
    const { app, tokens } = built;
    const salon = await addRoom(built, { name: 'Salon B', capacity: 50 });
    const mid = await addRoom(built, { name: 'Room 3', capacity: 120 });
    const hall = await addRoom(built, { name: 'Europa Hall', capacity: 300 });
    await addSession(built, { title: 'Morning briefing', startsAt: NOW - 10 * MIN, endsAt: NOW + 50 * MIN, roomId: salon.id, expectedAttendance: 40 });
    await addSession(built, { title: 'Press conference', startsAt: NOW + 60 * MIN, endsAt: NOW + 90 * MIN, roomId: hall.id, expectedAttendance: 150 });
    // A later local day whatever the hour or a DST change: a local day is at most 25 hours long.
    const planDay = localDay(NOW + 30 * 60 * MIN);
    const at = (hhmm: string): number => Date.parse(`${planDay}T${hhmm}:00Z`);
    const crowded = await addSession(built, { title: 'Hydrogen roundtable', startsAt: at('10:00'), endsAt: at('11:00'), roomId: salon.id, expectedAttendance: 200 });
    await addSession(built, { title: 'Cable financing', startsAt: at('10:00'), endsAt: at('11:00'), roomId: mid.id, expectedAttendance: 100 });
    const { base } = await listen(app);

    const { page, context, errors } = await openPage(browser, `${base}/dashboard`, tokens.ops, STAFF_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    const card = `#rooms [data-room-id="${salon.id}"]`;
    await page.waitForSelector(`${card}[data-level="normal"]`);

    const counted = await app.inject({ method: 'POST', url: `/api/rooms/${salon.id}/headcount`, headers: built.auth('ops'), payload: { count: 46 } });
    t.equal(counted.statusCode, 200);
    await page.waitForSelector(`${card}[data-level="near"]`, { timeout: PUSH_MS });
    t.equal(await page.textContent(`${card} .room-card__count`), '46 / 50 (92%)', 'the counted headcount shows');
    await page.waitForSelector('#sessions-body tr');

    await page.selectOption('#plan-day', planDay);
    await page.click('#plan-form button[type="submit"]');
    await page.waitForSelector('#plan[data-state="proposed"]', { timeout: 10_000 });
    const move = `#plan-moves tr[data-session-id="${crowded.id}"]`;
    t.match(await page.textContent(`${move} .diff--before`), 'Salon B', 'the plan moves the crowded session from the salon');
    t.match(await page.textContent(`${move} .diff--after`), 'Europa Hall', 'to the big room');
    t.match(await page.textContent('#plan-figures'), /Moves\s*1/);
    await screenshot(page, 'dashboard-full', true);
    await page.locator('.topbar').scrollIntoViewIfNeeded();
    await screenshot(page, 'dashboard');

    await page.click('#plan-apply');
    await page.click('#ask-confirm');
    await page.waitForSelector('#plan[data-state="applied"]', { timeout: 5_000 });
    t.match(await page.textContent('#plan-message'), 'Plan applied');
    const after = (await sessions(built, `?day=${planDay}`)).find((s) => s.id === crowded.id);
    t.equal(after?.roomId, hall.id, 'the session was moved on the server');
    t.same(errors, [], 'no script errors');
  });
}
