// Rooms: the store functions, wire shapes (public for kiosks, staff with occupancy) and the create/change use cases.
import { nextAlertLevel, occupancyLevel } from '../domain/occupancy.js';
import { AppError, notFound } from '../core/errors.js';
import type { PublicRoom, StaffRoom } from '../contract/rooms.js';
import type { Op } from '../store/op.js';
import type { RoomRecord, StoreReader } from '../store/ports.js';
import type { Actor, Tx, UnitOfWork } from '../store/unit-of-work.js';

export type RoomRow = RoomRecord;
export type RoomStatus = RoomRow['status'];

export function toPublicRoom(row: RoomRow): PublicRoom {
  return {
    id: row.id,
    name: row.name,
    features: row.features,
    status: row.status,
    // Exactly at or over capacity: a kiosk never shows FULL below it. The staff alert keeps its
    // hysteresis; the public flag may turn as often as the room reaches capacity.
    full: occupancyLevel(row.occupancy, row.capacity) === 'full',
  };
}

export function toStaffRoom(row: RoomRow): StaffRoom {
  return {
    ...toPublicRoom(row),
    capacity: row.capacity,
    occupancy: row.occupancy,
    occupancyLevel: occupancyLevel(row.occupancy, row.capacity),
  };
}


/** Every change to a room reaches kiosks as the room's public state. */
export function emitRoomUpdated(tx: Tx, row: RoomRow, name: 'room.created' | 'room.updated' = 'room.updated'): void {
  tx.emit(name, toPublicRoom(row), [row.id]);
}

export interface NewRoom {
  name: string;
  capacity: number;
  features: string[];
  status: RoomStatus;
  sortOrder: number;
}

export type RoomChanges = Partial<NewRoom>;

/** Called after the commit that took a room out of service (room allocation re-plans its sessions). */
export type OutOfServiceListener = (room: RoomRow, actor: Actor) => void | Promise<void>;

interface ErrorLog {
  error(obj: object, msg: string): void;
}

export class RoomService {
  private readonly outOfServiceListeners = new Set<OutOfServiceListener>();

  constructor(
    private readonly reader: StoreReader,
    private readonly writer: UnitOfWork,
    private readonly newId: () => string,
    private readonly log: ErrorLog,
  ) {}

  list(): Promise<RoomRow[]> {
    return this.reader.read((store) => store.rooms.list());
  }

  /** Registers a listener for rooms going out of service; returns the function that removes it. */
  onOutOfService(listener: OutOfServiceListener): () => void {
    this.outOfServiceListeners.add(listener);
    return () => this.outOfServiceListeners.delete(listener);
  }

  create(actor: Actor, input: NewRoom): Promise<RoomRow> {
    const newId = this.newId;
    return this.writer.submit(actor, function* (tx) {
      yield* assertNameFree(tx, input.name, null);
      const row: RoomRow = {
        id: newId(),
        name: input.name,
        capacity: input.capacity,
        features: uniq(input.features),
        status: input.status,
        occupancy: 0,
        alertLevel: 'normal',
        sortOrder: input.sortOrder,
        createdAt: tx.now,
        updatedAt: tx.now,
      };
      yield* tx.store.rooms.insert(row);
      emitRoomUpdated(tx, row, 'room.created');
      return row;
    });
  }

  async update(actor: Actor, id: string, changes: RoomChanges): Promise<RoomRow> {
    const { before, after } = await this.writer.submit(actor, function* (tx) {
      const row = yield* tx.store.rooms.findForUpdate(id);
      if (!row) throw notFound('room');
      if (changes.name !== undefined && changes.name !== row.name) yield* assertNameFree(tx, changes.name, id);
      const capacity = changes.capacity ?? row.capacity;
      const next: RoomRow = {
        ...row,
        name: changes.name ?? row.name,
        capacity,
        features: changes.features === undefined ? row.features : uniq(changes.features),
        status: changes.status ?? row.status,
        sortOrder: changes.sortOrder ?? row.sortOrder,
        // Capacity moves the thresholds: the same hysteresis rule as a change of count decides the level.
        alertLevel: capacity === row.capacity ? row.alertLevel : nextAlertLevel(row.alertLevel, row.occupancy, capacity),
        updatedAt: tx.now,
      };
      const changed =
        next.name !== row.name ||
        next.capacity !== row.capacity ||
        next.status !== row.status ||
        next.sortOrder !== row.sortOrder ||
        JSON.stringify(next.features) !== JSON.stringify(row.features);
      if (!changed) return { before: row, after: row };
      yield* tx.store.rooms.update(next);
      if (next.capacity !== row.capacity) emitCapacity(tx, row, next);
      emitRoomUpdated(tx, next);
      return { before: row, after: next };
    });
    if (before.status !== 'out_of_service' && after.status === 'out_of_service') this.notifyOutOfService(after, actor);
    return after;
  }

  private notifyOutOfService(room: RoomRow, actor: Actor): void {
    for (const listener of this.outOfServiceListeners) {
      // After the commit and off the request: a failing listener must not undo or fail the change itself.
      void Promise.resolve()
        .then(() => listener(room, actor))
        .catch((err: unknown) => this.log.error({ err, roomId: room.id }, 'out-of-service listener failed'));
    }
  }
}

function* assertNameFree(tx: Tx, name: string, exceptId: string | null): Op<void> {
  if (yield* tx.store.rooms.nameTaken(name, exceptId)) throw new AppError('name_taken', 409, `a room named "${name}" already exists`);
}

function uniq(values: string[]): string[] {
  return [...new Set(values)];
}

function emitCapacity(tx: Tx, before: RoomRow, after: RoomRow): void {
  if (after.alertLevel !== before.alertLevel) {
    tx.emit('room.alert', { roomId: after.id, level: after.alertLevel, previousLevel: before.alertLevel, occupancy: after.occupancy, capacity: after.capacity }, [after.id]);
  }
  tx.emit(
    'room.occupancy',
    { roomId: after.id, occupancy: after.occupancy, capacity: after.capacity, occupancyLevel: occupancyLevel(after.occupancy, after.capacity) },
    [after.id],
  );
}
