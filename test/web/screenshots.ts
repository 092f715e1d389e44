// Screenshots of the three floor pages at their screen sizes over a realistic event day: `npx tsx test/web/screenshots.ts [outDir] [--no-build]`.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Test } from 'tap';
import { buildWeb } from '../../scripts/build-web.js';
import { addRoom, addSession, MIN, patchSession } from '../allocation/seed.js';
import { build, listen, type Built } from '../helper.js';
import { launchChromium, openPage, waitOnline } from './browser-helper.js';

const KIOSK = { width: 1920, height: 1080 };
const DASHBOARD = { width: 1440, height: 900 };
const DESK = { width: 1366, height: 768 };

const NOW = Math.floor(Date.now() / MIN) * MIN;

/** Just enough of tap's Test for test/helper.ts's build(): a temp folder and teardown hooks. */
function fakeTest(dir: string, teardowns: (() => unknown)[]): Test {
  return { testdir: () => dir, teardown: (fn: () => unknown) => teardowns.push(fn) } as unknown as Test;
}

async function post(built: Built, url: string, payload: object, role: 'ops' | 'desk' | 'admin' = 'ops'): Promise<Record<string, unknown>> {
  const res = await built.app.inject({ method: 'POST', url, headers: built.auth(role), payload });
  if (res.statusCode >= 300) throw new Error(`POST ${url} answered ${res.statusCode}: ${res.body}`);
  return res.json() as Record<string, unknown>;
}

async function seed(built: Built): Promise<{ codes: string[] }> {
  const hall = await addRoom(built, { name: 'Europa Hall', capacity: 400, features: ['interpretation', 'streaming'] });
  const salon = await addRoom(built, { name: 'Salon B', capacity: 50 });
  const room3 = await addRoom(built, { name: 'Room 3', capacity: 120, features: ['step_free'] });
  const room4 = await addRoom(built, { name: 'Room 4', capacity: 80 });
  const press = await addRoom(built, { name: 'Press room', capacity: 30 });
  await addRoom(built, { name: 'Room 6', capacity: 60, status: 'closed' });

  await addSession(built, { title: 'Opening plenary: responsible military AI', startsAt: NOW - 25 * MIN, endsAt: NOW + 35 * MIN, roomId: hall.id, expectedAttendance: 380 });
  const panel = await addSession(built, { title: 'Panel: governance frameworks for autonomy', startsAt: NOW + 45 * MIN, endsAt: NOW + 105 * MIN, roomId: hall.id, expectedAttendance: 300 });
  await patchSession(built, panel.id, { delayMinutes: 10, changeNote: 'Speaker arriving late' });
  await addSession(built, { title: 'Workshop: testing and evaluation of AI systems', startsAt: NOW - 10 * MIN, endsAt: NOW + 50 * MIN, roomId: salon.id, expectedAttendance: 45 });
  const moved = await addSession(built, { title: 'Roundtable: human control in targeting', startsAt: NOW + 60 * MIN, endsAt: NOW + 120 * MIN, roomId: salon.id, expectedAttendance: 90 });
  await patchSession(built, moved.id, { roomId: room3.id, changeNote: 'More seats needed' });
  const cancelled = await addSession(built, { title: 'Briefing: export controls', startsAt: NOW + 5 * MIN, endsAt: NOW + 40 * MIN, roomId: room4.id });
  await patchSession(built, cancelled.id, { status: 'cancelled', changeNote: 'Moderator unwell' });
  await addSession(built, { title: 'Data governance in defence procurement', startsAt: NOW + 50 * MIN, endsAt: NOW + 110 * MIN, roomId: room4.id, expectedAttendance: 60 });
  await addSession(built, { title: 'Press conference', startsAt: NOW + 15 * MIN, endsAt: NOW + 45 * MIN, roomId: press.id, expectedAttendance: 25 });
  const renamed = await addSession(built, { title: 'Industry perspectives', startsAt: NOW + 130 * MIN, endsAt: NOW + 190 * MIN, roomId: room3.id, expectedAttendance: 100 });
  await patchSession(built, renamed.id, { title: 'Industry perspectives on assurance' });

  await built.app.inject({ method: 'POST', url: `/api/rooms/${salon.id}/headcount`, headers: built.auth('ops'), payload: { count: 47 } });
  await built.app.inject({ method: 'POST', url: `/api/rooms/${hall.id}/headcount`, headers: built.auth('ops'), payload: { count: 212 } });
  await built.app.inject({ method: 'POST', url: `/api/rooms/${press.id}/headcount`, headers: built.auth('ops'), payload: { count: 31 } });

  await post(built, '/api/announcements', { text: 'Lunch is served in the foyer from 12:30.', severity: 'info' });
  await post(built, '/api/announcements', { text: 'The cloakroom on level 0 is full: please use level 1.', severity: 'warning' });

  const people = [
    { name: 'Ana Müller', organization: 'Federal Ministry of Defence', category: 'government', delegation: 'DE', flags: ['vip'] },
    { name: 'Ben Okafor', organization: 'Open Policy Institute', category: 'think_tank', delegation: 'NG', flags: ['accessibility'] },
    { name: 'Chloé Martin', organization: 'Université de Genève', category: 'academia', delegation: 'CH' },
    { name: 'Daan de Vries', organization: 'Ministry of Foreign Affairs', category: 'government', delegation: 'NL' },
    { name: 'Eva Novak', organization: 'Defence Systems AG', category: 'industry' },
    { name: 'Farah Haddad', organization: 'Human Rights Watch', category: 'ngo', flags: ['interpreter_needed'] },
  ];
  const codes: string[] = [];
  for (const p of people) {
    const created = (await post(built, '/api/attendees', p, 'desk')) as { badge: { code: string } };
    codes.push(created.badge.code);
  }
  for (const code of codes.slice(1, 5)) {
    await post(built, '/api/checkins', { scanId: `seed-${code.slice(-12)}`, code }, 'desk');
  }
  return { codes };
}

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? 'test-artifacts/screens');
  if (!process.argv.includes('--no-build')) await buildWeb();
  await mkdir(outDir, { recursive: true });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'eventday-screens-'));
  const teardowns: (() => unknown)[] = [];
  const built = await build(fakeTest(dir, teardowns));
  const browser = await launchChromium();
  const shots: string[] = [];
  const shoot = async (page: Page, name: string, fullPage = false): Promise<void> => {
    const file = path.join(outDir, `${name}.png`);
    await page.screenshot({ path: file, fullPage });
    shots.push(file);
  };
  try {
    const { codes } = await seed(built);
    const { base } = await listen(built.app);

    const kiosk = await openPage(browser, `${base}/kiosk`, built.tokens.kiosk, KIOSK);
    await waitOnline(kiosk.page);
    await kiosk.page.waitForSelector('#rooms .room');
    await kiosk.page.waitForTimeout(600);
    await shoot(kiosk.page, 'kiosk');

    const desk = await openPage(browser, `${base}/desk`, built.tokens.desk, DESK);
    await waitOnline(desk.page);
    await desk.page.waitForSelector('#scan:focus');
    await desk.page.keyboard.type(codes[0] ?? '');
    await desk.page.keyboard.press('Enter');
    await desk.page.waitForSelector('#result[data-result="ok"]');
    await desk.page.keyboard.type(codes[1] ?? '');
    await desk.page.keyboard.press('Enter');
    await desk.page.waitForSelector('#result[data-result="warning"]');
    await desk.page.fill('#search', 'mü');
    await desk.page.waitForSelector('#search-results:not([hidden]) li');
    await desk.page.waitForTimeout(300);
    await shoot(desk.page, 'desk');

    const dash = await openPage(browser, `${base}/dashboard`, built.tokens.ops, DASHBOARD);
    await waitOnline(dash.page);
    await dash.page.waitForSelector('#sessions-body tr[data-session-id]');
    await dash.page.waitForSelector('#change-feed li[data-seq]');
    await dash.page.waitForTimeout(600);
    await shoot(dash.page, 'dashboard');
    await dash.page.click('#plan-form button[type="submit"]');
    await dash.page.waitForSelector('#plan[data-state="proposed"]', { timeout: 15_000 });
    await dash.page.click('#sessions-body tr[data-session-id] button');
    await dash.page.waitForSelector('#editor:not([hidden])');
    await dash.page.waitForTimeout(300);
    await shoot(dash.page, 'dashboard-full', true);

    await post(built, '/api/announcements', { text: 'Please leave the building by the nearest exit.', severity: 'emergency' });
    await kiosk.page.waitForSelector('#emergency', { state: 'visible' });
    await shoot(kiosk.page, 'kiosk-emergency');

    const errors = [...kiosk.errors, ...desk.errors, ...dash.errors];
    if (errors.length > 0) process.stderr.write(`page errors:\n${errors.join('\n')}\n`);
  } finally {
    await browser.close();
    for (const fn of teardowns.reverse()) await fn();
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${shots.join('\n')}\n`);
}

await main();
