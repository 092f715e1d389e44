// The announcements port on SQLite: drizzle's typed rows, each query prepared once.
import { and, asc, eq, gt, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from '../../db/schema.js';
import { known } from '../op.js';
import type { AnnouncementPort } from '../ports.js';

export function sqliteAnnouncements(db: BetterSQLite3Database<typeof schema>): AnnouncementPort {
  const { announcements } = schema;
  const now = sql.placeholder('now');
  const byId = db.select().from(announcements).where(eq(announcements.id, sql.placeholder('id'))).prepare();
  const active = db
    .select()
    .from(announcements)
    .where(and(isNull(announcements.removedAt), or(isNull(announcements.expiresAt), gt(announcements.expiresAt, now))))
    .orderBy(asc(announcements.createdAt), asc(announcements.id))
    .prepare();
  const due = db
    .select()
    .from(announcements)
    .where(and(isNull(announcements.removedAt), isNotNull(announcements.expiresAt), lte(announcements.expiresAt, now)))
    .prepare();
  const remove = db
    .update(announcements)
    .set({ removedAt: sql`${sql.placeholder('at')}` })
    .where(eq(announcements.id, sql.placeholder('id')))
    .prepare();
  return {
    find: (id) => known(byId.get({ id })),
    insert: (row) => known(void db.insert(announcements).values(row).run()),
    markRemoved: (id, at) => known(void remove.run({ id, at })),
    listActive: (at) => known(active.all({ now: at })),
    listDue: (at) => known(due.all({ now: at })),
  };
}
