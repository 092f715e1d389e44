// The snapshot a live client gets when it cannot be replayed: shaped per role by the contract, never more than the role may see.
import type { Alert } from '../contract/rooms.js';
import type { PublicSnapshotData, SnapshotData, StaffSnapshotData } from '../contract/live.js';
import { isStaffRole, type Role } from '../core/vocabulary.js';
import type { Op } from '../store/op.js';
import type { StorePorts } from '../store/ports.js';
import type { AnnouncementService } from './announcements.js';
import type { CheckinService } from './checkins.js';
import { toPublicRoom, toStaffRoom } from './rooms.js';
import type { ScheduleService } from './schedule.js';
import { toSessionWire } from './sessions.js';
import type { EventSettings } from './settings.js';

export interface SnapshotSources {
  settings: EventSettings;
  announcements: AnnouncementService;
  schedule: ScheduleService;
  checkins: CheckinService;
}

/**
 * A store step, so that it reads everything in one go: on SQLite synchronously, on PostgreSQL in
 * the one REPEATABLE READ transaction that also reads the seq the snapshot stands at.
 */
export function* snapshotIn(store: StorePorts, sources: SnapshotSources, role: Role): Op<SnapshotData> {
  const { settings } = sources;
  const roomRows = yield* store.rooms.list();
  const shared: Omit<PublicSnapshotData, 'rooms'> = {
    event: { title: settings.name, timeZone: settings.timeZone, days: settings.days },
    sessions: (yield* store.sessions.list()).map(toSessionWire),
    announcements: yield* sources.announcements.activeIn(store),
    nowNext: yield* sources.schedule.nowNextIdsIn(store),
  };
  if (!isStaffRole(role)) return { ...shared, rooms: roomRows.map(toPublicRoom) };
  // The alert level is hysteretic and stored with the room: a reload shows what staff were alerted to.
  const alerts: Alert[] = roomRows
    .filter((r) => r.alertLevel !== 'normal')
    .map((r) => ({ roomId: r.id, level: r.alertLevel, occupancy: r.occupancy, capacity: r.capacity }));
  const staff: StaffSnapshotData = { ...shared, rooms: roomRows.map(toStaffRoom), checkinStats: yield* sources.checkins.statsIn(store), alerts };
  return staff;
}
