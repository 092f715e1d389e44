// Offline badge verification in the browser: the badge code format of src/domain/badge-code.ts, checked with WebCrypto Ed25519 against the offline list's keys.

export interface BadgeClaims {
  kid: string;
  attendeeId: string;
  version: number;
}

/** The bytes a badge signature covers are prefixed with this, as on the server. */
const SIGNING_CONTEXT = new TextEncoder().encode('eventday badge code v1\n');
const SIGNATURE_BYTES = 64;
const MAX_CODE_LENGTH = 512;
const LAYOUT_UUID = 0x01;
const LAYOUT_UTF8 = 0x02;
const KID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function base32Value(c: number): number {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 97;
  if (c >= 50 && c <= 55) return c - 24;
  return -1;
}

/** Strict, like the server: no padding, no foreign characters, no impossible lengths or spare bits. */
function base32Decode(text: string): Uint8Array<ArrayBuffer> | null {
  const spare = text.length % 8;
  if (spare === 1 || spare === 3 || spare === 6) return null;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const v = base32Value(text.charCodeAt(i));
    if (v < 0) return null;
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (buffer >> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

function decodePayload(p: Uint8Array): BadgeClaims | null {
  let at = 0;
  const layout = p[at++];
  const kidLength = p[at++];
  if ((layout !== LAYOUT_UUID && layout !== LAYOUT_UTF8) || kidLength === undefined) return null;
  if (kidLength < 1 || kidLength > 32 || at + kidLength > p.length) return null;
  const kid = String.fromCharCode(...p.subarray(at, at + kidLength));
  if (!KID_PATTERN.test(kid)) return null;
  at += kidLength;
  let attendeeId: string;
  if (layout === LAYOUT_UUID) {
    if (at + 16 > p.length) return null;
    const h = hex(p.subarray(at, at + 16));
    attendeeId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    at += 16;
  } else {
    const idLength = p[at++];
    if (idLength === undefined || idLength < 1 || idLength > 64 || at + idLength > p.length) return null;
    try {
      attendeeId = strictUtf8.decode(p.subarray(at, at + idLength));
    } catch {
      return null;
    }
    if (UUID_PATTERN.test(attendeeId)) return null;
    at += idLength;
  }
  let version = 0;
  let scale = 1;
  for (let i = at; i < p.length && i < at + 5; i++) {
    const byte = p[i] ?? 0;
    version += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if ((byte === 0 && i > at) || i + 1 !== p.length || version > 0xffff_ffff) return null;
      return { kid, attendeeId, version };
    }
    scale *= 0x80;
  }
  return null;
}

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
  if (code.length > MAX_CODE_LENGTH) return null;
  const bytes = base32Decode(code);
  if (bytes === null || bytes.length <= SIGNATURE_BYTES) return null;
  const payload = bytes.slice(0, bytes.length - SIGNATURE_BYTES);
  const claims = decodePayload(payload);
  if (claims === null) return null;
  const key = keys.get(claims.kid);
  if (!key) return null;
  const signed = new Uint8Array(SIGNING_CONTEXT.length + payload.length);
  signed.set(SIGNING_CONTEXT);
  signed.set(payload, SIGNING_CONTEXT.length);
  try {
    return (await crypto.subtle.verify({ name: 'Ed25519' }, key, bytes.slice(bytes.length - SIGNATURE_BYTES), signed)) ? claims : null;
  } catch {
    return null;
  }
}
