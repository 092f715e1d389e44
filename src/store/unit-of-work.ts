// The unit of work every use case runs in, whatever the store: its actor, its time, the store's ports and the events it appends.
import { eventDef, visibilityOf, type EventName, type EventPayload } from '../contract/events.js';
import type { Role } from '../core/vocabulary.js';
import type { AppendInput, EventRecord } from '../live/event-log.js';
import type { Op } from './op.js';
import type { StorePorts } from './ports.js';

export interface Actor {
  deviceId: string;
  role: Role;
}

export interface Tx {
  readonly now: number;
  readonly actor: Actor | null;
  /** The store's ports inside this unit of work: a body reads and writes through them with `yield*`. */
  readonly store: StorePorts;
  /**
   * Appends an event of the catalogue: its topic and what each audience receives come from the
   * contract, so an event without a schema does not compile. `roomIds` names the rooms it
   * concerns, for live clients that follow only some rooms (nulls are left out). Its seq is
   * given at commit (PostgreSQL numbers a transaction's events under the log's head lock).
   */
  emit<N extends EventName>(name: N, data: EventPayload<N>, roomIds?: readonly (string | null)[]): void;
}

/**
 * A use case's body: a generator over the store's ports (`function* (tx) { … yield* tx.store… }`),
 * which every adapter runs, or a plain function of the SQLite connection (not yet on ports).
 */
export type Body<T> = (tx: Tx) => Op<T> | T;

/** Runs use cases: each in one transaction with its events, answered only after the commit. */
export interface UnitOfWork {
  submit<T>(actor: Actor | null, fn: Body<T>): Promise<T>;
}

/** Fans committed events out (the live hub). */
export interface Publisher {
  publish(events: EventRecord[]): void;
}

/** What the log stores for an emitted event: topic and visibility from the catalogue, the payload as its schema lets through. */
export function eventInput<N extends EventName>(
  actor: Actor | null,
  at: number,
  name: N,
  data: EventPayload<N>,
  roomIds: readonly (string | null)[] | undefined,
): AppendInput {
  const def = eventDef(name);
  const rooms = roomIds?.filter((id): id is string => id !== null) ?? [];
  return {
    topic: def.topic,
    name,
    visibility: visibilityOf(name),
    actorDeviceId: actor?.deviceId ?? null,
    roomIds: rooms.length > 0 ? [...new Set(rooms)] : null,
    // Stored as its schema lets through: a payload never carries a field the contract does not name.
    payloadJson: JSON.stringify(def.payload.parse(data)),
    at,
  };
}
