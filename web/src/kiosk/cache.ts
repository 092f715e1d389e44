// The kiosk's copy of the last known schedule in sessionStorage, so that a reload shows it at once, even while the server is unreachable.
import type { LiveStore, SavedState } from '../live-store.js';
import { cursorKey } from '../token.js';

// Versioned: a copy written by an earlier page in another shape is never read as this one.
const CACHE_KEY = 'eventday.kiosk.state.v2';

interface Cached {
  seq: number;
  epoch: string;
  state: SavedState;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(key: string): unknown {
  try {
    return JSON.parse(window.sessionStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

function readCursor(): { seq: number; epoch: string } | null {
  const parsed = readJson(cursorKey('kiosk'));
  if (isRecord(parsed) && typeof parsed.seq === 'number' && typeof parsed.epoch === 'string') {
    return { seq: parsed.seq, epoch: parsed.epoch };
  }
  return null;
}

/**
 * Written in the same task as the live client's cursor (the store notifies synchronously while the
 * client handles a message), so the copy and the cursor always agree.
 */
export function saveCache(store: LiveStore): void {
  const cursor = readCursor();
  if (!cursor || !store.state.loaded) return;
  const cached: Cached = { seq: cursor.seq, epoch: cursor.epoch, state: store.save() };
  try {
    window.sessionStorage.setItem(CACHE_KEY, JSON.stringify(cached));
  } catch {
    // Storage full or disabled: the kiosk still works, it just starts empty after a reload.
  }
}

/** Restores the copy if it belongs to the cursor the live client will resume from; answers whether it did. */
export function restoreCache(store: LiveStore): boolean {
  const cursor = readCursor();
  const cached = readJson(CACHE_KEY);
  if (!cursor || !isRecord(cached) || cached.seq !== cursor.seq || cached.epoch !== cursor.epoch || !isRecord(cached.state)) {
    return false;
  }
  store.restore((cached as unknown as Cached).state);
  return true;
}
