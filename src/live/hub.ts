// The live hub: holds the sockets, replays or snapshots on connect, and fans events out after commit.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { subscribeSchema, type Snapshot, type SnapshotData, type Welcome } from '../contract/live.js';
import { audienceOfRole, type Audience, type Role } from '../core/vocabulary.js';
import { ShapedEvent } from './audience.js';
import { runEager, type Op } from '../store/op.js';
import type { EventRecord } from './event-log.js';

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;
export const CLOSE_INTERNAL = 1011;
export const CLOSE_TOO_SLOW = 4008;
export const CLOSE_REVOKED = 4403;
export const CLOSE_TOO_MANY = 4029;

/** A snapshot larger than the buffer limit goes out as fragments of at most this size, as the socket drains. */
const FRAGMENT_BYTES = 64 * 1024;
const DRAIN_POLL_MIN_MS = 5;
const DRAIN_POLL_MAX_MS = 200;

const HEARTBEAT_SLICES = 25;

export interface LiveFilter {
  topics: ReadonlySet<string> | null;
  roomIds: ReadonlySet<string> | null;
}

export interface ConnectRequest {
  socket: WebSocket;
  role: Role;
  deviceId: string;
  since: number | null;
  epoch: string | null;
  filter: LiveFilter;
}

/** The log as this node publishes it: replays read it; the head is the last seq handed to publish(). */
export interface HubLog {
  readonly epoch: string;
  headSeq(): number;
  /** The last committed seq, which with several nodes may be ahead of `headSeq()`. */
  committedSeq(): Op<number>;
  oldestSeq(): Op<number>;
  readAfter(since: number, limit: number): Op<EventRecord[]>;
}

export interface HubOptions {
  log: HubLog;
  /** What a role sees now, and the seq it shows the state at (read in one consistent step). */
  snapshot: (role: Role) => Op<{ seq: number; data: SnapshotData }>;
  /** The app's clock, for the welcome's `at`. */
  clock: () => number;
  maxBuffered: number;
  /** Live sockets one device may hold; opening one more closes its oldest with 4029. */
  maxPerDevice: number;
  pingIntervalMs: number;
  replayMaxEvents: number;
  /**
   * What the public audience (kiosks) receives of a stored event: the record, a rewritten one
   * (a closed-door session listed without its room, or withdrawn), or null for nothing.
   */
  publicView?: (record: EventRecord) => EventRecord | null;
  /** Malformed client messages tolerated before the socket is closed with 1008. */
  maxMalformed?: number;
  onBroadcast?: (ms: number) => void;
  onSocketsChanged?: (role: Role, delta: number) => void;
  /** Every live socket that closes, with its close code (metrics). */
  onClosed?: (code: number) => void;
  logger: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
}

interface Client {
  socket: WebSocket;
  role: Role;
  audience: Audience;
  deviceId: string;
  filter: LiveFilter;
  alive: boolean;
  /** Which heartbeat slice pings this socket. */
  slice: number;
  malformed: number;
  closing: boolean;
  /** While a fragmented snapshot is going out: the messages that must wait for its last fragment. */
  held: { messages: Buffer[]; bytes: number } | null;
  /**
   * While the socket is caught up across awaits (a store that answers asynchronously): the events
   * published meanwhile, delivered after the replay or snapshot when their seq is past it.
   */
  pending: { events: EventRecord[]; bytes: number } | null;
  /**
   * The seq the replay or snapshot showed the socket: a store read across awaits may show
   * events this node has not published yet, and those are not sent again when they arrive.
   */
  shown: number;
}

function matches(filter: LiveFilter, event: EventRecord): boolean {
  if (filter.topics !== null && !filter.topics.has(event.topic)) return false;
  if (filter.roomIds !== null && event.roomIds !== null && !event.roomIds.some((id) => filter.roomIds!.has(id))) {
    return false;
  }
  return true;
}

export function parseList(value: string | undefined): ReadonlySet<string> | null {
  if (value === undefined) return null;
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return items.length > 0 ? new Set(items) : null;
}

export class Hub {
  private readonly clients = new Set<Client>();
  private readonly pingTimer: NodeJS.Timeout;
  private shuttingDown = false;
  private nextSlice = 0;
  private currentSlice = 0;
  /**
   * The TCP sockets written to during one publish(), corked: a commit's events leave each in
   * one write (ws corks per frame; an outer cork holds them all until publish() uncorks).
   */
  private corked: Set<Duplex> | null = null;
  /** The serialised snapshot per role at one head seq: a reconnect storm builds it once and every socket shares the bytes. */
  private readonly snapshots = new Map<Role, { seq: number; message: Buffer }>();

  constructor(private readonly opts: HubOptions) {
    // Each socket is pinged once per interval, but a slice at a time: pinging 10,000 sockets in
    // one pass (and handling their pongs) would hold the event loop in front of commits.
    this.pingTimer = setInterval(() => this.heartbeat(), opts.pingIntervalMs / HEARTBEAT_SLICES);
    this.pingTimer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * Welcome, then replay or snapshot, then live. On SQLite all in one synchronous step, so no
   * event committed meanwhile can slip between the replay and the live stream; on a store that
   * answers asynchronously, events published during the catch-up wait in `pending` and follow
   * it when their seq is past what the replay or snapshot showed: no gap, no duplicate.
   */
  connect(req: ConnectRequest): void {
    const { socket } = req;
    if (this.shuttingDown) {
      socket.close(CLOSE_GOING_AWAY, 'server shutting down');
      return;
    }
    const log = this.opts.log;
    const client: Client = {
      socket,
      role: req.role,
      audience: audienceOfRole[req.role],
      deviceId: req.deviceId,
      filter: req.filter,
      alive: true,
      slice: this.nextSlice++ % HEARTBEAT_SLICES,
      malformed: 0,
      closing: false,
      held: null,
      pending: { events: [], bytes: 0 },
      shown: 0,
    };
    this.limitDevice(req.deviceId);
    this.clients.add(client);
    this.opts.onSocketsChanged?.(client.role, 1);
    const head = log.headSeq();
    socket.send(JSON.stringify({ type: 'welcome', role: req.role, seq: head, epoch: log.epoch, at: new Date(this.opts.clock()).toISOString() } satisfies Welcome));
    const caughtUp = runEager(this.catchUp(client, req));
    if (caughtUp instanceof Promise) {
      caughtUp.catch((err: unknown) => {
        this.opts.logger.warn({ err, deviceId: client.deviceId }, 'live catch-up failed');
        this.close(client, CLOSE_INTERNAL, 'internal error');
      });
    }
    socket.on('pong', () => {
      client.alive = true;
    });
    // ws hands a message over as one Buffer (its default binaryType), fragments already joined.
    socket.on('message', (data, isBinary) => this.onMessage(client, (data as Buffer).toString(), isBinary));
    socket.on('close', (code: number) => {
      if (this.clients.delete(client)) this.opts.onSocketsChanged?.(client.role, -1);
      this.opts.onClosed?.(code);
    });
    socket.on('error', (err) => this.opts.logger.debug({ err }, 'live socket error'));
  }

  /** Replay or snapshot, then the events published meanwhile that come after it. */
  private *catchUp(client: Client, req: ConnectRequest): Op<void> {
    const log = this.opts.log;
    let shown: number;
    const since = req.since;
    let canReplay = since !== null && req.epoch === log.epoch;
    if (canReplay) {
      // The log as committed, which with several nodes can be ahead of what this node has
      // published: a socket resuming here from a node further on is replayed, not sent a snapshot.
      const committed = yield* log.committedSeq();
      canReplay = since! <= committed && committed - since! <= this.opts.replayMaxEvents && since! >= (yield* log.oldestSeq()) - 1;
    }
    // Replay and snapshot obey the same buffer limit as live events: a socket that does not read is closed with 4008.
    if (canReplay) {
      shown = since!;
      for (const event of yield* log.readAfter(since!, this.opts.replayMaxEvents)) {
        // Events this node has not published yet come through publish() once it has: the caches
        // that shape them (a session's closed-door state for kiosks) are current only up to here.
        if (client.closing || event.seq > log.headSeq()) break;
        shown = event.seq;
        this.deliver(client, event);
      }
    } else {
      const snapshot = yield* this.snapshotMessage(req.role);
      shown = snapshot.seq;
      this.sendSnapshot(client, snapshot.message);
    }
    client.shown = shown;
    const pending = client.pending!.events;
    client.pending = null;
    for (const event of pending) if (event.seq > shown) this.deliver(client, event);
  }

  /** One event to one socket, shaped for its audience (the catch-up's path; publish() shares the bytes). */
  private deliver(client: Client, event: EventRecord): void {
    const shaped = this.shapedFor(client.audience, event, null);
    if (shaped === null || !matches(client.filter, shaped.record)) return;
    const message = shaped.message(client.audience);
    if (message !== null) this.send(client, Buffer.from(message));
  }

  publish(events: EventRecord[]): void {
    if (events.length === 0 || this.clients.size === 0) return;
    const started = performance.now();
    this.corked = new Set();
    try {
      this.fanOut(events);
    } finally {
      for (const raw of this.corked) raw.uncork();
      this.corked = null;
    }
    this.opts.onBroadcast?.(performance.now() - started);
  }

  private fanOut(events: EventRecord[]): void {
    for (const event of events) {
      // One serialisation per event and audience, shared by every socket of that audience.
      const shaped = new ShapedEvent(event);
      // The public audience may see a rewritten record (or none), built once for every kiosk.
      let publicShaped: ShapedEvent | null | undefined;
      const buffers = new Map<Audience, Buffer | null>();
      for (const client of this.clients) {
        if (client.closing) continue;
        if (client.pending) {
          this.hold(client, event);
          continue;
        }
        if (event.seq <= client.shown) continue;
        let target: ShapedEvent | null = shaped;
        if (client.audience === 'public') target = publicShaped === undefined ? (publicShaped = this.shapedFor('public', event, shaped)) : publicShaped;
        if (target === null || !matches(client.filter, target.record)) continue;
        let message = buffers.get(client.audience);
        if (message === undefined) {
          const text = target.message(client.audience);
          message = text === null ? null : Buffer.from(text);
          buffers.set(client.audience, message);
        }
        if (message !== null) this.send(client, message);
      }
      // Revocation reaches every socket of the device through the log, whichever route or node revoked it.
      if (event.name === 'device.revoked') this.closeDevice((JSON.parse(event.payloadJson) as { id: string }).id);
    }
  }

  private shapedFor(audience: Audience, event: EventRecord, shaped: ShapedEvent | null): ShapedEvent | null {
    const record = audience === 'public' && this.opts.publicView ? this.opts.publicView(event) : event;
    if (record === null) return null;
    return record === event && shaped !== null ? shaped : new ShapedEvent(record);
  }

  /** A revoked device loses its sockets at once. */
  private closeDevice(deviceId: string): void {
    for (const client of this.clients) {
      if (client.deviceId === deviceId) this.close(client, CLOSE_REVOKED, 'token revoked');
    }
  }

  /** Shutdown: every client gets 1001 and resumes with `since` against the next process. */
  closeAll(): void {
    this.shuttingDown = true;
    clearInterval(this.pingTimer);
    for (const client of this.clients) this.close(client, CLOSE_GOING_AWAY, 'server shutting down');
  }

  /** Sockets that did not close politely are cut off; returns once every socket is gone. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const client of this.clients) client.socket.terminate();
  }

  /** A device over its socket allowance loses its oldest socket (4029: the page does not reconnect it). */
  private limitDevice(deviceId: string): void {
    const open = [...this.clients].filter((c) => c.deviceId === deviceId && !c.closing);
    for (const client of open.slice(0, Math.max(0, open.length - this.opts.maxPerDevice + 1))) {
      this.close(client, CLOSE_TOO_MANY, 'too many live sockets for this device');
    }
  }

  /**
   * A snapshot that fits under the buffer limit goes out at once; a larger one stays one message
   * but leaves as fragments while the socket drains, and live events wait behind its last one.
   */
  private sendSnapshot(client: Client, message: Buffer): void {
    if (client.socket.bufferedAmount + message.length <= this.opts.maxBuffered) {
      this.send(client, message);
      return;
    }
    client.held = { messages: [], bytes: 0 };
    // Fragments small enough that two fit under the limit, whatever the limit is set to.
    const fragment = Math.max(1024, Math.min(FRAGMENT_BYTES, Math.floor(this.opts.maxBuffered / 2)));
    let offset = 0;
    let wait = DRAIN_POLL_MIN_MS;
    const pump = (): void => {
      if (client.closing) return;
      const before = offset;
      while (offset < message.length && client.socket.bufferedAmount + fragment <= this.opts.maxBuffered) {
        const end = Math.min(offset + fragment, message.length);
        client.socket.send(message.subarray(offset, end), { binary: false, fin: end === message.length });
        offset = end;
      }
      if (offset < message.length) {
        // No reader, no progress: the poll slows down, and the heartbeat drops a socket that stopped answering.
        wait = offset > before ? DRAIN_POLL_MIN_MS : Math.min(wait * 2, DRAIN_POLL_MAX_MS);
        setTimeout(pump, wait).unref();
        return;
      }
      const held = client.held!.messages;
      client.held = null;
      for (const m of held) this.send(client, m);
    };
    pump();
  }

  private send(client: Client, message: Buffer): void {
    if (client.closing) return;
    if (client.held) {
      if (client.socket.bufferedAmount + client.held.bytes + message.length > this.opts.maxBuffered) {
        this.close(client, CLOSE_TOO_SLOW, 'too slow');
        return;
      }
      client.held.messages.push(message);
      client.held.bytes += message.length;
      return;
    }
    if (client.socket.bufferedAmount + message.length > this.opts.maxBuffered) {
      this.opts.logger.warn({ deviceId: client.deviceId, role: client.role, buffered: client.socket.bufferedAmount }, 'slow live consumer closed');
      this.close(client, CLOSE_TOO_SLOW, 'too slow');
      return;
    }
    if (this.corked) {
      // ws's own TCP socket (not part of its typed API): absent, the frames simply leave one by one.
      const raw = (client.socket as unknown as { _socket?: Duplex | null })._socket;
      if (raw && !this.corked.has(raw)) {
        raw.cork();
        this.corked.add(raw);
      }
    }
    // A Buffer would go out as a binary frame, which browsers hand over as a Blob: messages are JSON text.
    client.socket.send(message, { binary: false });
  }

  /** Held for a socket still being caught up, within the same buffer limit as what it would have been sent. */
  private hold(client: Client, event: EventRecord): void {
    const pending = client.pending!;
    pending.bytes += event.payloadJson.length;
    if (client.socket.bufferedAmount + pending.bytes > this.opts.maxBuffered) {
      this.close(client, CLOSE_TOO_SLOW, 'too slow');
      return;
    }
    pending.events.push(event);
  }

  private close(client: Client, code: number, reason: string): void {
    if (client.closing) return;
    client.closing = true;
    // ws destroys the socket if the closing handshake has not completed within 30 s, so a
    // client that never reads does not hold the server, and a slow one still reads the code.
    client.socket.close(code, reason);
  }

  private onMessage(client: Client, text: string, isBinary: boolean): void {
    let message: unknown;
    try {
      message = isBinary ? undefined : JSON.parse(text);
    } catch {
      message = undefined;
    }
    const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
    if (type === 'subscribe') {
      const subscribe = subscribeSchema.safeParse(message);
      if (subscribe.success) {
        const { topics, roomIds } = subscribe.data;
        const list = (v: string[]): ReadonlySet<string> | null => (v.length > 0 ? new Set(v) : null);
        client.filter = {
          topics: topics === undefined ? client.filter.topics : list(topics),
          roomIds: roomIds === undefined ? client.filter.roomIds : list(roomIds),
        };
        return;
      }
    } else if (typeof type === 'string') {
      // A message type of a later protocol version: ignored, not malformed.
      return;
    }
    client.malformed += 1;
    if (client.malformed >= (this.opts.maxMalformed ?? 5)) this.close(client, CLOSE_POLICY, 'malformed messages');
  }

  private *snapshotMessage(role: Role): Op<{ seq: number; message: Buffer }> {
    const cached = this.snapshots.get(role);
    if (cached && cached.seq === this.opts.log.headSeq()) return cached;
    const { seq, data } = yield* this.opts.snapshot(role);
    const built = { seq, message: Buffer.from(JSON.stringify({ type: 'snapshot', seq, data } satisfies Snapshot)) };
    this.snapshots.set(role, built);
    return built;
  }

  private heartbeat(): void {
    const slice = this.currentSlice;
    this.currentSlice = (slice + 1) % HEARTBEAT_SLICES;
    for (const client of this.clients) {
      if (client.slice !== slice) continue;
      if (!client.alive) {
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }
}
