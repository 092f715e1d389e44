// The ops dashboard at 1440×900 in real Chromium: room conflicts and warnings asked about, a room closed with its sessions listed, alerts after a reload, the plan as a diff with pins and a confirmation, everything on one screen.
import { existsSync } from 'node:fs';
import t from 'tap';
import type { Browser } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.js';
import { addRoom, addSession, MIN, type SessionOut } from '../allocation/seed.js';
import { build, listen, type Built } from '../helper.js';
import { CHROMIUM, launchChromium, openPage, screenshot, waitOnline, daytimeZone } from './browser-helper.js';

const OPS_VIEWPORT = { width: 1440, height: 900 };
const NOW = Math.floor(Date.now() / MIN) * MIN;
const ZONE = daytimeZone(NOW);

function localDay(ms: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(ms);
}

async function session(built: Built, id: string): Promise<SessionOut> {
  return (await built.app.inject({ method: 'GET', url: `/api/sessions/${id}`, headers: built.auth('ops') })).json() as SessionOut;
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

  t.test('ops at 1440×900: conflicts and warnings asked about, a room closed knowingly, alerts after reload, a plan applied with its screens counted', async (t) => {
    const built = await build(t, { env: { EVENTDAY_TIMEZONE: ZONE } });
    const { app, tokens } = built;
    const hall = await addRoom(built, { name: 'Europa Hall', capacity: 300, features: ['interpretation'] });
    const salon = await addRoom(built, { name: 'Salon B', capacity: 50 });
    const mid = await addRoom(built, { name: 'Room 3', capacity: 120 });
    await addSession(built, { title: 'Opening keynote', startsAt: NOW - 10 * MIN, endsAt: NOW + 50 * MIN, roomId: hall.id, expectedAttendance: 250 });
    const briefing = await addSession(built, { title: 'Press briefing', startsAt: NOW + 60 * MIN, endsAt: NOW + 120 * MIN, roomId: salon.id, expectedAttendance: 40 });
    const workshop = await addSession(built, { title: 'Grid workshop', startsAt: NOW + 60 * MIN, endsAt: NOW + 120 * MIN, roomId: mid.id, expectedAttendance: 100 });
    await addSession(built, { title: 'Coffee break', startsAt: NOW + 120 * MIN, endsAt: NOW + 140 * MIN, roomId: hall.id, expectedAttendance: 0 });
    const planDay = localDay(NOW + 30 * 60 * MIN);
    const at = (hhmm: string): number => Date.parse(`${planDay}T${hhmm}:00Z`);
    const crowded = await addSession(built, { title: 'Hydrogen roundtable', startsAt: at('10:00'), endsAt: at('11:00'), roomId: salon.id, expectedAttendance: 200 });
    const { base } = await listen(app);

    const { page, context, errors } = await openPage(browser, `${base}/dashboard`, tokens.ops, OPS_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    await page.waitForSelector(`#sessions-body tr[data-session-id="${briefing.id}"]`);
    t.match(await page.textContent(`#rooms [data-room-id="${hall.id}"] .room-card__now`), 'Now: Opening keynote', 'a room card shows what is on now');
    t.ok((await page.evaluate<number>('document.scrollingElement.scrollHeight')) <= 900, 'the panels fit one 1440×900 screen');
    await screenshot(page, 'dashboard-1440');

    // A move into a room in use: the server's 409 is shown and asked about.
    await page.click(`#sessions-body tr[data-session-id="${briefing.id}"] button`);
    await page.selectOption('#editor-room', mid.id);
    await page.click('#editor-move');
    await page.waitForSelector('#ask[open]');
    t.match(await page.textContent('#ask'), 'Grid workshop', 'the question names the session already in the room');
    await screenshot(page, 'dashboard-room-conflict');
    t.equal((await session(built, briefing.id)).roomId, salon.id, 'nothing was saved yet');
    await page.click('#ask-confirm');
    await page.locator('#editor-message', { hasText: /^Saved/ }).waitFor();
    t.equal((await session(built, briefing.id)).roomId, mid.id, '"Save anyway" saved with force');

    // Over capacity: asked about before saving.
    await page.click(`#sessions-body tr[data-session-id="${workshop.id}"] button`);
    await page.selectOption('#editor-room', salon.id);
    await page.click('#editor-move');
    await page.waitForSelector('#ask[open]');
    t.match(await page.textContent('#ask-items'), /Over capacity: 100 expected, Salon B seats 50/);
    await screenshot(page, 'dashboard-over-capacity');
    await page.click('#ask-confirm');
    await page.locator('#editor-message', { hasText: /^Saved/ }).waitFor();
    t.match(await page.textContent('#editor-message'), /50 short/, 'the server\'s warning is shown with the save');
    t.equal((await session(built, workshop.id)).roomId, salon.id);
    await page.click('#editor-close');

    // Closing a room asks first and lists its sessions; closed is its own state.
    const hallCard = `#rooms [data-room-id="${hall.id}"]`;
    await page.click(`${hallCard} button[data-action="close"]`);
    await page.waitForSelector('#ask[open]');
    const items = await page.textContent('#ask-items');
    t.match(items, 'Opening keynote');
    t.match(items, 'Coffee break');
    await screenshot(page, 'dashboard-close-room');
    await page.click('#ask-back');
    t.equal((await app.inject({ method: 'GET', url: '/api/rooms', headers: built.auth('ops') })).json().find((r: { id: string }) => r.id === hall.id).status, 'open', 'going back closes nothing');
    await page.click(`${hallCard} button[data-action="close"]`);
    await page.click('#ask-confirm');
    await page.waitForSelector(`${hallCard}[data-room-status="closed"]`);
    t.equal(await page.textContent(`${hallCard} .room-card__level`), 'Closed', 'never "Normal · Closed"');
    const colour = await page.evaluate<string>(`getComputedStyle(document.querySelector('${hallCard}')).borderTopColor`);
    t.not(colour, 'rgb(11, 107, 47)', 'a closed room is not green');

    // A room at 113%: still alerting after a reload.
    await app.inject({ method: 'POST', url: `/api/rooms/${mid.id}/headcount`, headers: built.auth('ops'), payload: { count: 136 } });
    await page.reload();
    await waitOnline(page);
    await page.waitForSelector(`#alerts [data-room-id="${mid.id}"][data-level="full"]`);
    t.match(await page.textContent(`#alerts [data-room-id="${mid.id}"]`), '136 / 120');
    await page.waitForSelector(`#change-feed li`);

    // Days are offered in day-month order whatever the browser's locale, never as 12/03/2026.
    const [y, m, d] = planDay.split('-').map(Number) as [number, number, number];
    const month = new Date(Date.UTC(y, m - 1, d)).toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' });
    t.match(await page.textContent(`#plan-day option[value="${planDay}"]`), new RegExp(`^\\w{3},? ${d} ${month} ${y}$`), 'the plan day reads day, month, year');
    t.match(await page.textContent(`#day option[value="${planDay}"]`), `${d} ${month}`, 'so does the sessions day');

    // The plan as a before/after diff, a pin, and a confirmation that counts the screens.
    await page.selectOption('#plan-day', planDay);
    await page.click('#plan-form button[type="submit"]');
    await page.waitForSelector('#plan[data-state="proposed"]', { timeout: 10_000 });
    const row = `#plan-moves tr[data-session-id="${crowded.id}"]`;
    await page.waitForSelector(row);
    t.match(await page.textContent(`${row} .diff--before`), /Salon B.*150 short/);
    t.match(await page.textContent(`${row} .diff--after`), 'Room 3');
    await page.click(`${row} button[data-pin]`);
    await page.waitForSelector(`#plan-pinned li`);
    await page.waitForSelector(row, { state: 'detached' });
    t.pass('a pinned session is kept where it is in the new plan');
    await page.click('#plan-pinned button[data-unpin]');
    await page.waitForSelector(row);
    await screenshot(page, 'dashboard-plan-diff');
    await page.click('#plan-apply');
    await page.waitForSelector('#ask[open]');
    t.match(await page.textContent('#ask-text'), /1 session moves: the screens of 2 rooms will change/);
    await screenshot(page, 'dashboard-plan-confirm');
    await page.click('#ask-confirm');
    await page.waitForSelector('#plan[data-state="applied"]', { timeout: 5_000 });
    t.equal((await session(built, crowded.id)).roomId, mid.id, 'the plan was applied');
    t.ok((await page.evaluate<number>('document.scrollingElement.scrollHeight')) <= 900, 'still one screen with a plan shown');
    await screenshot(page, 'dashboard-after');
    t.same(errors, [], 'no script errors');
  });
}
