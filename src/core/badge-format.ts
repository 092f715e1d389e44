// The badge code format, read the same way by the server (src/domain/badge-code.ts) and by the desk's offline check (web/src/desk/verify.ts):
// base32 (RFC 4648 alphabet, no padding, either case) of payload ‖ Ed25519 signature, the signature over SIGNING_CONTEXT ‖ payload.
// Plain Uint8Array and no Node API, so the browser runs the very same code.
import { KID_PATTERN } from './vocabulary.js';

export const MAX_BADGE_CODE_LENGTH = 512;
/** The bytes a badge signature covers are prefixed with this. */
export const BADGE_SIGNING_CONTEXT = new TextEncoder().encode('eventday badge code v1\n');
export const BADGE_SIGNATURE_BYTES = 64;
export const BADGE_LAYOUT_UUID = 0x01;
export const BADGE_LAYOUT_UTF8 = 0x02;
export const MAX_KID_BYTES = 32;
export const MAX_ID_BYTES = 64;
export const MAX_BADGE_VERSION = 0xffff_ffff;
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface DecodedBadge {
  kid: string;
  attendeeId: string;
  version: number;
}

/** A code split into the payload and the signature over it; null for anything not shaped like a code. */
export function splitBadgeCode(code: string): { payload: Uint8Array; signature: Uint8Array } | null {
  if (typeof code !== 'string' || code.length > MAX_BADGE_CODE_LENGTH) return null;
  const bytes = base32Decode(code);
  if (bytes === null || bytes.length <= BADGE_SIGNATURE_BYTES) return null;
  return { payload: bytes.subarray(0, bytes.length - BADGE_SIGNATURE_BYTES), signature: bytes.subarray(bytes.length - BADGE_SIGNATURE_BYTES) };
}

/** What a signature covers: the context, then the payload. */
export function signedBytes(payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const signed = new Uint8Array(BADGE_SIGNING_CONTEXT.length + payload.length);
  signed.set(BADGE_SIGNING_CONTEXT);
  signed.set(payload, BADGE_SIGNING_CONTEXT.length);
  return signed;
}

export function decodeBadgePayload(payload: Uint8Array): DecodedBadge | null {
  let at = 0;
  const layout = payload[at++];
  const kidLength = payload[at++];
  if ((layout !== BADGE_LAYOUT_UUID && layout !== BADGE_LAYOUT_UTF8) || kidLength === undefined) return null;
  if (kidLength < 1 || kidLength > MAX_KID_BYTES || at + kidLength > payload.length) return null;
  const kid = String.fromCharCode(...payload.subarray(at, at + kidLength));
  if (!KID_PATTERN.test(kid)) return null;
  at += kidLength;

  let attendeeId: string;
  if (layout === BADGE_LAYOUT_UUID) {
    if (at + 16 > payload.length) return null;
    const hex = [...payload.subarray(at, at + 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
    attendeeId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    at += 16;
  } else {
    const idLength = payload[at++];
    if (idLength === undefined || idLength < 1 || idLength > MAX_ID_BYTES || at + idLength > payload.length) return null;
    try {
      attendeeId = strictUtf8.decode(payload.subarray(at, at + idLength));
    } catch {
      return null;
    }
    // One id, one encoding: a UUID spelled as text would be a second code for the same claims.
    if (UUID_PATTERN.test(attendeeId)) return null;
    at += idLength;
  }

  const version = decodeVarint(payload, at);
  if (version === null || version.end !== payload.length) return null;
  return { kid, attendeeId, version: version.value };
}

export function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

function decodeVarint(bytes: Uint8Array, start: number): { value: number; end: number } | null {
  let value = 0;
  let scale = 1;
  for (let at = start; at < bytes.length && at < start + 5; at++) {
    const byte = bytes[at] ?? 0;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      // A zero final group after the first byte is a longer spelling of a shorter number.
      if (byte === 0 && at > start) return null;
      return value > MAX_BADGE_VERSION ? null : { value, end: at + 1 };
    }
    scale *= 0x80;
  }
  return null;
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 0x1f];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 0x1f];
  return out;
}

/** Strict: rejects padding, foreign characters, impossible lengths and non-zero spare bits. */
export function base32Decode(text: string): Uint8Array<ArrayBuffer> | null {
  const spareChars = text.length % 8;
  if (spareChars === 1 || spareChars === 3 || spareChars === 6) return null;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const value = base32Value(text.charCodeAt(i));
    if (value < 0) return null;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (buffer >> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

function base32Value(charCode: number): number {
  if (charCode >= 65 && charCode <= 90) return charCode - 65;
  if (charCode >= 97 && charCode <= 122) return charCode - 97;
  if (charCode >= 50 && charCode <= 55) return charCode - 24;
  return -1;
}
