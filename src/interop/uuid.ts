// Name-based UUIDs (RFC 9562 version 5): the guids eventday gives to sessions and rooms that arrive without one.
import { createHash } from 'node:crypto';

const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/** RFC 9562 UUID version 5 (SHA-1, name-based): the same name always gives the same UUID. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// These names are part of every derived guid: changing them changes the identity of every session.
const SESSION_NAMESPACE = uuidV5('https://eventday.invalid/schedule/sessions', URL_NAMESPACE);
const ROOM_NAMESPACE = uuidV5('https://eventday.invalid/schedule/rooms', URL_NAMESPACE);
const IMPORTED_NAMESPACE = uuidV5('https://eventday.invalid/schedule/imported', URL_NAMESPACE);

/** The guid of a session created here; it never changes for a session id. */
export function sessionGuid(sessionId: string): string {
  return uuidV5(sessionId, SESSION_NAMESPACE);
}

export function roomGuid(roomId: string): string {
  return uuidV5(roomId, ROOM_NAMESPACE);
}

/** The guid of an imported session whose file gives none: derived from its key in the file, so two instances fed the same file agree. */
export function importedGuid(externalKey: string): string {
  return uuidV5(externalKey, IMPORTED_NAMESPACE);
}

export const UUID = /^[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;
