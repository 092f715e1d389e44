// Wire schemas shared by routes, live events, snapshots and tests: the one source of truth for what a client sees.
import { z } from 'zod';
import { categories, roles } from '../db/schema.js';

/** ISO 8601 in UTC with `Z`, as every time on the wire. */
export const isoTime = z.iso.datetime({ offset: false }).describe('ISO 8601 UTC time, e.g. 2023-02-15T08:30:00Z');

export function toIso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export const idParam = z.strictObject({ id: z.string().min(1).max(200) });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details; `code` is stable and machine-readable');

export const roleSchema = z.enum(roles);
export const categorySchema = z.enum(categories);

export const deviceSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  createdAt: isoTime,
  revokedAt: isoTime.nullable(),
});

export const announcementSchema = z.object({
  id: z.string(),
  text: z.string(),
  severity: z.enum(['info', 'warning', 'emergency']),
  roomIds: z.array(z.string()).nullable(),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
});
export type AnnouncementWire = z.infer<typeof announcementSchema>;

export const roomStatusSchema = z.enum(['open', 'closed', 'out_of_service']);
export const occupancyLevelSchema = z.enum(['normal', 'near', 'full']);

/** What a kiosk may know of a room: never a count of people. */
export const publicRoomSchema = z.object({
  id: z.string(),
  name: z.string(),
  features: z.array(z.string()),
  status: roomStatusSchema,
  full: z.boolean(),
});

export const staffRoomSchema = publicRoomSchema.extend({
  capacity: z.number().int(),
  occupancy: z.number().int(),
  occupancyLevel: occupancyLevelSchema,
});

export const accessSchema = z.discriminatedUnion('policy', [
  z.strictObject({ policy: z.literal('open') }),
  z.strictObject({ policy: z.literal('categories'), categories: z.array(categorySchema).min(1) }),
]);

export const sessionStatusSchema = z.enum(['scheduled', 'live', 'ended', 'cancelled']);

export const sessionSchema = z.object({
  id: z.string(),
  title: z.string(),
  theme: z.number().int().nullable(),
  type: z.string(),
  startsAt: isoTime,
  endsAt: isoTime,
  roomId: z.string(),
  speakers: z.array(z.string()),
  status: sessionStatusSchema,
  delayMinutes: z.number().int(),
  access: accessSchema,
  expectedAttendance: z.number().int(),
  requiredFeatures: z.array(z.string()),
  version: z.number().int(),
  changeNote: z.string().nullable(),
});
export type SessionWire = z.infer<typeof sessionSchema>;
