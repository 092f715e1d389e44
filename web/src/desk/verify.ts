// Offline badge verification in the browser: the badge code format of src/core/badge-format.ts (the server reads it with the same code), checked with WebCrypto Ed25519 against the offline list's keys.
import { decodeBadgePayload, signedBytes, splitBadgeCode, type DecodedBadge } from '../../../src/core/badge-format.js';

export type BadgeClaims = DecodedBadge;

function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
  return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
}

/** Whether this browser can verify badges offline: WebCrypto exists only in secure contexts (https, localhost). */
export function canVerify(): boolean {
  return typeof crypto !== 'undefined' && typeof crypto.subtle?.verify === 'function';
}

/** The offline list's keys (SPKI PEM) as WebCrypto keys, by kid; a key this browser cannot import is left out. */
export async function importKeys(keys: { kid: string; publicKey: string }[]): Promise<Map<string, CryptoKey>> {
  const map = new Map<string, CryptoKey>();
  for (const k of keys) {
    try {
      map.set(k.kid, await crypto.subtle.importKey('spki', pemToDer(k.publicKey), { name: 'Ed25519' }, false, ['verify']));
    } catch {
      // An unsupported key verifies nothing: its codes read as not genuine, never as valid.
    }
  }
  return map;
}

/** The claims of a genuine code, or null for anything that is not a well-formed code signed by one of the keys. */
export async function verifyCode(code: string, keys: Map<string, CryptoKey>): Promise<BadgeClaims | null> {
  const parts = splitBadgeCode(code);
  if (parts === null) return null;
  const claims = decodeBadgePayload(parts.payload);
  if (claims === null) return null;
  const key = keys.get(claims.kid);
  if (!key) return null;
  try {
    return (await crypto.subtle.verify({ name: 'Ed25519' }, key, parts.signature.slice(), signedBytes(parts.payload))) ? claims : null;
  } catch {
    return null;
  }
}
