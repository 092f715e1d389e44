// Browser glue shared by the three pages: element building (text only, never markup), token boot, live status marker.
import {
  createApi,
  createLiveClient,
  forgetToken,
  takeToken,
  tokenKey,
  type ApiClient,
  type LiveClient,
  type LiveClientOptions,
  type LiveStatus,
  type OfflineReason,
} from './live-client.js';
import { readChange, readList, type ScheduleChange } from './model.js';
import { describeChange, type ScheduleContext } from './schedule.js';
import { timeOf } from './time.js';
import { zoneOfScheduleJson } from './time.js';

/** Zone and title from the live schedule.json; null fields when it cannot be read (offline, or not set). */
export async function loadConference(api: ApiClient): Promise<{ zone: string | null; title: string | null }> {
  try {
    return zoneOfScheduleJson(await api.api<unknown>('/api/schedule.json'));
  } catch {
    return { zone: null, title: null };
  }
}

const CHANGE_PAGES = 50;

/**
 * Every public schedule change, read page by page: the endpoint answers oldest first and may cap
 * each answer, so the client follows `since` until an empty page.
 */
export async function loadAllChanges(api: ApiClient): Promise<ScheduleChange[]> {
  const all: ScheduleChange[] = [];
  let since = 0;
  for (let page = 0; page < CHANGE_PAGES; page++) {
    const batch = readList(await api.api<unknown>(`/api/schedule/changes?since=${since}`), readChange);
    const last = batch.reduce((max, c) => Math.max(max, c.seq), since);
    all.push(...batch);
    if (batch.length === 0 || last <= since) break;
    since = last;
  }
  return all;
}

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/**
 * Builds an element. Strings become text nodes and attributes are set one by one, so data from the
 * server can never be parsed as markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'number' ? String(child) : child);
  }
}

/** One entry of a change list (kiosk ticker, dashboard feed): time, kind in words, title, detail, public note. */
export function changeItem(c: ScheduleChange, ctx: ScheduleContext, zone: string): HTMLLIElement {
  const d = describeChange(c, ctx);
  return h(
    'li',
    { class: `change change--${c.kind}`, 'data-seq': c.seq, 'data-session-id': c.sessionId },
    h('span', { class: 'change__time' }, timeOf(Date.parse(c.at), zone)),
    ' ',
    h('strong', { class: 'change__label' }, d.label),
    ' ',
    h('span', { class: 'change__title' }, d.title),
    d.detail ? h('span', { class: 'change__detail' }, ` — ${d.detail}`) : null,
    d.note ? h('span', { class: 'change__note' }, ` “${d.note}”`) : null,
  );
}

export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is missing from the page`);
  return el;
}

/**
 * Re-renders a region while keeping keyboard focus on the "same" control, found again by its
 * data-focus-key: rebuilding a list must not throw a keyboard user back to the top of the page.
 */
export function keepFocus(container: Element, render: () => void): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && container.contains(active) ? active.dataset.focusKey : undefined;
  render();
  if (key === undefined) return;
  const again = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
  if (again instanceof HTMLElement) again.focus();
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let handle: number | undefined;
  return (...args: A) => {
    window.clearTimeout(handle);
    handle = window.setTimeout(() => fn(...args), ms);
  };
}

const CONFIRM_MS = 6_000;

/**
 * Two presses for actions that are hard to take back: the first arms the button and says what
 * will happen, the second acts. Unarms itself after a few seconds.
 */
export function confirmTwice(button: HTMLButtonElement, confirmLabel: string, action: () => void): void {
  const label = button.textContent ?? '';
  let timer: number | undefined;
  const disarm = (): void => {
    window.clearTimeout(timer);
    timer = undefined;
    button.textContent = label;
    button.classList.remove('button--armed');
  };
  button.addEventListener('click', () => {
    if (timer === undefined) {
      button.textContent = confirmLabel;
      button.classList.add('button--armed');
      timer = window.setTimeout(disarm, CONFIRM_MS);
      return;
    }
    disarm();
    action();
  });
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

const OFFLINE_TEXT: Record<OfflineReason, string> = {
  connecting: 'Connecting…',
  network: 'Offline: reconnecting…',
  too_slow: 'Offline: connection too slow, catching up…',
  shutdown: 'Offline: server restarting, reconnecting…',
  policy: 'Offline: connection refused, retrying…',
  revoked: 'This device’s token was revoked. Ask the organisers for a new link.',
  stopped: 'Offline',
};

export interface Page {
  api: ApiClient;
  /** Opens /api/live with this page's token, storage and status marker. */
  live(options: Omit<LiveClientOptions, 'page' | 'token' | 'WebSocket' | 'location' | 'sessionStorage' | 'timers'>): LiveClient;
  online(): boolean;
}

function showTokenProblem(message: string): void {
  const problem = document.getElementById('token-problem');
  if (!problem) return;
  problem.textContent = message;
  problem.hidden = false;
}

/**
 * Takes the token from the fragment and wires the status marker. Answers null, with an
 * explanation on screen, when the page has no token to work with.
 */
export function startPage(page: string, offlineSuffix = ''): Page | null {
  const env = {
    location: window.location,
    history: window.history,
    localStorage: window.localStorage,
    sessionStorage: window.sessionStorage,
  };
  const token = takeToken(env, page);
  const marker = byId('status', HTMLElement);
  if (!token) {
    marker.dataset.status = 'offline';
    marker.textContent = 'No device token';
    showTokenProblem(
      `This screen has no device token. Open it with a link that ends in #token=… (a ${page} token from the organisers).`,
    );
    return null;
  }

  let status: LiveStatus = 'offline';
  const setStatus = (s: LiveStatus, reason: OfflineReason | null): void => {
    status = s;
    marker.dataset.status = reason === 'revoked' ? 'revoked' : s;
    marker.textContent =
      s === 'online' ? 'Live' : reason === 'revoked' ? OFFLINE_TEXT.revoked : `${OFFLINE_TEXT[reason ?? 'network']}${offlineSuffix}`;
    document.body.classList.toggle('is-offline', s !== 'online');
    if (reason === 'revoked') {
      forgetToken(env, page);
      showTokenProblem(OFFLINE_TEXT.revoked);
    }
  };

  const api = createApi({
    fetch: (input, init) => window.fetch(input, init),
    token: () => window.localStorage.getItem(tokenKey(page)),
    onUnauthorized: () =>
      showTokenProblem('The server did not accept this device’s token. Ask the organisers for a new link.'),
  });

  return {
    api,
    online: () => status === 'online',
    live(options) {
      const client = createLiveClient({
        ...options,
        page,
        token,
        WebSocket: window.WebSocket,
        location: window.location,
        sessionStorage: window.sessionStorage,
        timers: {
          setTimeout: (fn, ms) => window.setTimeout(fn, ms),
          clearTimeout: (handle) => window.clearTimeout(typeof handle === 'number' ? handle : undefined),
        },
        onStatus: (s, reason) => {
          setStatus(s, reason);
          options.onStatus?.(s, reason);
        },
      });
      window.addEventListener('online', () => client.reconnectNow());
      window.addEventListener('pagehide', () => client.stop());
      // A page restored from the back-forward cache resumes from its cursor: it still holds its state.
      window.addEventListener('pageshow', (e) => {
        if (e.persisted) client.start();
      });
      client.start();
      return client;
    },
  };
}
