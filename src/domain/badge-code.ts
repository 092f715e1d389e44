// Badge codes: Ed25519-signed, personal-data-free tokens printed as the badge QR code (format below).
//
// A code is one binary blob written in RFC 4648 base32 (A–Z, 2–7, no padding):
//
//   byte 0        layout: 0x01 = attendee id is a UUID, 0x02 = attendee id is UTF-8
//   kid           1 length byte (1..32) + ASCII key id ([A-Za-z0-9._-])
//   attendee id   0x01: 16 bytes of the canonical lowercase UUID
//                 0x02: 1 length byte (1..64) + UTF-8 bytes
//   version       badge version, unsigned LEB128, canonical, 0..2^32-1
//   signature     64 bytes Ed25519 over SIGNING_CONTEXT || all of the bytes above
//
// Base32 rather than base64url: QR alphanumeric mode stores 5.5 bits per character against
// 8 in byte mode, so the 85-byte code of a UUID with a kid of up to 8 characters (136 to 144
// characters) fits a version 6 QR symbol (41×41 modules) at level M, where the same bytes as
// 114 characters of base64url need version 7 (45×45). Upper case letters and digits also survive keyboard-wedge scanners; input
// is accepted in either case because a wedge scanner with Caps Lock on inverts it.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  BADGE_LAYOUT_UTF8,
  BADGE_LAYOUT_UUID,
  MAX_BADGE_VERSION,
  MAX_ID_BYTES,
  UUID_PATTERN,
  base32Encode,
  decodeBadgePayload,
  encodeVarint,
  signedBytes,
  splitBadgeCode,
} from '../core/badge-format.js';
import { KID_PATTERN } from '../core/vocabulary.js';

export interface BadgeClaims {
  attendeeId: string;
  version: number;
}

export interface BadgeKeyPair {
  kid: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

export type BadgeSigningKey =
  | { kid: string; privateKeyPem: string }
  | { kid: string; privateKey: KeyObject };

export interface VerifiedBadge {
  ok: true;
  attendeeId: string;
  version: number;
  kid: string;
}

export type BadgeVerification = VerifiedBadge | { ok: false };

const REJECTED: { ok: false } = Object.freeze({ ok: false });

export function generateBadgeKey(kid: string): BadgeKeyPair {
  assertKid(kid);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Builds the kid → public key map that verifyBadgeCode takes; throws on a malformed key. */
export function badgePublicKeys(keys: Iterable<{ kid: string; publicKeyPem: string }>): Map<string, KeyObject> {
  const map = new Map<string, KeyObject>();
  for (const { kid, publicKeyPem } of keys) {
    assertKid(kid);
    const key = createPublicKey(publicKeyPem);
    if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`badge key ${kid} is not an Ed25519 key`);
    map.set(kid, key);
  }
  return map;
}

/**
 * Throws on claims that cannot be encoded: signing happens when a badge is issued, where a bad
 * id or key is a programming error. Parsing a PEM costs ~0.5 ms, so pass a KeyObject when
 * issuing many badges at once.
 */
export function signBadgeCode(key: BadgeSigningKey, claims: BadgeClaims): string {
  assertKid(key.kid);
  const privateKey = 'privateKey' in key ? key.privateKey : createPrivateKey(key.privateKeyPem);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('badge codes are signed with an Ed25519 private key');
  }
  if (!Number.isInteger(claims.version) || claims.version < 0 || claims.version > MAX_BADGE_VERSION) {
    throw new RangeError(`badge version must be an integer in 0..${MAX_BADGE_VERSION}`);
  }
  const payload = encodePayload(key.kid, claims.attendeeId, claims.version);
  const signature = sign(null, signedBytes(payload), privateKey);
  return base32Encode(Buffer.concat([payload, signature]));
}

/** Never throws: anything that is not a well-formed code signed by a known key is { ok: false }. */
export function verifyBadgeCode(code: string, publicKeys: Map<string, KeyObject>): BadgeVerification {
  const parts = splitBadgeCode(code);
  if (parts === null) return REJECTED;
  const claims = decodeBadgePayload(parts.payload);
  if (claims === null) return REJECTED;
  const key = publicKeys.get(claims.kid);
  if (key === undefined) return REJECTED;
  try {
    if (!verify(null, signedBytes(parts.payload), key, parts.signature)) return REJECTED;
  } catch {
    return REJECTED;
  }
  return { ok: true, attendeeId: claims.attendeeId, version: claims.version, kid: claims.kid };
}

export interface CachedBadge {
  badge: VerifiedBadge;
  /** The key that verified it: a hit counts only while the same key object is still in use. */
  key: KeyObject;
}

/**
 * Least-recently-used map from code string to a successful verification. Map iteration order
 * is insertion order, so re-inserting on every hit keeps the oldest entry first.
 */
export class VerifiedCodeCache {
  readonly #entries = new Map<string, CachedBadge>();
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(code: string): CachedBadge | undefined {
    const entry = this.#entries.get(code);
    if (entry !== undefined) {
      this.#entries.delete(code);
      this.#entries.set(code, entry);
    }
    return entry;
  }

  set(code: string, entry: CachedBadge): void {
    this.#entries.delete(code);
    this.#entries.set(code, entry);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  delete(code: string): boolean {
    return this.#entries.delete(code);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * verifyBadgeCode through the cache. Only successes are cached: failed scans are rate limited
 * anyway, and caching them would let a stream of junk codes evict the good ones. A hit is
 * trusted only if its kid still maps to the very key that verified it, so retiring or
 * replacing a key takes effect without clearing the cache.
 */
export function verifyBadgeCodeCached(
  code: string,
  publicKeys: Map<string, KeyObject>,
  cache: VerifiedCodeCache,
): BadgeVerification {
  const hit = cache.get(code);
  if (hit !== undefined) {
    if (publicKeys.get(hit.badge.kid) === hit.key) return hit.badge;
    cache.delete(code);
  }
  const result = verifyBadgeCode(code, publicKeys);
  if (result.ok) {
    const key = publicKeys.get(result.kid);
    if (key !== undefined) cache.set(code, { badge: result, key });
  }
  return result;
}

function assertKid(kid: string): void {
  if (!KID_PATTERN.test(kid)) throw new RangeError('kid must be 1 to 32 characters of A-Z a-z 0-9 . _ -');
}

function encodePayload(kid: string, attendeeId: string, version: number): Buffer {
  const kidBytes = Buffer.from(kid, 'ascii');
  const parts: Buffer[] = [];
  if (UUID_PATTERN.test(attendeeId)) {
    parts.push(Buffer.from([BADGE_LAYOUT_UUID, kidBytes.length]), kidBytes, Buffer.from(attendeeId.replaceAll('-', ''), 'hex'));
  } else {
    const idBytes = Buffer.from(attendeeId, 'utf8');
    if (idBytes.length < 1 || idBytes.length > MAX_ID_BYTES || idBytes.toString('utf8') !== attendeeId) {
      throw new RangeError(`attendee id must be a UUID or 1 to ${MAX_ID_BYTES} bytes of well-formed UTF-8`);
    }
    parts.push(Buffer.from([BADGE_LAYOUT_UTF8, kidBytes.length]), kidBytes, Buffer.from([idBytes.length]), idBytes);
  }
  parts.push(Buffer.from(encodeVarint(version)));
  return Buffer.concat(parts);
}
