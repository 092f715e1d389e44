// Shared page client: device token from the URL fragment, a resumable /api/live socket, and an API helper with problem+json errors.

// Everything the browser provides is injected, so that this module runs under Node tests with fakes
// and type-checks without the DOM library.
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LocationLike {
  readonly protocol: string;
  readonly host: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
}

export interface HistoryLike {
  replaceState(data: unknown, unused: string, url?: string | null): void;
}

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

export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

export const SUBPROTOCOL = 'eventday.v1';
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 10_000;

export const CLOSE_REVOKED = 4403;
export const CLOSE_TOO_SLOW = 4008;
export const CLOSE_SHUTDOWN = 1001;
export const CLOSE_POLICY = 1008;

export function tokenKey(page: string): string {
  return `eventday.token.${page}`;
}

export function cursorKey(page: string): string {
  return `eventday.live.${page}`;
}

export interface TokenEnv {
  location: LocationLike;
  history: HistoryLike;
  localStorage: StorageLike;
  sessionStorage: StorageLike;
}

/**
 * Moves a `#token=…` fragment into localStorage and strips it from the address bar, so that it
 * never shows in a screenshot, a bookmark or the history. Returns the token to use, if any.
 */
export function takeToken(env: TokenEnv, page: string): string | null {
  const hash = env.location.hash.startsWith('#') ? env.location.hash.slice(1) : env.location.hash;
  const params = new URLSearchParams(hash);
  const fromFragment = params.get('token');
  if (fromFragment !== null) {
    params.delete('token');
    const rest = params.toString();
    env.history.replaceState(null, '', env.location.pathname + env.location.search + (rest ? `#${rest}` : ''));
    const token = fromFragment.trim();
    if (token) {
      if (env.localStorage.getItem(tokenKey(page)) !== token) {
        // A different device sees different events: its cursor must not be reused.
        env.sessionStorage.removeItem(cursorKey(page));
      }
      env.localStorage.setItem(tokenKey(page), token);
      return token;
    }
  }
  return env.localStorage.getItem(tokenKey(page));
}

export function forgetToken(env: Pick<TokenEnv, 'localStorage' | 'sessionStorage'>, page: string): void {
  env.localStorage.removeItem(tokenKey(page));
  env.sessionStorage.removeItem(cursorKey(page));
}

/** Exponential backoff with "equal jitter": grows from BACKOFF_BASE_MS, never above BACKOFF_CAP_MS. */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface WelcomeMessage {
  type: 'welcome';
  role: string;
  seq: number;
  epoch: string;
}

export interface SnapshotMessage {
  type: 'snapshot';
  seq: number;
  data: Record<string, unknown>;
}

export interface LiveEvent {
  type: 'event';
  seq: number;
  at: string;
  topic: string;
  name: string;
  data: unknown;
}

export interface Cursor {
  seq: number;
  epoch: string;
}

export type LiveStatus = 'online' | 'offline';
export type OfflineReason = 'connecting' | 'network' | 'revoked' | 'too_slow' | 'shutdown' | 'policy' | 'stopped';

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
  onWelcome?: (welcome: WelcomeMessage) => void;
  onSnapshot: (data: Record<string, unknown>, seq: number) => void;
  onEvent: (event: LiveEvent) => void;
  onStatus?: (status: LiveStatus, reason: OfflineReason | null) => void;
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
      status('online', null);
      options.onWelcome?.({ type: 'welcome', role: String(message.role), seq: message.seq, epoch: message.epoch });
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

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors: { field: string; message: string }[];
}

/** A failed API call. `status` 0 means the request never got an answer (network down, server gone). */
export class ApiError extends Error implements Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors: { field: string; message: string }[];

  constructor(problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail;
    this.code = problem.code;
    this.errors = problem.errors;
  }

  /** Worth retrying later with the same idempotency key: no answer, or the server failed. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiInit {
  method?: string;
  /** Sent as an application/json body. */
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApiClient {
  /** Answers the parsed JSON body (undefined for an empty answer); throws ApiError otherwise. */
  api<T>(path: string, init?: ApiInit): Promise<T>;
  blob(path: string, init?: ApiInit): Promise<Blob>;
}

export interface ApiOptions {
  fetch: FetchLike;
  token: () => string | null;
  onUnauthorized?: (error: ApiError) => void;
}

async function problemOf(res: Response): Promise<Problem> {
  const fallback: Problem = {
    type: 'about:blank',
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    detail: '',
    code: `http_${res.status}`,
    errors: [],
  };
  const contentType = res.headers.get('content-type') ?? '';
  if (!contentType.includes('json')) return fallback;
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return fallback;
  }
  if (!isRecord(body)) return fallback;
  const errors = Array.isArray(body.errors)
    ? body.errors.filter(isRecord).map((e) => ({ field: String(e.field ?? ''), message: String(e.message ?? '') }))
    : [];
  return {
    type: typeof body.type === 'string' ? body.type : fallback.type,
    title: typeof body.title === 'string' ? body.title : fallback.title,
    status: typeof body.status === 'number' ? body.status : res.status,
    detail: typeof body.detail === 'string' ? body.detail : '',
    code: typeof body.code === 'string' ? body.code : fallback.code,
    errors,
  };
}

export function createApi(options: ApiOptions): ApiClient {
  const send = async (path: string, init: ApiInit, accept: string): Promise<Response> => {
    const headers: Record<string, string> = { accept, ...init.headers };
    const token = options.token();
    if (token) headers.authorization = `Bearer ${token}`;
    const request: RequestInit = { method: init.method ?? 'GET', headers, credentials: 'omit' };
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      request.body = JSON.stringify(init.json);
    }
    if (init.signal) request.signal = init.signal;
    let res: Response;
    try {
      res = await options.fetch(path, request);
    } catch (err) {
      if (isRecord(err) && err.name === 'AbortError') throw err;
      throw new ApiError({
        type: 'about:blank',
        title: 'No connection to the server',
        status: 0,
        detail: err instanceof Error ? err.message : String(err),
        code: 'network',
        errors: [],
      });
    }
    if (!res.ok) {
      const error = new ApiError(await problemOf(res));
      if (error.status === 401) options.onUnauthorized?.(error);
      throw error;
    }
    return res;
  };

  return {
    async api<T>(path: string, init: ApiInit = {}): Promise<T> {
      const res = await send(path, init, 'application/json');
      if (res.status === 204) return undefined as T;
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async blob(path: string, init: ApiInit = {}): Promise<Blob> {
      const res = await send(path, init, '*/*');
      return res.blob();
    },
  };
}
