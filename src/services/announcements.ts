// Announcements: create, remove, list the active ones, and expire them on time with an event.
import { and, eq, gt, isNull, lte, or, isNotNull } from 'drizzle-orm';
import type { Store } from '../db/open.js';
import { announcements, rooms } from '../db/schema.js';
import { AppError, notFound } from '../core/errors.js';
import { toIso } from '../core/time.js';
import type { Severity } from '../core/vocabulary.js';
import type { AnnouncementWire } from '../contract/announcements.js';
import type { Actor, Tx, Writer } from './writer.js';

type Row = typeof announcements.$inferSelect;

export interface NewAnnouncement {
  text: string;
  severity: Severity;
  roomIds?: string[] | undefined;
  expiresAt?: number | undefined;
}

export function toAnnouncementWire(row: Row): AnnouncementWire {
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
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly newId: () => string,
    private readonly clock: () => number,
  ) {}

  create(actor: Actor, input: NewAnnouncement): Promise<AnnouncementWire> {
    return this.writer.submit(actor, (tx) => {
      if (input.expiresAt !== undefined && input.expiresAt <= tx.now) {
        throw new AppError('validation_failed', 400, 'expiresAt must be in the future', {
          errors: [{ field: 'body.expiresAt', message: 'must be in the future' }],
        });
      }
      const roomIds = input.roomIds && input.roomIds.length > 0 ? [...new Set(input.roomIds)] : null;
      if (roomIds) {
        const known = new Set(this.store.db.select({ id: rooms.id }).from(rooms).all().map((r) => r.id));
        const unknown = roomIds.filter((id) => !known.has(id));
        if (unknown.length > 0) {
          throw new AppError('validation_failed', 400, `unknown room(s): ${unknown.join(', ')}`, {
            errors: [{ field: 'body.roomIds', message: `unknown room(s): ${unknown.join(', ')}` }],
          });
        }
      }
      const row: Row = {
        id: this.newId(),
        text: input.text,
        severity: input.severity,
        roomIds,
        createdAt: tx.now,
        expiresAt: input.expiresAt ?? null,
        removedAt: null,
        createdBy: tx.actor?.deviceId ?? null,
      };
      this.store.db.insert(announcements).values(row).run();
      const wire = toAnnouncementWire(row);
      tx.emit('announcement.created', wire, roomIds ?? []);
      return wire;
    });
  }

  remove(actor: Actor, id: string): Promise<void> {
    return this.writer.submit(actor, (tx) => {
      const row = this.store.db.select().from(announcements).where(eq(announcements.id, id)).get();
      if (!row || row.removedAt !== null || (row.expiresAt !== null && row.expiresAt <= tx.now)) {
        throw notFound('announcement');
      }
      this.removeIn(tx, row);
    });
  }

  listActive(): AnnouncementWire[] {
    const now = this.clock();
    return this.store.db
      .select()
      .from(announcements)
      .where(and(isNull(announcements.removedAt), or(isNull(announcements.expiresAt), gt(announcements.expiresAt, now))))
      .orderBy(announcements.createdAt, announcements.id)
      .all()
      .map(toAnnouncementWire);
  }

  /** Called from a timer: every announcement past its expiry is removed, with its event. */
  expireDue(): number {
    const due = this.store.db
      .select()
      .from(announcements)
      .where(and(isNull(announcements.removedAt), isNotNull(announcements.expiresAt), lte(announcements.expiresAt, this.clock())))
      .all();
    if (due.length === 0) return 0;
    this.writer.run(null, (tx) => {
      for (const row of due) this.removeIn(tx, row);
    });
    return due.length;
  }

  private removeIn(tx: Tx, row: Row): void {
    this.store.db.update(announcements).set({ removedAt: tx.now }).where(eq(announcements.id, row.id)).run();
    tx.emit('announcement.removed', { id: row.id }, row.roomIds ?? []);
  }
}
