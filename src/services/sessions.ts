// Sessions: the store functions and the wire shape of a session.
import type { Store } from '../db/open.js';
import { sessions } from '../db/schema.js';
import { toIso, type SessionWire } from '../http/schemas.js';

export type SessionRow = typeof sessions.$inferSelect;

export function toSessionWire(row: SessionRow): SessionWire {
  return {
    id: row.id,
    title: row.title,
    theme: row.theme,
    type: row.type,
    startsAt: toIso(row.startsAt),
    endsAt: toIso(row.endsAt),
    roomId: row.roomId,
    speakers: row.speakers,
    status: row.status,
    delayMinutes: row.delayMinutes,
    access: row.access,
    expectedAttendance: row.expectedAttendance,
    requiredFeatures: row.requiredFeatures,
    version: row.version,
    changeNote: row.changeNote,
  };
}

export function listSessionRows(store: Store): SessionRow[] {
  return store.db.select().from(sessions).orderBy(sessions.startsAt, sessions.id).all();
}
