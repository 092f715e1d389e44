// Attendees: the record desks see, search hits, walk-in and edit bodies, the CSV import answer, and attendee events.
import { z } from 'zod';
import { attendeeStatuses } from '../core/vocabulary.js';
import { categorySchema, isoTime } from './common.js';

export const attendeeStatusSchema = z.enum(attendeeStatuses);

export const attendeeSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    name: z.string(),
    organization: z.string(),
    category: categorySchema,
    delegation: z.string().nullable().describe('ISO 3166-1 alpha-2'),
    email: z.string().nullable(),
    flags: z.array(z.string()),
    status: attendeeStatusSchema,
    checkedInAt: isoTime.nullable().describe('first venue check-in'),
  })
  .meta({ id: 'Attendee' });
export type AttendeeWire = z.infer<typeof attendeeSchema>;

export const attendeeHitSchema = attendeeSchema
  .pick({ id: true, name: true, organization: true, category: true, delegation: true, status: true, checkedInAt: true })
  .meta({ id: 'AttendeeHit' });
export type AttendeeHit = z.infer<typeof attendeeHitSchema>;

/** Who a scan named, as the desk and the door show it: never an email. */
export const scannedPersonSchema = attendeeSchema.pick({ id: true, name: true, organization: true, category: true, delegation: true, flags: true });
export type ScannedPerson = z.infer<typeof scannedPersonSchema>;

export const SEARCH_MIN_CHARS = 2;
// One Han or Hangul character is a whole surname (王, 김): enough to search by.
const WHOLE_SURNAME_CHAR = /^[\p{Script=Han}\p{Script=Hangul}]$/u;

/** Whether q is long enough to search: SEARCH_MIN_CHARS characters, or one Han or Hangul character. */
export function searchableQuery(q: string): boolean {
  return [...q].length >= SEARCH_MIN_CHARS || WHOLE_SURNAME_CHAR.test(q);
}
export const SEARCH_DEFAULT_LIMIT = 20;
export const SEARCH_MAX_LIMIT = 100;

export const searchQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .max(200)
    .refine(searchableQuery, `at least ${SEARCH_MIN_CHARS} characters (or one Han or Hangul character)`),
  limit: z.coerce.number().int().min(1).max(SEARCH_MAX_LIMIT).default(SEARCH_DEFAULT_LIMIT),
});

const delegationInput = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166-1 code such as NL')
  .transform((s) => s.toUpperCase());

const attendeeFields = {
  name: z.string().trim().min(1).max(200),
  organization: z.string().trim().max(200),
  category: categorySchema,
  delegation: delegationInput.nullable().optional(),
  email: z.email().max(254).nullable().optional(),
  flags: z.array(z.string().trim().min(1).max(50)).max(20).optional().describe('e.g. vip, accessibility, interpreter_needed'),
};

export const walkInBody = z.strictObject(attendeeFields);
export type WalkInBody = z.input<typeof walkInBody>;
export type AttendeeInput = z.output<typeof walkInBody>;

export const attendeePatchBody = z
  .strictObject({
    ...attendeeFields,
    name: attendeeFields.name.optional(),
    organization: attendeeFields.organization.optional(),
    category: categorySchema.optional(),
    status: attendeeStatusSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change');
export type AttendeePatch = z.output<typeof attendeePatchBody>;

export const walkInAnswerSchema = z.object({ attendee: attendeeSchema, badge: z.object({ code: z.string() }) }).meta({ id: 'WalkIn' });
export type WalkInAnswer = z.infer<typeof walkInAnswerSchema>;

export const importLineErrorSchema = z.object({ line: z.number().int(), message: z.string() });

export const attendeeImportResultSchema = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    errors: z.array(importLineErrorSchema).describe('the first 100 line errors, by line'),
    errorCount: z.number().int().describe('every line error, including those left out of errors'),
  })
  .meta({ id: 'AttendeeImportResult' });
export type AttendeeImportResult = z.infer<typeof attendeeImportResultSchema>;

/** Payload of `attendees.imported`. */
export const attendeesImportedSchema = z.object({ created: z.number().int(), updated: z.number().int() });

/** Payload of `badge.reissued`. */
export const badgeReissuedSchema = z.object({ attendeeId: z.string(), version: z.number().int(), issuedAt: isoTime });
