// Browser glue shared by the three pages: token boot, the API client, the live socket and its status marker.
import { ApiError, createApi, type ApiClient } from './api.js';
import { byId } from './dom.js';
import { createLiveClient, type LiveClient, type LiveClientOptions, type LiveStatus, type OfflineReason } from './live-client.js';
import { forgetToken, takeToken, tokenKey } from './token.js';

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A failed call in words: the problem's title and detail, and the fields a validation error names. */
export function problemText(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return [err.detail ? `${err.title}: ${err.detail}` : err.title, fields].filter((x) => x).join(' — ');
  }
  return errorText(err);
}

const OFFLINE_TEXT: Record<OfflineReason, string> = {
  connecting: 'Connecting…',
  network: 'Offline: reconnecting…',
  too_slow: 'Offline: connection too slow, catching up…',
  shutdown: 'Offline: server restarting, reconnecting…',
  policy: 'Offline: connection refused, retrying…',
  revoked: 'This device’s token was revoked. Ask the organisers for a new link.',
  replaced: 'Paused: this device is open on too many screens; this one gave way. Reload to take it back.',
  stopped: 'Offline',
};

export type PageLiveOptions = Omit<LiveClientOptions, 'page' | 'token' | 'WebSocket' | 'location' | 'sessionStorage' | 'timers'>;

export interface Page {
  api: ApiClient;
  /** Opens /api/live with this page's token, storage and status marker. */
  live(options: PageLiveOptions): LiveClient;
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
