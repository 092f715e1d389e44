// The desk's copy of GET /api/checkins/offline-list in IndexedDB: synced while online, decides scans while offline (verified, never trusted), wiped on 401/4403 and at the end of the day.
import type { OfflineAttendee, OfflineList, ScanReason, ScanResult } from '../../../src/contract/index.js';
import { dayOf } from '../time.js';
import { canVerify, importKeys, verifyCode } from './verify.js';
import { completion, request } from '../idb.js';

/** What the desk decided from its list while offline; the server decides again on upload. */
export interface LocalDecision {
  result: ScanResult;
  reason: ScanReason | 'not_in_list' | null;
  attendee: (Pick<OfflineAttendee, 'id' | 'name' | 'organization' | 'category' | 'flags'> & { delegation: string | null }) | null;
  firstCheckinAt: string | null;
}

interface Stored {
  list: OfflineList;
  /** The event day (in the event's zone) the list was synced on: it is wiped when that day ends. */
  day: string;
  zone: string;
  /** Arrivals this desk recorded since the sync, so that a second offline scan warns. */
  arrivals: Record<string, string>;
}

const DB_NAME = 'eventday-desk-list';
const STORE = 'list';
const KEY = 'current';

async function openDb(): Promise<IDBDatabase | null> {
  try {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    return await request(open);
  } catch {
    return null;
  }
}

export class OfflineAttendees {
  private stored: Stored | null = null;
  private keys = new Map<string, CryptoKey>();
  private byId = new Map<string, OfflineAttendee>();

  private constructor(private readonly db: IDBDatabase | null) {}

  static async open(zone: () => string): Promise<OfflineAttendees> {
    const list = new OfflineAttendees(await openDb());
    if (list.db) {
      const tx = list.db.transaction(STORE, 'readonly');
      const row = (await request(tx.objectStore(STORE).get(KEY))) as Stored | undefined;
      if (row?.list) await list.use(row);
    }
    await list.expireIfDayEnded(zone());
    return list;
  }

  /** Whether scans can be decided here: a list, and a browser that can check signatures. */
  get ready(): boolean {
    return this.stored !== null && this.keys.size > 0;
  }

  get size(): number {
    return this.byId.size;
  }

  get syncedAt(): string | null {
    return this.stored?.list.generatedAt ?? null;
  }

  async replace(list: OfflineList, zone: string): Promise<void> {
    const arrivals: Record<string, string> = {};
    // Arrivals this desk made offline stay known until the server's list includes them.
    for (const [id, at] of Object.entries(this.stored?.arrivals ?? {})) {
      if (!list.attendees.some((a) => a.id === id && a.checkedInAt !== null)) arrivals[id] = at;
    }
    await this.save({ list, day: dayOf(Date.now(), zone), zone, arrivals });
  }

  /** Forgets everything: a revoked device or a new day must not keep a list of people. */
  async wipe(): Promise<void> {
    this.stored = null;
    this.keys = new Map<string, CryptoKey>();
    this.byId = new Map<string, OfflineAttendee>();
    if (!this.db) return;
    const tx = this.db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(KEY);
    await completion(tx);
  }

  async expireIfDayEnded(zone: string): Promise<boolean> {
    if (this.stored && this.stored.day !== dayOf(Date.now(), this.stored.zone || zone)) {
      await this.wipe();
      return true;
    }
    return false;
  }

  /** Records an arrival this desk made (online or offline), so a second scan warns. */
  async arrived(attendeeId: string, at: string): Promise<void> {
    if (!this.stored) return;
    const known = this.byId.get(attendeeId);
    if (known?.checkedInAt || this.stored.arrivals[attendeeId]) return;
    this.stored.arrivals[attendeeId] = at;
    await this.save(this.stored);
  }

  /** Decides a scan as the server would, from the signature and the list. */
  async decide(code: string): Promise<LocalDecision> {
    const claims = await verifyCode(code, this.keys);
    if (!claims) return { result: 'rejected', reason: 'invalid_code', attendee: null, firstCheckinAt: null };
    const a = this.byId.get(claims.attendeeId);
    // A genuine code of someone the list does not know yet (registered after the last sync).
    if (!a || claims.version > a.badgeVersion) return { result: 'warning', reason: 'not_in_list', attendee: null, firstCheckinAt: null };
    const person = { id: a.id, name: a.name, organization: a.organization, category: a.category, delegation: a.delegation ?? null, flags: a.flags };
    if (claims.version < a.badgeVersion) return { result: 'rejected', reason: 'revoked_badge', attendee: person, firstCheckinAt: null };
    if (a.status === 'cancelled') return { result: 'rejected', reason: 'registration_cancelled', attendee: person, firstCheckinAt: null };
    const first = a.checkedInAt ?? this.stored?.arrivals[a.id] ?? null;
    if (first) return { result: 'warning', reason: 'already_checked_in', attendee: person, firstCheckinAt: first };
    return { result: 'ok', reason: null, attendee: person, firstCheckinAt: null };
  }

  private async use(stored: Stored): Promise<void> {
    this.stored = stored;
    this.byId = new Map(stored.list.attendees.map((a) => [a.id, a]));
    this.keys = canVerify() ? await importKeys(stored.list.keys) : new Map<string, CryptoKey>();
  }

  private async save(stored: Stored): Promise<void> {
    await this.use(stored);
    if (!this.db) return;
    const tx = this.db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(stored, KEY);
    await completion(tx);
  }
}
