// Feeds a page's live store from its /api/live socket, and reads the change feed after each snapshot: the one place a page reads the live protocol.
import type { ChangeEntry, SnapshotData } from '../../src/contract/index.js';
import type { ApiClient } from './api.js';
import type { LiveClient, LiveStatus, OfflineReason } from './live-client.js';
import type { LiveStore, StoreEvent } from './live-store.js';
import type { Page } from './page.js';

const CHANGE_PAGES = 50;

/**
 * Every public schedule change, read page by page: the endpoint answers oldest first and may cap
 * each answer, so the client follows `since` until an empty page.
 */
export async function loadAllChanges(api: ApiClient): Promise<ChangeEntry[]> {
  const all: ChangeEntry[] = [];
  let since = 0;
  for (let page = 0; page < CHANGE_PAGES; page++) {
    const batch = await api.api<ChangeEntry[]>(`/api/schedule/changes?since=${since}`);
    const last = batch.reduce((max, c) => Math.max(max, c.seq), since);
    all.push(...batch);
    if (batch.length === 0 || last <= since) break;
    since = last;
  }
  return all;
}

export interface ConnectOptions {
  topics?: readonly string[];
  roomIds?: readonly string[];
  /** Read the public change feed after every snapshot (kiosk ticker, dashboard feed). */
  changes?: boolean;
  onChangesError?: (err: unknown) => void;
  onStatus?: (status: LiveStatus, reason: OfflineReason | null) => void;
  onServerTime?: (at: number) => void;
}

/** Opens the page's live socket and feeds the store. */
export function connectStore(page: Page, store: LiveStore, options: ConnectOptions = {}): LiveClient {
  const loadChanges = async (): Promise<void> => {
    try {
      store.mergeChanges(await loadAllChanges(page.api));
    } catch (err) {
      options.onChangesError?.(err);
    }
  };
  return page.live({
    topics: options.topics,
    roomIds: options.roomIds,
    hasState: () => store.state.loaded,
    // The server shapes every message by the contract for this socket's audience; the page takes the
    // contract's word for it rather than bundling zod to check again.
    onSnapshot: (data) => {
      store.snapshot(data as unknown as SnapshotData);
      if (options.changes) void loadChanges();
    },
    onEvent: (envelope) => store.apply(envelope as unknown as StoreEvent),
    onStatus: options.onStatus,
    onServerTime: options.onServerTime,
  });
}
