// The snapshot a live client gets when it cannot be replayed: shaped per role by the contract, never more than the role may see.
import type { Alert } from '../contract/rooms.js';
import type { PublicSnapshotData, SnapshotData, StaffSnapshotData } from '../contract/live.js';
import { isStaffRole, type Role } from '../core/vocabulary.js';
import type { Store } from '../db/open.js';
import type { AnnouncementService } from './announcements.js';
import type { CheckinService } from './checkins.js';
import { listRoomRows, toPublicRoom, toStaffRoom } from './rooms.js';
import type { ScheduleService } from './schedule.js';
import { listSessionRows, toSessionWire } from './sessions.js';
import type { EventSettings } from './settings.js';

export interface SnapshotSources {
  store: Store;
  settings: EventSettings;
  announcements: AnnouncementService;
  schedule: ScheduleService;
  checkins: CheckinService;
}

export function buildSnapshot(sources: SnapshotSources, role: Role): SnapshotData {
  const { store, settings } = sources;
  const roomRows = listRoomRows(store);
  const shared: Omit<PublicSnapshotData, 'rooms'> = {
    event: { title: settings.name, timeZone: settings.timeZone, days: settings.days },
    sessions: listSessionRows(store).map(toSessionWire),
    announcements: sources.announcements.listActive(),
    nowNext: sources.schedule.nowNextIds(),
  };
  if (!isStaffRole(role)) return { ...shared, rooms: roomRows.map(toPublicRoom) };
  // The alert level is hysteretic and stored with the room: a reload shows what staff were alerted to.
  const alerts: Alert[] = roomRows
    .filter((r) => r.alertLevel !== 'normal')
    .map((r) => ({ roomId: r.id, level: r.alertLevel, occupancy: r.occupancy, capacity: r.capacity }));
  const staff: StaffSnapshotData = { ...shared, rooms: roomRows.map(toStaffRoom), checkinStats: sources.checkins.stats(), alerts };
  return staff;
}
