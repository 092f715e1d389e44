// Badges and their signing keys: the current badge, the public keys offline scanners verify codes with, rotation.
import { z } from 'zod';
import { KID_PATTERN } from '../core/vocabulary.js';
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
