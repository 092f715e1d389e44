// Shared page client: a resumable /api/live socket (since/epoch cursor, backoff, close codes); what its messages mean is the live store's business.
import type { z } from 'zod';
import type { eventEnvelopeSchema } from '../../src/contract/index.js';
import { cursorKey, type LocationLike, type StorageLike } from './token.js';

export interface TimersLike {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Method-style parameter checking, so that the DOM's WebSocket (whose handlers take MessageEvent and
// CloseEvent) is accepted where these narrower event shapes are declared.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface SocketMessageEvent {
  readonly data: unknown;
}

export interface SocketCloseEvent {
  readonly code: number;
  readonly reason: string;
}

export interface WebSocketLike {
  onopen: Handler<unknown> | null;
  onmessage: Handler<SocketMessageEvent> | null;
  onclose: Handler<SocketCloseEvent> | null;
  onerror: Handler<unknown> | null;
  close(code?: number, reason?: string): void;
}

/** An event as it arrives, before the live store reads its `data` by the contract's catalogue. */
export type LiveEnvelope = z.infer<typeof eventEnvelopeSchema>;

export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

export const SUBPROTOCOL = 'eventday.v1';
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 10_000;

export const CLOSE_REVOKED = 4403;
export const CLOSE_TOO_SLOW = 4008;
export const CLOSE_TOO_MANY = 4029;
export const CLOSE_SHUTDOWN = 1001;
export const CLOSE_POLICY = 1008;

/** Exponential backoff with "equal jitter": grows from BACKOFF_BASE_MS, never above BACKOFF_CAP_MS. */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface Cursor {
  seq: number;
  epoch: string;
}

export type LiveStatus = 'online' | 'offline';
export type OfflineReason = 'connecting' | 'network' | 'revoked' | 'replaced' | 'too_slow' | 'shutdown' | 'policy' | 'stopped';

export interface LiveClientOptions {
  /** Names the storage keys, so that two pages on one origin keep separate cursors. */
  page: string;
  token: string;
  WebSocket: WebSocketConstructor;
  location: LocationLike;
  sessionStorage: StorageLike;
  timers: TimersLike;
  random?: () => number;
  topics?: readonly string[];
  roomIds?: readonly string[];
  /**
   * Whether the page holds state that events can be applied to. A page that has just loaded has
   * none, so it must ask for a snapshot even when a cursor survived in sessionStorage.
   */
  hasState?: () => boolean;
  onSnapshot: (data: Record<string, unknown>, seq: number) => void;
  onEvent: (event: LiveEnvelope) => void;
  onStatus?: (status: LiveStatus, reason: OfflineReason | null) => void;
  /** The server's clock at the welcome (ms), for a page that shows the event's time. */
  onServerTime?: (at: number) => void;
}

export interface LiveClient {
  start(): void;
  stop(): void;
  /** Skips the backoff wait, e.g. when the browser reports that the network is back. */
  reconnectNow(): void;
  readonly cursor: Cursor | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadCursor(storage: StorageLike, page: string): Cursor | null {
  const raw = storage.getItem(cursorKey(page));
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (isRecord(parsed) && typeof parsed.seq === 'number' && typeof parsed.epoch === 'string') {
      return { seq: parsed.seq, epoch: parsed.epoch };
    }
  } catch {
    // A corrupt entry is the same as none: the server will send a snapshot.
  }
  return null;
}

export function liveUrl(
  location: LocationLike,
  query: { cursor: Cursor | null; topics?: readonly string[]; roomIds?: readonly string[] },
): string {
  const params = new URLSearchParams();
  if (query.cursor) {
    params.set('since', String(query.cursor.seq));
    params.set('epoch', query.cursor.epoch);
  }
  if (query.topics && query.topics.length > 0) params.set('topics', query.topics.join(','));
  if (query.roomIds && query.roomIds.length > 0) params.set('roomIds', query.roomIds.join(','));
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const qs = params.toString();
  return `${scheme}//${location.host}/api/live${qs ? `?${qs}` : ''}`;
}

function reasonFor(code: number): OfflineReason {
  switch (code) {
    case CLOSE_TOO_SLOW:
      return 'too_slow';
    case CLOSE_SHUTDOWN:
      return 'shutdown';
    case CLOSE_POLICY:
      return 'policy';
    default:
      return 'network';
  }
}

export function createLiveClient(options: LiveClientOptions): LiveClient {
  const random = options.random ?? Math.random;
  const hasState = options.hasState ?? (() => true);
  let cursor = loadCursor(options.sessionStorage, options.page);
  let socket: WebSocketLike | null = null;
  let timer: unknown = null;
  let attempt = 0;
  let stopped = true;
  let revoked = false;
  let epoch: string | null = null;

  const status = (s: LiveStatus, reason: OfflineReason | null): void => options.onStatus?.(s, reason);

  const saveCursor = (next: Cursor): void => {
    cursor = next;
    options.sessionStorage.setItem(cursorKey(options.page), JSON.stringify(next));
  };

  const handle = (message: unknown): void => {
    if (!isRecord(message)) return;
    if (message.type === 'welcome' && typeof message.epoch === 'string' && typeof message.seq === 'number') {
      attempt = 0;
      epoch = message.epoch;
      if (typeof message.at === 'string' && Number.isFinite(Date.parse(message.at))) options.onServerTime?.(Date.parse(message.at));
      status('online', null);
      return;
    }
    if (message.type === 'snapshot' && typeof message.seq === 'number' && isRecord(message.data)) {
      saveCursor({ seq: message.seq, epoch: epoch ?? cursor?.epoch ?? '' });
      options.onSnapshot(message.data, message.seq);
      return;
    }
    if (message.type === 'event' && typeof message.seq === 'number') {
      // Replay and live delivery may overlap across reconnects: an event at or below the cursor is already applied.
      if (cursor !== null && message.seq <= cursor.seq) return;
      saveCursor({ seq: message.seq, epoch: epoch ?? cursor?.epoch ?? '' });
      options.onEvent({
        type: 'event',
        seq: message.seq,
        at: typeof message.at === 'string' ? message.at : '',
        topic: typeof message.topic === 'string' ? message.topic : '',
        name: typeof message.name === 'string' ? message.name : '',
        data: message.data,
      });
    }
  };

  const scheduleReconnect = (): void => {
    const delay = backoffDelay(attempt, random);
    attempt += 1;
    timer = options.timers.setTimeout(() => {
      timer = null;
      connect();
    }, delay);
  };

  const connect = (): void => {
    if (stopped || socket !== null) return;
    epoch = null;
    const url = liveUrl(options.location, {
      cursor: cursor !== null && hasState() ? cursor : null,
      topics: options.topics,
      roomIds: options.roomIds,
    });
    // The token rides in the subprotocol list: a browser cannot set headers on a WebSocket, and a
    // query string would end up in access logs.
    const ws = new options.WebSocket(url, [SUBPROTOCOL, `bearer.${options.token}`]);
    socket = ws;
    ws.onmessage = (event) => {
      if (socket !== ws || typeof event.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        return;
      }
      handle(parsed);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      if (stopped) return;
      if (event.code === CLOSE_REVOKED) {
        stopped = true;
        revoked = true;
        status('offline', 'revoked');
        return;
      }
      // The device opened more sockets than it may hold (another tab or screen took over): stay closed.
      if (event.code === CLOSE_TOO_MANY) {
        stopped = true;
        status('offline', 'replaced');
        return;
      }
      status('offline', reasonFor(event.code));
      scheduleReconnect();
    };
    ws.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
  };

  return {
    start() {
      if (!stopped || revoked) return;
      stopped = false;
      status('offline', 'connecting');
      connect();
    },
    stop() {
      stopped = true;
      if (timer !== null) options.timers.clearTimeout(timer);
      timer = null;
      const ws = socket;
      socket = null;
      ws?.close(1000, 'page closed');
      status('offline', 'stopped');
    },
    reconnectNow() {
      if (stopped || socket !== null) return;
      if (timer !== null) options.timers.clearTimeout(timer);
      timer = null;
      connect();
    },
    get cursor() {
      return cursor;
    },
  };
}
