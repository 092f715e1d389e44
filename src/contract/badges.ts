// Badges and their signing keys: the current badge, the public keys offline scanners verify codes with, rotation.
import { z } from 'zod';
import { categories, KID_PATTERN } from '../core/vocabulary.js';
import { isoTime } from './common.js';

export const badgeSchema = z.object({ code: z.string(), version: z.number().int(), issuedAt: isoTime }).meta({ id: 'Badge' });
export type BadgeWireOut = z.infer<typeof badgeSchema>;

export const publicKeysSchema = z
  .object({
    alg: z.literal('EdDSA'),
    activeKid: z.string().describe('the key that signs new badges'),
    keys: z.array(
      z.object({
        kid: z.string(),
        active: z.boolean(),
        createdAt: isoTime,
        retiredAt: isoTime.nullable(),
        publicKeyPem: z.string(),
        jwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string(), kid: z.string(), alg: z.literal('EdDSA'), use: z.literal('sig') }),
      }),
    ),
  })
  .meta({ id: 'BadgePublicKeys' });
export type PublicKeys = z.infer<typeof publicKeysSchema>;

/** Rotation takes no parameters: an empty body, or none. */
export const rotateBody = z.strictObject({}).nullish();

export const rotatedKeySchema = z.object({ kid: z.string(), retired: z.array(z.string()) });
export const kidParam = z.strictObject({ kid: z.string().regex(KID_PATTERN, 'a key id is 1 to 32 characters of A-Z a-z 0-9 . _ -') });

/** The answer to removing a key, and the payload of `badge.key_removed` (admin). */
export const removedKeySchema = z.object({ kid: z.string(), badgesAffected: z.number().int() });

/** Payload of `badge.key_created` (admin). */
export const keyCreatedSchema = z.object({ kid: z.string() });

/** Printed sizes: A6 (105 × 148 mm) and the 4 × 3 in (101.6 × 76.2 mm) badge label. */
export const badgeSizes = ['a6', 'label'] as const;
export type BadgeSize = (typeof badgeSizes)[number];
/** A batch is one PDF rendered while other requests wait in between badges: 100 A4 sheets of A6 at most. */
export const MAX_BATCH_BADGES = 400;

const sizeField = z.enum(badgeSizes).default('a6').describe('a6 (105 × 148 mm) or label (4 × 3 in, 101.6 × 76.2 mm)');

export const badgePdfQuery = z.strictObject({ size: sizeField });

export const badgeBatchQuery = z
  .strictObject({
    size: sizeField,
    attendeeIds: z
      .string()
      .max(200 * MAX_BATCH_BADGES)
      .transform((s) => [...new Set(s.split(',').map((id) => id.trim()).filter((id) => id !== ''))])
      .optional()
      .describe('comma-separated attendee ids, printed in this order (cancelled ones too)'),
    organization: z.string().trim().min(1).max(200).optional().describe('every registered attendee of this organization (exact)'),
    delegation: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166-1 code such as NL')
      .transform((s) => s.toUpperCase())
      .optional(),
    category: z.enum(categories).optional(),
  })
  .refine((q) => q.attendeeIds !== undefined || q.organization !== undefined || q.delegation !== undefined || q.category !== undefined, {
    message: 'choose the badges: attendeeIds, or organization, delegation and/or category',
  })
  .refine((q) => q.attendeeIds === undefined || (q.organization === undefined && q.delegation === undefined && q.category === undefined), {
    message: 'attendeeIds cannot be combined with organization, delegation or category',
  });
export type BadgeBatchQuery = z.infer<typeof badgeBatchQuery>;
