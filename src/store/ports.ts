// What use cases ask of the store: one small interface per aggregate. SQL lives only in the adapters (sqlite/, pg/).
import type { Role, Severity } from '../core/vocabulary.js';
import type { EventFilter, EventRecord } from '../live/event-log.js';
import type { Op } from './op.js';

export interface DeviceRecord {
  id: string;
  name: string;
  role: Role;
  /** sha256 of the token, hex: the token itself is never stored. */
  tokenHash: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface DevicePort {
  findByTokenHash(tokenHash: string): Op<DeviceRecord | undefined>;
  find(id: string): Op<DeviceRecord | undefined>;
  /** Oldest first (then by id), revoked ones included. */
  list(): Op<DeviceRecord[]>;
  count(): Op<number>;
  insert(device: DeviceRecord): Op<void>;
  markRevoked(id: string, at: number): Op<void>;
}

export interface AnnouncementRecord {
  id: string;
  text: string;
  severity: Severity;
  /** The rooms it is shown in; null for everywhere. */
  roomIds: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  removedAt: number | null;
  createdBy: string | null;
}

export interface AnnouncementPort {
  find(id: string): Op<AnnouncementRecord | undefined>;
  insert(announcement: AnnouncementRecord): Op<void>;
  markRemoved(id: string, at: number): Op<void>;
  /** Not removed and not expired at `now`, oldest first (then by id). */
  listActive(now: number): Op<AnnouncementRecord[]>;
  /** Not removed, with an expiry at or before `now`. */
  listDue(now: number): Op<AnnouncementRecord[]>;
}

export interface RoomPort {
  /** Those of `ids` that name a room. */
  existing(ids: readonly string[]): Op<Set<string>>;
}

/** History, read by name: how use cases learn what happened without knowing how the log is stored. */
export interface LogPort {
  /** Events after `since` with one of these names (and, given `kinds`, whose payload's `kind` is one of them), oldest first. */
  readNamed(since: number, limit: number, filter: EventFilter): Op<EventRecord[]>;
  /** The newest seq of a topic (0 when it has none): what a cache of that topic's state is versioned by. */
  latestSeqOf(topic: string): Op<number>;
  /** The newest seq in the log (0 when empty). */
  headSeq(): Op<number>;
}

/** Every aggregate's port, bound to one connection: the unit of work's inside a use case, the reader's outside. */
export interface StorePorts {
  log: LogPort;
  devices: DevicePort;
  announcements: AnnouncementPort;
  rooms: RoomPort;
}

/** Reads outside a unit of work: what a use case's read-only method uses. */
export interface StoreReader {
  read<T>(body: (store: StorePorts) => Op<T>): Promise<T>;
}
