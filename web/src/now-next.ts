// "On now" as the server decides it: the snapshot's nowNext, asked again of GET /api/schedule/now after schedule events and at session boundaries.
import type { NowNextWire } from '../../src/contract/index.js';
import type { ApiClient } from './api.js';
import type { LiveStore } from './live-store.js';
import { sessionEnd, sessionStart } from './time.js';

/** A burst of schedule events (an allocation applied, an import) asks once. */
export const REFRESH_DEBOUNCE_MS = 250;
/** Asked a little after a boundary, so that the server's clock has passed it too. */
export const BOUNDARY_SLACK_MS = 1_000;
/** Asked at least this often anyway: a screen's clock may run apart from the server's. */
export const MAX_WAIT_MS = 5 * 60_000;

export interface NowNextFollower {
  /** Asks now, e.g. when the socket is back after being offline. */
  refresh(): void;
}

export function followNowNext(store: LiveStore, api: ApiClient, clock: () => number = Date.now): NowNextFollower {
  let debounceTimer: number | undefined;
  let boundaryTimer: number | undefined;
  let asked = 0;

  // The next instant a known session starts or ends; until then the server's answer cannot change by itself.
  const planBoundary = (): void => {
    window.clearTimeout(boundaryTimer);
    const now = clock();
    let next = now + MAX_WAIT_MS;
    for (const s of store.state.sessions.values()) {
      if (s.status === 'cancelled') continue;
      for (const at of [sessionStart(s), sessionEnd(s)]) if (at > now && at < next) next = at;
    }
    boundaryTimer = window.setTimeout(refresh, next - now + BOUNDARY_SLACK_MS);
  };

  const ask = async (): Promise<void> => {
    const ticket = ++asked;
    try {
      const rows = await api.api<NowNextWire[]>('/api/schedule/now');
      // An answer overtaken by a later question is stale.
      if (ticket === asked) store.setNowNext(rows);
    } catch {
      // Offline or refused: the next schedule event, boundary or reconnect asks again.
    } finally {
      if (ticket === asked) planBoundary();
    }
  };

  function refresh(): void {
    window.clearTimeout(debounceTimer);
    void ask();
  }

  store.subscribe(({ event, replaced }) => {
    // A snapshot brings the server's own nowNext, good until the next boundary.
    if (replaced) {
      planBoundary();
      return;
    }
    if (event?.topic !== 'schedule') return;
    window.clearTimeout(debounceTimer);
    debounceTimer = window.setTimeout(refresh, REFRESH_DEBOUNCE_MS);
  });

  return { refresh };
}
