// Unit tests of the pages' live client, token handling and API helper under Node: fake WebSocket, timers, storage and location.
import t from 'tap';
import { ApiError, createApi } from '../../web/src/api.js';
import {
  BACKOFF_CAP_MS,
  backoffDelay,
  createLiveClient,
  type LiveClientOptions,
  type LiveEnvelope,
  type LiveStatus,
  type OfflineReason,
  type SocketCloseEvent,
  type SocketMessageEvent,
  type WebSocketLike,
} from '../../web/src/live-client.js';
import { cursorKey, takeToken, tokenKey, type StorageLike } from '../../web/src/token.js';

class MemoryStorage implements StorageLike {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

class FakeTimers {
  readonly pending: { id: number; fn: () => void; ms: number }[] = [];
  readonly delays: number[] = [];
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.push({ id, fn, ms });
    this.delays.push(ms);
    return id;
  }
  clearTimeout(handle: unknown): void {
    const i = this.pending.findIndex((p) => p.id === handle);
    if (i >= 0) this.pending.splice(i, 1);
  }
  runNext(): void {
    const p = this.pending.shift();
    if (!p) throw new Error('no timer pending');
    p.fn();
  }
}

class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: SocketMessageEvent) => void) | null = null;
  onclose: ((event: SocketCloseEvent) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  closedWith: number | null = null;

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.instances.push(this);
  }

  close(code?: number): void {
    this.closedWith = code ?? 1005;
  }

  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  serverClose(code: number): void {
    this.onclose?.({ code, reason: '' });
  }
}

const location = { protocol: 'http:', host: 'venue.example:3000', pathname: '/kiosk', search: '?roomIds=r1', hash: '' };

function setup(overrides: Partial<LiveClientOptions> = {}) {
  FakeSocket.instances = [];
  const timers = new FakeTimers();
  const sessionStorage = new MemoryStorage();
  const snapshots: { data: Record<string, unknown>; seq: number }[] = [];
  const events: LiveEnvelope[] = [];
  const statuses: [LiveStatus, OfflineReason | null][] = [];
  const options: LiveClientOptions = {
    page: 'kiosk',
    token: 'secret-token',
    WebSocket: FakeSocket,
    location,
    sessionStorage,
    timers,
    random: () => 1,
    onSnapshot: (data, seq) => snapshots.push({ data, seq }),
    onEvent: (e) => events.push(e),
    onStatus: (s, r) => statuses.push([s, r]),
    ...overrides,
  };
  const client = createLiveClient(options);
  const last = (): FakeSocket => {
    const s = FakeSocket.instances.at(-1);
    if (!s) throw new Error('no socket opened');
    return s;
  };
  return { client, timers, sessionStorage, snapshots, events, statuses, last };
}

const event = (seq: number, name = 'session.updated'): LiveEnvelope => ({
  type: 'event',
  seq,
  at: '2023-02-15T08:30:00Z',
  topic: 'schedule',
  name,
  data: { seq },
});

t.test('the token is taken from the fragment, stored, and removed from the address bar', async (t) => {
  const localStorage = new MemoryStorage();
  const sessionStorage = new MemoryStorage();
  sessionStorage.setItem(cursorKey('desk'), JSON.stringify({ seq: 9, epoch: 'old' }));
  const replaced: (string | null | undefined)[] = [];
  const token = takeToken(
    {
      location: { ...location, pathname: '/desk', search: '', hash: '#token=abc.DEF_123&lang=nl' },
      history: { replaceState: (_data, _unused, url) => replaced.push(url) },
      localStorage,
      sessionStorage,
    },
    'desk',
  );
  t.equal(token, 'abc.DEF_123');
  t.equal(localStorage.getItem(tokenKey('desk')), 'abc.DEF_123');
  t.same(replaced, ['/desk#lang=nl'], 'the token is gone from the URL; other fragment parts stay');
  t.equal(sessionStorage.getItem(cursorKey('desk')), null, 'a new token starts without an old cursor');

  const again = takeToken(
    {
      location: { ...location, pathname: '/desk', search: '', hash: '' },
      history: { replaceState: () => t.fail('nothing to strip') },
      localStorage,
      sessionStorage,
    },
    'desk',
  );
  t.equal(again, 'abc.DEF_123', 'later loads use the stored token');
});

t.test('the socket uses the subprotocols and never carries the token in its URL', async (t) => {
  const { client, last } = setup({ topics: ['schedule', 'announcements'], roomIds: ['r1', 'r2'] });
  client.start();
  const s = last();
  t.same(s.protocols, ['eventday.v1', 'bearer.secret-token']);
  t.notOk(s.url.includes('secret-token'));
  const url = new URL(s.url);
  t.equal(url.protocol, 'ws:');
  t.equal(url.host, 'venue.example:3000');
  t.equal(url.pathname, '/api/live');
  t.equal(url.searchParams.get('topics'), 'schedule,announcements');
  t.equal(url.searchParams.get('roomIds'), 'r1,r2');
  t.equal(url.searchParams.get('since'), null, 'no cursor yet: the server sends a snapshot');

  const secure = setup({ location: { ...location, protocol: 'https:' } });
  secure.client.start();
  t.equal(new URL(secure.last().url).protocol, 'wss:');
});

t.test('a snapshot replaces state and events at or below the last seq are ignored', async (t) => {
  const { client, last, snapshots, events } = setup();
  client.start();
  const s = last();
  s.receive({ type: 'welcome', role: 'kiosk', seq: 10, epoch: 'E1' });
  s.receive({ type: 'snapshot', seq: 10, data: { rooms: [{ id: 'r1' }], sessions: [], announcements: [] } });
  t.same(snapshots, [{ data: { rooms: [{ id: 'r1' }], sessions: [], announcements: [] }, seq: 10 }]);
  s.receive(event(9));
  s.receive(event(10));
  s.receive(event(11));
  s.receive(event(11));
  s.receive(event(12));
  s.receive(event(8));
  t.same(
    events.map((e) => e.seq),
    [11, 12],
  );
  t.same(client.cursor, { seq: 12, epoch: 'E1' });

  s.receive({ type: 'snapshot', seq: 20, data: { rooms: [], sessions: [], announcements: [] } });
  t.equal(snapshots.length, 2, 'a later snapshot is delivered again: it replaces, never merges');
  s.receive(event(15));
  t.same(
    events.map((e) => e.seq),
    [11, 12],
    'events older than the snapshot are dropped',
  );
});

t.test('after a disconnect the client resumes with since and epoch of the last event', async (t) => {
  const { client, last, timers, statuses, sessionStorage } = setup();
  client.start();
  const first = last();
  first.receive({ type: 'welcome', role: 'kiosk', seq: 5, epoch: 'E7' });
  first.receive({ type: 'snapshot', seq: 5, data: {} });
  first.receive(event(6));
  first.receive(event(7));
  first.serverClose(1006);
  t.same(statuses.at(-1), ['offline', 'network'], 'the page is told it is offline');
  t.equal(timers.pending.length, 1, 'a reconnect is scheduled');
  timers.runNext();
  const second = last();
  t.not(second, first);
  const url = new URL(second.url);
  t.equal(url.searchParams.get('since'), '7');
  t.equal(url.searchParams.get('epoch'), 'E7');
  t.same(JSON.parse(sessionStorage.getItem(cursorKey('kiosk')) ?? 'null'), { seq: 7, epoch: 'E7' });
  second.receive({ type: 'welcome', role: 'kiosk', seq: 9, epoch: 'E7' });
  t.same(statuses.at(-1), ['online', null]);
});

t.test('the cursor survives in sessionStorage but is only used when the page has state', async (t) => {
  const stored = new MemoryStorage();
  stored.setItem(cursorKey('kiosk'), JSON.stringify({ seq: 42, epoch: 'E2' }));
  let hasState = false;
  const { client, last, timers } = setup({ sessionStorage: stored, hasState: () => hasState });
  client.start();
  t.equal(new URL(last().url).searchParams.get('since'), null, 'a fresh page asks for a snapshot');
  hasState = true;
  last().serverClose(1001);
  timers.runNext();
  const url = new URL(last().url);
  t.equal(url.searchParams.get('since'), '42');
  t.equal(url.searchParams.get('epoch'), 'E2');
});

t.test('close codes 4008, 1001 and 1008 resume; the reason is reported', async (t) => {
  const { client, last, timers, statuses } = setup();
  client.start();
  for (const [code, reason] of [
    [4008, 'too_slow'],
    [1001, 'shutdown'],
    [1008, 'policy'],
  ] as const) {
    last().serverClose(code);
    t.same(statuses.at(-1), ['offline', reason]);
    t.equal(timers.pending.length, 1, `${code}: a reconnect is scheduled`);
    timers.runNext();
  }
  t.equal(FakeSocket.instances.length, 4);
});

t.test('backoff grows exponentially with jitter and is capped', async (t) => {
  const { client, last, timers } = setup();
  client.start();
  for (let i = 0; i < 8; i++) {
    last().serverClose(1006);
    timers.runNext();
  }
  t.same(timers.delays, [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);

  t.equal(backoffDelay(0, () => 0), 250, 'jitter takes up to half the delay off');
  t.equal(backoffDelay(30, () => 0), BACKOFF_CAP_MS / 2);
  t.ok(backoffDelay(30, () => 0.999) <= BACKOFF_CAP_MS);

  last().receive({ type: 'welcome', role: 'kiosk', seq: 1, epoch: 'E' });
  last().serverClose(1006);
  t.equal(timers.delays.at(-1), 500, 'a welcome resets the backoff');
});

t.test('4403 (revoked token) stops reconnecting and says so', async (t) => {
  const { client, last, timers, statuses } = setup();
  client.start();
  last().receive({ type: 'welcome', role: 'kiosk', seq: 1, epoch: 'E' });
  last().serverClose(4403);
  t.same(statuses.at(-1), ['offline', 'revoked']);
  t.equal(timers.pending.length, 0, 'no reconnect is scheduled');
  client.reconnectNow();
  client.start();
  t.equal(FakeSocket.instances.length, 1, 'nothing reopens a revoked socket');
});

t.test('4029 (the device opened too many sockets) does not reconnect: the newer screen keeps the device', async (t) => {
  const { client, last, timers, statuses } = setup();
  client.start();
  last().receive({ type: 'welcome', role: 'kiosk', seq: 1, epoch: 'E' });
  last().serverClose(4029);
  t.same(statuses.at(-1), ['offline', 'replaced']);
  t.equal(timers.pending.length, 0, 'no reconnect is scheduled');
  t.equal(FakeSocket.instances.length, 1);
});

t.test('offline and online status are reported; stop closes without reconnecting', async (t) => {
  const { client, last, timers, statuses } = setup();
  client.start();
  t.same(statuses, [['offline', 'connecting']]);
  last().receive({ type: 'welcome', role: 'kiosk', seq: 1, epoch: 'E' });
  t.same(statuses.at(-1), ['online', null]);
  last().serverClose(1006);
  t.same(statuses.at(-1), ['offline', 'network']);
  client.reconnectNow();
  t.equal(timers.pending.length, 0, 'reconnectNow skips the wait');
  t.equal(FakeSocket.instances.length, 2);
  client.stop();
  t.equal(last().closedWith, 1000);
  last().serverClose(1000);
  t.equal(timers.pending.length, 0);
  t.equal(FakeSocket.instances.length, 2);
});

t.test('malformed frames and messages from a replaced socket are ignored', async (t) => {
  const { client, last, timers, events } = setup();
  client.start();
  const first = last();
  first.onmessage?.({ data: 'not json' });
  first.onmessage?.({ data: new Uint8Array([1]) });
  first.receive({ type: 'event', seq: 'x' });
  first.serverClose(1006);
  timers.runNext();
  first.receive(event(3));
  t.same(events, []);
  last().receive(event(3));
  t.same(
    events.map((e) => e.seq),
    [3],
  );
});

t.test('api adds the bearer token and turns problem+json into ApiError', async (t) => {
  const calls: { input: string; init: RequestInit }[] = [];
  let unauthorized = 0;
  const responses: (() => Response)[] = [
    () => new Response(JSON.stringify({ id: 'a1' }), { status: 201, headers: { 'content-type': 'application/json' } }),
    () =>
      new Response(
        JSON.stringify({
          type: 'https://eventday/problems/version_conflict',
          title: 'Conflict',
          status: 409,
          detail: 'the session changed',
          code: 'version_conflict',
        }),
        { status: 409, headers: { 'content-type': 'application/problem+json' } },
      ),
    () => new Response(null, { status: 204 }),
    () =>
      new Response(JSON.stringify({ title: 'Unauthorized', status: 401, code: 'unauthorized', detail: '' }), {
        status: 401,
        headers: { 'content-type': 'application/problem+json' },
      }),
  ];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- createApi's api() closes over its options and never uses `this`
  const { api } = createApi({
    fetch: async (input, init) => {
      calls.push({ input, init });
      const next = responses.shift();
      if (!next) throw new TypeError('Failed to fetch');
      return next();
    },
    token: () => 'tok',
    onUnauthorized: () => unauthorized++,
  });

  t.same(await api('/api/attendees', { method: 'POST', json: { name: 'A' } }), { id: 'a1' });
  const headers = calls[0]?.init.headers as Record<string, string>;
  t.equal(headers.authorization, 'Bearer tok');
  t.equal(headers['content-type'], 'application/json');
  t.equal(calls[0]?.init.body, '{"name":"A"}');
  t.notOk(calls[0]?.input.includes('tok'));

  const conflict = await api('/api/sessions/s1', { method: 'PATCH', json: {} }).catch((e: unknown) => e);
  t.ok(conflict instanceof ApiError);
  t.match(conflict, { status: 409, code: 'version_conflict', title: 'Conflict', detail: 'the session changed' });
  t.equal((conflict as ApiError).retryable, false);

  t.equal(await api('/api/checkins/c1', { method: 'DELETE' }), undefined);

  await t.rejects(api('/api/rooms'), { status: 401, code: 'unauthorized' });
  t.equal(unauthorized, 1);

  const offline = await api('/api/rooms').catch((e: unknown) => e);
  t.match(offline, { status: 0, code: 'network' });
  t.equal((offline as ApiError).retryable, true);
});
