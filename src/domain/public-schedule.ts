// What a public surface (anonymous feeds, kiosks) may show of closed-door sessions: hidden, or listed without their room.
import type { AccessPolicy } from '../core/vocabulary.js';

export type PublicRestricted = 'hidden' | 'listed';

import { UNPUBLISHED_ROOM } from '../contract/rooms.js';

/** A closed-door session admits only some categories of attendee. */
export function isRestricted(access: AccessPolicy): boolean {
  return access.policy !== 'open';
}

/** A session as a public surface shows it: null when hidden, else without its room when closed-door. */
export function publicSession<S extends { roomId: string; access: AccessPolicy }>(session: S, mode: PublicRestricted): S | null {
  if (!isRestricted(session.access)) return session;
  return mode === 'hidden' ? null : { ...session, roomId: UNPUBLISHED_ROOM.id };
}

/**
 * The programme for a public feed: closed-door sessions (by id) left out, or listed in the
 * placeholder room, which is then added to the rooms.
 */
export function publicProgramme<S extends { id: string; roomId: string }>(
  rooms: readonly { id: string; name: string }[],
  sessions: readonly S[],
  restrictedIds: ReadonlySet<string>,
  mode: PublicRestricted,
): { rooms: { id: string; name: string }[]; sessions: S[] } {
  const kept: S[] = [];
  for (const s of sessions) {
    if (!restrictedIds.has(s.id)) kept.push(s);
    else if (mode === 'listed') kept.push({ ...s, roomId: UNPUBLISHED_ROOM.id });
  }
  const listed = mode === 'listed' && kept.some((s) => s.roomId === UNPUBLISHED_ROOM.id);
  return { rooms: listed ? [...rooms, { ...UNPUBLISHED_ROOM }] : [...rooms], sessions: kept };
}

interface ChangeFields {
  roomId?: string | undefined;
  access?: AccessPolicy | undefined;
}

/** A schedule change as a public surface shows it; `restricted` is whether the session was closed-door after it. */
export function publicChange<K extends string, C extends { kind: K; kinds: K[]; before: ChangeFields | null; after: ChangeFields | null }>(
  change: C,
  restricted: boolean,
  mode: PublicRestricted,
): C | null {
  if (!restricted) return change;
  if (mode === 'hidden') return null;
  // Moves between rooms that are not published say nothing: the other kinds are kept without the room.
  const kinds = change.kinds.filter((k) => k !== 'moved');
  if (kinds.length === 0) return null;
  const strip = (fields: ChangeFields | null): ChangeFields | null => {
    if (fields === null || !('roomId' in fields)) return fields;
    const rest = { ...fields };
    delete rest.roomId;
    return rest;
  };
  const kind = kinds.includes(change.kind) ? change.kind : kinds[0]!;
  return { ...change, kind, kinds, before: strip(change.before), after: strip(change.after) };
}
