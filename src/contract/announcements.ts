// Announcements: public messages for kiosks, optionally for some rooms, with an optional expiry.
import { z } from 'zod';
import { severities } from '../core/vocabulary.js';
import { isoTime } from './common.js';

export const severitySchema = z.enum(severities);

export const announcementSchema = z
  .object({
    id: z.string(),
    text: z.string(),
    severity: severitySchema,
    roomIds: z.array(z.string()).nullable(),
    createdAt: isoTime,
    expiresAt: isoTime.nullable(),
  })
  .meta({ id: 'Announcement' });
export type AnnouncementWire = z.infer<typeof announcementSchema>;

export const newAnnouncementBody = z.strictObject({
  text: z.string().trim().min(1).max(2000),
  severity: severitySchema,
  roomIds: z.array(z.string().min(1).max(200)).max(500).optional(),
  expiresAt: isoTime.optional(),
});
export type NewAnnouncementBody = z.infer<typeof newAnnouncementBody>;

/** Payload of `announcement.removed`. */
export const announcementRemovedSchema = z.object({ id: z.string() });
