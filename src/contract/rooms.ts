// Rooms: the public state kiosks see, the staff view with occupancy, the bodies that change them, and occupancy events.
import { z } from 'zod';
import { occupancyLevels, roomStatuses } from '../core/vocabulary.js';

/** Where a listed closed-door session is said to be on public surfaces (EVENTDAY_PUBLIC_RESTRICTED=listed): a room that names no room and has no state. */
export const UNPUBLISHED_ROOM = { id: 'room-not-published', name: 'Closed-door session (room not published)' } as const;

export const roomStatusSchema = z.enum(roomStatuses);
export const occupancyLevelSchema = z.enum(occupancyLevels);

/** Features are matched between rooms and sessions, so they are tokens: lower-case words joined by `_`. */
export const featureSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,49}$/, 'a feature is lower-case letters, digits and _ (e.g. step_free), at most 50 characters');

/** What a kiosk may know of a room: never a count of people. */
export const publicRoomSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    features: z.array(z.string()),
    status: roomStatusSchema,
    full: z.boolean(),
  })
  .meta({ id: 'PublicRoom' });
export type PublicRoom = z.infer<typeof publicRoomSchema>;

export const staffRoomSchema = publicRoomSchema
  .extend({
    capacity: z.number().int(),
    occupancy: z.number().int(),
    occupancyLevel: occupancyLevelSchema,
  })
  .meta({ id: 'StaffRoom' });
export type StaffRoom = z.infer<typeof staffRoomSchema>;

const roomName = z.string().trim().min(1).max(200);
const capacity = z.number().int().min(0).max(100_000);
const features = z.array(featureSchema).max(50);
const sortOrder = z.number().int().min(-1_000_000).max(1_000_000);

export const newRoomBody = z.strictObject({
  name: roomName,
  capacity,
  features: features.default([]),
  status: roomStatusSchema.default('open'),
  sortOrder: sortOrder.default(0),
});

export const roomPatchBody = z
  .strictObject({
    name: roomName.optional(),
    capacity: capacity.optional(),
    features: features.optional(),
    status: roomStatusSchema.optional(),
    sortOrder: sortOrder.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');
export type RoomPatchBody = z.infer<typeof roomPatchBody>;

/** No room on the day holds more; a larger number is a typo, not a count. */
export const MAX_HEADCOUNT = 100_000;
export const headcountBody = z.strictObject({ count: z.number().int().min(0).max(MAX_HEADCOUNT) });

/** Payload of `room.occupancy` (staff): coalesced per room. */
export const occupancyEventSchema = z.object({
  roomId: z.string(),
  occupancy: z.number().int(),
  capacity: z.number().int(),
  occupancyLevel: occupancyLevelSchema,
});
export type OccupancyEvent = z.infer<typeof occupancyEventSchema>;

/** A room whose alert level is not normal: in the staff snapshot as `alerts`. */
export const alertSchema = z
  .object({
    roomId: z.string(),
    level: occupancyLevelSchema,
    occupancy: z.number().int(),
    capacity: z.number().int(),
  })
  .meta({ id: 'RoomAlert' });
export type Alert = z.infer<typeof alertSchema>;

/** Payload of `room.alert` (staff): the alert level crossed a threshold, up at once or down with hysteresis. */
export const alertEventSchema = alertSchema.extend({ previousLevel: occupancyLevelSchema });
export type AlertEvent = z.infer<typeof alertEventSchema>;

/** Payload of `room.headcount` (admin): who set a count, for the audit trail. */
export const headcountEventSchema = z.object({ roomId: z.string(), count: z.number().int(), previous: z.number().int() });
