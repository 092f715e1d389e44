// The day's net changes per session: what differs now from how the session stood before its first change today, so A→B→A→B reads "moved A → B" and A→B→A reads nothing.
import type { ChangeEntry, ChangeKind, SessionWire } from '../../../src/contract/index.js';

type Field = 'roomId' | 'startsAt' | 'delayMinutes' | 'status' | 'title';
const FIELDS: readonly Field[] = ['roomId', 'startsAt', 'delayMinutes', 'status', 'title'];

/** Added sessions this many or more within one minute are a programme import, not news. */
const IMPORT_BURST = 3;

export interface NetChange {
  sessionId: string;
  /** The newest change of the day to this session. */
  seq: number;
  at: string;
  /** The main kind first: added, cancelled, moved, retimed, delayed, restored, renamed. */
  kinds: ChangeKind[];
  /** The session's fields before the day's first change (those that differ now). */
  was: Partial<Pick<SessionWire, Field>>;
  note: string | null;
}

const ORDER: readonly ChangeKind[] = ['added', 'cancelled', 'moved', 'retimed', 'delayed', 'restored', 'renamed'];

const minuteOf = (at: string): number => Math.floor(Date.parse(at) / 60_000);

/** Net changes since `sinceMs` (the start of the local day), keyed by session id. */
export function netChanges(changes: Iterable<ChangeEntry>, sessions: ReadonlyMap<string, SessionWire>, sinceMs: number): Map<string, NetChange> {
  const today = [...changes].filter((c) => Date.parse(c.at) >= sinceMs).sort((a, b) => a.seq - b.seq);
  const addedPerMinute = new Map<number, number>();
  for (const c of today) {
    if (c.kind === 'added') addedPerMinute.set(minuteOf(c.at), (addedPerMinute.get(minuteOf(c.at)) ?? 0) + 1);
  }
  const bySession = new Map<string, ChangeEntry[]>();
  for (const c of today) {
    if (c.kind === 'added' && (addedPerMinute.get(minuteOf(c.at)) ?? 0) >= IMPORT_BURST) continue;
    const list = bySession.get(c.sessionId) ?? [];
    list.push(c);
    bySession.set(c.sessionId, list);
  }
  const net = new Map<string, NetChange>();
  for (const [sessionId, list] of bySession) {
    const s = sessions.get(sessionId);
    if (!s) continue;
    const kinds = new Set<ChangeKind>();
    const was: NetChange['was'] = {};
    if (list.some((c) => c.kind === 'added')) kinds.add('added');
    else {
      for (const field of FIELDS) {
        const first = list.find((c) => c.before !== null && field in c.before)?.before?.[field];
        if (first === undefined || JSON.stringify(first) === JSON.stringify(s[field])) continue;
        (was as Record<Field, unknown>)[field] = first;
        if (field === 'roomId') kinds.add('moved');
        if (field === 'startsAt') kinds.add('retimed');
        if (field === 'delayMinutes') kinds.add('delayed');
        if (field === 'title') kinds.add('renamed');
        if (field === 'status' && s.status === 'cancelled') kinds.add('cancelled');
        if (field === 'status' && first === 'cancelled') kinds.add('restored');
      }
    }
    if (kinds.size === 0) continue;
    const last = list[list.length - 1]!;
    const note = [...list].reverse().find((c) => c.note)?.note ?? null;
    net.set(sessionId, { sessionId, seq: last.seq, at: last.at, kinds: ORDER.filter((k) => kinds.has(k)), was, note });
  }
  return net;
}
