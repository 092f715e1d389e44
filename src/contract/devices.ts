// Devices: one token each, with one role.
import { z } from 'zod';
import { isoTime, roleSchema } from './common.js';

export const deviceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: roleSchema,
    createdAt: isoTime,
    revokedAt: isoTime.nullable(),
  })
  .meta({ id: 'Device' });
export type DeviceWire = z.infer<typeof deviceSchema>;

export const newDeviceBody = z.strictObject({ name: z.string().trim().min(1).max(200), role: roleSchema });

export const createdDeviceSchema = z.object({ id: z.string(), name: z.string(), role: roleSchema, token: z.string() }).meta({ id: 'CreatedDevice' });

/** Payload of `device.created` and `device.revoked` (admin only). */
export const deviceEventSchema = z.object({ id: z.string(), name: z.string(), role: roleSchema });
