// Browser test support: Debian's Chromium through playwright-core, one fresh context per page, screenshots into test-artifacts/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');

export const KIOSK_VIEWPORT = { width: 1920, height: 1080 };
export const STAFF_VIEWPORT = { width: 1366, height: 768 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions thrown by the page's scripts. */
  errors: string[];
}

/** Opens `base + path` with the device token in the fragment, in a context of its own (fresh storage). */
export async function openPage(
  browser: Browser,
  url: string,
  token: string,
  viewport: { width: number; height: number },
): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${url}#token=${encodeURIComponent(token)}`);
  return { context, page, errors };
}

/** Waits until the page's live socket is up: the offline marker says online. */
export async function waitOnline(page: Page, timeout = 5_000): Promise<void> {
  await page.waitForSelector('#status[data-status="online"]', { state: 'attached', timeout });
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/**
 * An event time zone in which the run's real "now" is mid-morning: the pages show the coming hours
 * of today only, and the tests time sessions around the real clock (which the browser shares), so
 * in Amsterdam's late evening "an hour from now" would be tomorrow and leave the screen.
 * `Etc/GMT` names count the other way round: Etc/GMT-5 is UTC+5.
 */
export function daytimeZone(now: number): string {
  const offset = ((9 - new Date(now).getUTCHours() + 36) % 24) - 12;
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
