// The snapshot a live client gets when it cannot be replayed: shaped per role, never more than the role may see.
import type { Store } from '../db/open.js';
import type { Role } from '../db/schema.js';
import { isStaffRole } from '../live/visibility.js';
import type { AnnouncementService } from './announcements.js';
import { listRoomRows, toPublicRoom, toStaffRoom } from './rooms.js';
import { listSessionRows, toSessionWire } from './sessions.js';

export type StaffExtras = () => Record<string, unknown>;

export function buildSnapshot(
  store: Store,
  announcements: AnnouncementService,
  role: Role,
  staffExtras: StaffExtras[],
): Record<string, unknown> {
  const staff = isStaffRole(role);
  const roomRows = listRoomRows(store);
  const data: Record<string, unknown> = {
    rooms: roomRows.map(staff ? toStaffRoom : toPublicRoom),
    sessions: listSessionRows(store).map(toSessionWire),
    announcements: announcements.listActive(),
  };
  if (staff) for (const extra of staffExtras) Object.assign(data, extra());
  return data;
}
