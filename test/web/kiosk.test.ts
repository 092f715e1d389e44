// The kiosk at 1920×1080 in Chromium over the demo conference's fullest hour: nothing clipped (measured in the DOM), no text under 32 px, markers loudest, a move told in both rooms, net changes, end of day, door mode, bad and revoked tokens.
import { existsSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Browser, Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.js';
import { Demo, FULLEST_HOUR } from '../../scripts/demo-seed.js';
import { localDateOf } from '../../src/core/time.js';
import { addSession } from '../allocation/seed.js';
import { build, listen, type Built } from '../helper.js';
import { CHROMIUM, KIOSK_VIEWPORT, launchChromium, openPage, screenshot, waitOnline } from './browser-helper.js';

interface DemoApp {
  built: Built;
  demo: Demo;
  base: string;
  firstDay: string;
  setNow: (hhmm: string) => void;
  rooms: Map<string, string>;
}

/** The demo programme on a test app whose clock reads `at` on the conference's first day. */
async function demoApp(t: Test, at: string, env: Record<string, string> = {}): Promise<DemoApp> {
  let now = Date.now();
  const built = await build(t, { env, deps: { clock: () => now } });
  const demo = new Demo(built.app, built.tokens.admin, built.config.timeZone);
  const firstDay = localDateOf(now, demo.zone);
  const setNow = (hhmm: string): void => {
    now = demo.instant(firstDay, hhmm);
  };
  setNow(at);
  // Its schedule.json is written beside the database it is given: the test folder, on either store (a PostgreSQL URL is no folder).
  await demo.seedProgramme(path.join(built.dir, 'eventday.db'), firstDay);
  await demo.seedChanges(firstDay);
  await demo.fillRooms(now);
  const rooms = new Map((await demo.rooms()).map((r) => [r.name, r.id]));
  const { base } = await listen(built.app);
  return { built, demo, base, firstDay, setNow, rooms };
}

interface Clip {
  what: string;
  scroll: number;
  client: number;
}

/**
 * Every card, line and list on the screen whose content is taller than its box; and every text
 * under 32 px. Run in the page (the tests' TypeScript has no DOM types, so it is sent as source).
 */
const LAYOUT_PROBLEMS = `(() => {
  const clipped = [];
  const small = [];
  const describe = (el) => el.tagName.toLowerCase() + '.' + el.className + ' “' + (el.textContent || '').slice(0, 40) + '”';
  for (const el of document.querySelectorAll('body *')) {
    // A title too long for any page scrolls slowly inside its three lines: the one allowed overflow.
    if (el.closest('.visually-hidden, [hidden], script, style, .session__title--scroll')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    // Inline boxes have no client height; block boxes must hold their content.
    if (el.clientHeight > 0 && el.scrollHeight > el.clientHeight) clipped.push({ what: describe(el), scroll: el.scrollHeight, client: el.clientHeight });
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent || '').trim() !== '');
    if (ownText && parseFloat(style.fontSize) < 32) small.push(describe(el) + ' ' + style.fontSize);
  }
  return { clipped, small };
})()`;

/** Per card with markers: the smallest marker's font size and the largest of everything else in it. */
const MARKER_SIZES = `[...document.querySelectorAll('.room')].flatMap((card) => {
  const size = (el) => parseFloat(getComputedStyle(el).fontSize);
  const markers = [...card.querySelectorAll('.marker')];
  if (markers.length === 0) return [];
  const others = [...card.querySelectorAll('*')].filter((el) => !el.closest('.marker') && !el.closest('.visually-hidden') && (el.textContent || '').trim() !== '');
  return [{ room: card.querySelector('.room__name')?.textContent || '', marker: Math.min(...markers.map(size)), other: Math.max(...others.map(size)) }];
})`;

function layoutProblems(page: Page): Promise<{ clipped: Clip[]; small: string[] }> {
  return page.evaluate(LAYOUT_PROBLEMS);
}

function markerSizes(page: Page): Promise<{ room: string; marker: number; other: number }[]> {
  return page.evaluate(MARKER_SIZES);
}

function pagerText(page: Page): Promise<string> {
  return page.evaluate(`(() => { const p = document.querySelector('#rooms-pager'); return p && !p.hidden ? p.textContent : ''; })()`);
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

  t.test('the fullest hour: every page of rooms fits, text is at least 32 px, markers are loudest, a move shows in both rooms', async (t) => {
    const { built, base, rooms } = await demoApp(t, FULLEST_HOUR);
    const { page, context, errors } = await openPage(browser, `${base}/kiosk?rotate=5`, built.tokens.kiosk, KIOSK_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    await page.waitForSelector('#rooms .room');
    await page.waitForSelector('#changes .change[data-seq]');
    const first = await pagerText(page);
    const count = Number(/\/(\d+)$/.exec(first)?.[1] ?? '1');
    t.ok(count >= 2, `the rooms of the fullest hour take more than one page (${first})`);
    const seen = new Map<string, string>();
    for (let i = 0; i < count; i++) {
      if (i > 0) {
        const previous = await pagerText(page);
        // The page's CSP forbids eval, so waitForFunction cannot run here: the test polls.
        while ((await pagerText(page)) === previous) await page.waitForTimeout(200);
      }
      await page.waitForTimeout(200);
      const label = await pagerText(page);
      const { clipped, small } = await layoutProblems(page);
      t.same(clipped, [], `nothing is clipped on ${label}`);
      t.same(small, [], `no text under 32 px on ${label}`);
      for (const m of await markerSizes(page)) t.ok(m.marker >= m.other, `${m.room}: the change marker (${m.marker}px) is the largest line (${m.other}px)`);
      for (const card of await page.locator('#rooms .room').all()) {
        seen.set((await card.getAttribute('data-room-id')) ?? '', (await card.textContent()) ?? '');
      }
      await screenshot(page, `kiosk-fullest-${i + 1}`);
    }
    const live = ['Amazon Hall', 'Mississippi Hall', 'Yangtze Room', 'Nile Room', 'Danube Room', 'Mekong Room', 'Zambezi Room'];
    for (const name of live) t.ok(seen.has(rooms.get(name)!), `${name} (a session on now) is on one of the pages`);
    t.match(seen.get(rooms.get('Rhine Room')!), /Moved to Zambezi Room/, 'the room a session left says where it went');
    t.match(seen.get(rooms.get('Zambezi Room')!), /Moved from Rhine Room/, 'the room it went to says where it came from');
    t.match(seen.get(rooms.get('Amazon Hall')!), /Delayed 15 min/, 'a delay is marked');
    const everything = [...seen.values()].join('\n');
    t.notMatch(everything, /Closed session|Only: Government/, 'a closed-door session is not on a public screen (EVENTDAY_PUBLIC_RESTRICTED=hidden)');
    t.notOk(seen.has(rooms.get('Delegation Room B')!), 'a room with nothing on today is left out');
    t.same(errors, [], 'no script errors');
  });

  t.test('the ticker tells the net change of the day: no import flood, A→B→A→B is one move, A→B→A is nothing', async (t) => {
    const { built, base, demo, rooms, firstDay } = await demoApp(t, '10:00');
    const sessions = await demo.sessions();
    const at1045 = demo.instant(firstDay, '10:45');
    const inRoom = (name: string) => sessions.find((s) => s.roomId === rooms.get(name) && Date.parse(s.startsAt) === at1045)!;
    // Rooms free at 10:45: the moves make no conflict.
    const free = rooms.get('Delegation Room B')!;
    const zambezi = rooms.get('Zambezi Room')!;
    const moved = inRoom('Danube Room');
    const back = inRoom('Nile Room');
    const patch = async (id: string, roomId: string): Promise<void> => {
      const current = (await demo.call('GET', `/api/sessions/${id}`)) as { version: number };
      await demo.call('PATCH', `/api/sessions/${id}`, { version: current.version, roomId });
    };
    for (const roomId of [free, moved.roomId, free]) await patch(moved.id, roomId);
    for (const roomId of [zambezi, back.roomId]) await patch(back.id, roomId);
    const long = await addSession(built, {
      title: `Briefing: ${'a very long title that goes on about responsible military AI, '.repeat(4)}the end`.padEnd(300, '.'),
      startsAt: demo.instant(firstDay, '09:45'),
      endsAt: demo.instant(firstDay, '10:30'),
      roomId: rooms.get('Volga Room')!,
    });
    const { page, context, errors } = await openPage(browser, `${base}/kiosk`, built.tokens.kiosk, KIOSK_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    await page.waitForSelector(`#changes .change[data-session-id="${moved.id}"]`);
    t.equal(await page.locator('#changes .change--added').count(), 0, 'importing the programme put no "Added" lines in the ticker');
    const items = page.locator(`#changes .change[data-session-id="${moved.id}"]`);
    t.equal(await items.count(), 1, 'three moves of one session are one line');
    t.match(await items.textContent(), /Moved.*Danube Room → Delegation Room B/, 'from the room it left to the room it is in now');
    t.equal(await page.locator(`#changes .change[data-session-id="${back.id}"]`).count(), 0, 'a session moved away and back is no change');

    for (let i = 0; i < 6; i++) {
      await demo.call('POST', '/api/announcements', { text: `Notice ${i + 1}: the cloakroom on level ${i} is full, please use the one on the next level up.`, severity: 'info' });
    }
    await page.waitForSelector('#announcements li');
    await page.waitForTimeout(300);
    const ticker = await page.locator('#changes .change').first().boundingBox();
    t.ok(ticker && ticker.y + ticker.height <= KIOSK_VIEWPORT.height, 'announcements do not push the programme changes off screen');
    const { clipped } = await layoutProblems(page);
    t.same(clipped, [], 'nothing clipped with six announcements');
    await screenshot(page, 'kiosk-announcements');

    const door = await openPage(browser, `${base}/kiosk?roomIds=${rooms.get('Volga Room')!}`, built.tokens.kiosk, KIOSK_VIEWPORT);
    t.teardown(() => door.context.close());
    await waitOnline(door.page);
    await door.page.waitForSelector(`.session[data-session-id="${long.id}"] .session__title--scroll`);
    t.pass('in huge type on a door screen, the longest title scrolls slowly in its lines instead of pushing the card off screen');
    const doorLayout = await layoutProblems(door.page);
    t.same(doorLayout.clipped, [], 'nothing else clipped on the door screen');
    await screenshot(door.page, 'kiosk-door-long-title');
    t.same(errors, [], 'no script errors');
  });

  t.test('at the end of the day the kiosk says when the programme resumes', async (t) => {
    const { built, base, setNow } = await demoApp(t, '19:30');
    setNow('19:30');
    const { page, context, errors } = await openPage(browser, `${base}/kiosk`, built.tokens.kiosk, KIOSK_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    const message = await page.waitForSelector('[data-testid="placeholder-day-end"]');
    t.equal(await message.textContent(), 'The programme resumes tomorrow at 08:00.', 'the time of the first session tomorrow');
    t.equal(await page.locator('#rooms .room').count(), 0, 'no grid of "Nothing on now"');
    await screenshot(page, 'kiosk-day-end');
    t.same(errors, [], 'no script errors');
  });

  t.test('listed closed-door sessions: title, times and who may enter, never the room', async (t) => {
    const { built, base, rooms } = await demoApp(t, FULLEST_HOUR, { EVENTDAY_PUBLIC_RESTRICTED: 'listed' });
    const { page, context, errors } = await openPage(browser, `${base}/kiosk?roomIds=room-not-published`, built.tokens.kiosk, KIOSK_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    await page.waitForSelector('#rooms .room[data-room-id="room-not-published"] .slot--now .session');
    const card = (await page.textContent('#rooms .room[data-room-id="room-not-published"]')) ?? '';
    t.match(card, /Closed session: national approaches to legal reviews/, 'the session is listed');
    t.match(card, /Only: Government/, 'it says who may enter');
    t.notMatch(card, /Delegation Room A/, 'its room is not named');
    t.equal(await page.locator('#rooms .room[data-room-id="room-not-published"] [data-testid="room-state"]').count(), 0, 'no open, full or closed state for a room that is not one');
    t.notOk(await page.locator(`#rooms .room[data-room-id="${rooms.get('Delegation Room A')!}"]`).count(), 'and its real room shows nothing of it');
    await screenshot(page, 'kiosk-closed-door-listed');
    t.same(errors, [], 'no script errors');
  });

  t.test('a door screen shows its one room in huge type with its full state', async (t) => {
    const { built, base, rooms, demo } = await demoApp(t, FULLEST_HOUR);
    const room = rooms.get('Mississippi Hall')!;
    const { capacity } = (await demo.rooms()).find((r) => r.id === room)!;
    const full = await built.app.inject({ method: 'POST', url: `/api/rooms/${room}/headcount`, headers: built.auth('door'), payload: { count: capacity } });
    t.equal(full.statusCode, 200, `the door counts the room full: ${full.body}`);
    const { page, context, errors } = await openPage(browser, `${base}/kiosk?roomIds=${room}`, built.tokens.kiosk, KIOSK_VIEWPORT);
    t.teardown(() => context.close());
    await waitOnline(page);
    await page.waitForSelector(`#rooms .room[data-room-id="${room}"] .slot--now .session`);
    t.equal(await page.locator('#rooms .room').count(), 1, 'one room');
    t.match(await page.textContent('[data-testid="room-state"]'), /Full/, 'its full state');
    const nameSize = Number.parseFloat(await page.evaluate<string>(`getComputedStyle(document.querySelector('.room__name')).fontSize`));
    t.ok(nameSize >= 80, `the room name is huge (${nameSize}px)`);
    const { clipped, small } = await layoutProblems(page);
    t.same(clipped, [], 'nothing clipped');
    t.same(small, [], 'no small text');
    await screenshot(page, 'kiosk-door');
    t.same(errors, [], 'no script errors');
  });

  t.test('a bad or revoked token is said plainly, never with "Loading…" or "the last known schedule"', async (t) => {
    const { built, base, demo } = await demoApp(t, FULLEST_HOUR);
    const bad = await openPage(browser, `${base}/kiosk`, 'edt_not-a-token-of-this-service-at-all', KIOSK_VIEWPORT);
    t.teardown(() => bad.context.close());
    const problem = await bad.page.waitForSelector('[data-testid="placeholder-token"]', { timeout: 10_000 });
    t.match(await problem.textContent(), /not valid/, 'says the link is not valid');
    const text = (await bad.page.locator('body').innerText()) ?? '';
    t.notMatch(text, /Loading/, 'no "Loading…"');
    t.notMatch(text, /last known schedule/, 'no "Showing the last known schedule"');
    await screenshot(bad.page, 'kiosk-bad-token');

    const good = await openPage(browser, `${base}/kiosk`, built.tokens.kiosk, KIOSK_VIEWPORT);
    t.teardown(() => good.context.close());
    await waitOnline(good.page);
    await good.page.waitForSelector('#rooms .room');
    const devices = (await demo.call('GET', '/api/devices')) as { id: string; role: string; revokedAt: string | null }[];
    for (const d of devices.filter((x) => x.role === 'kiosk' && x.revokedAt === null)) await demo.call('DELETE', `/api/devices/${d.id}`);
    const revoked = await good.page.waitForSelector('[data-testid="placeholder-token"]', { timeout: 10_000 });
    t.match(await revoked.textContent(), /revoked/, 'a revoked token says it was revoked');
    const after = (await good.page.locator('body').innerText()) ?? '';
    t.notMatch(after, /last known schedule|Loading/, 'and nothing else about the schedule');
    t.same([...bad.errors, ...good.errors], [], 'no script errors');
  });
}
