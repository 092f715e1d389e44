// Announcements: create, remove, list the active ones, and expire them on time with an event.
import { AppError, notFound } from '../core/errors.js';
import { toIso } from '../core/time.js';
import type { Severity } from '../core/vocabulary.js';
import type { AnnouncementWire } from '../contract/announcements.js';
import type { Op } from '../store/op.js';
import type { AnnouncementRecord, StorePorts, StoreReader } from '../store/ports.js';
import type { Actor, Tx, UnitOfWork } from '../store/unit-of-work.js';

export interface NewAnnouncement {
  text: string;
  severity: Severity;
  roomIds?: string[] | undefined;
  expiresAt?: number | undefined;
}

export function toAnnouncementWire(row: AnnouncementRecord): AnnouncementWire {
  return {
    id: row.id,
    text: row.text,
    severity: row.severity,
    roomIds: row.roomIds ?? null,
    createdAt: toIso(row.createdAt),
    expiresAt: row.expiresAt === null ? null : toIso(row.expiresAt),
  };
}

export class AnnouncementService {
  constructor(
    private readonly reader: StoreReader,
    private readonly writer: UnitOfWork,
    private readonly newId: () => string,
    private readonly clock: () => number,
  ) {}

  create(actor: Actor, input: NewAnnouncement): Promise<AnnouncementWire> {
    const newId = this.newId;
    return this.writer.submit(actor, function* (tx) {
      if (input.expiresAt !== undefined && input.expiresAt <= tx.now) {
        throw new AppError('validation_failed', 400, 'expiresAt must be in the future', {
          errors: [{ field: 'body.expiresAt', message: 'must be in the future' }],
        });
      }
      const roomIds = input.roomIds && input.roomIds.length > 0 ? [...new Set(input.roomIds)] : null;
      if (roomIds) {
        const known = yield* tx.store.rooms.existing(roomIds);
        const unknown = roomIds.filter((id) => !known.has(id));
        if (unknown.length > 0) {
          throw new AppError('validation_failed', 400, `unknown room(s): ${unknown.join(', ')}`, {
            errors: [{ field: 'body.roomIds', message: `unknown room(s): ${unknown.join(', ')}` }],
          });
        }
      }
      const row: AnnouncementRecord = {
        id: newId(),
        text: input.text,
        severity: input.severity,
        roomIds,
        createdAt: tx.now,
        expiresAt: input.expiresAt ?? null,
        removedAt: null,
        createdBy: tx.actor?.deviceId ?? null,
      };
      yield* tx.store.announcements.insert(row);
      const wire = toAnnouncementWire(row);
      tx.emit('announcement.created', wire, roomIds ?? []);
      return wire;
    });
  }

  remove(actor: Actor, id: string): Promise<void> {
    return this.writer.submit(actor, function* (tx) {
      const row = yield* tx.store.announcements.find(id);
      if (!row || row.removedAt !== null || (row.expiresAt !== null && row.expiresAt <= tx.now)) {
        throw notFound('announcement');
      }
      yield* removeIn(tx, row);
    });
  }

  listActive(): Promise<AnnouncementWire[]> {
    return this.reader.read((store) => this.activeIn(store));
  }

  /** As `listActive`, as a store step: the live snapshot reads it with the rest of its state. */
  *activeIn(store: StorePorts): Op<AnnouncementWire[]> {
    return (yield* store.announcements.listActive(this.clock())).map(toAnnouncementWire);
  }

  /** Called from a timer: every announcement past its expiry is removed, with its event. */
  expireDue(): Promise<number> {
    return this.writer.submit(null, function* (tx) {
      const due = yield* tx.store.announcements.listDue(tx.now);
      for (const row of due) yield* removeIn(tx, row);
      return due.length;
    });
  }
}

function* removeIn(tx: Tx, row: AnnouncementRecord): Op<void> {
  yield* tx.store.announcements.markRemoved(row.id, tx.now);
  tx.emit('announcement.removed', { id: row.id }, row.roomIds ?? []);
}
