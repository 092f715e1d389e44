// The offline list: what a desk or door needs to verify badges without the server (keys, attendees, revocations, arrivals), cached per audience until the event log moves.
import type { OfflineAttendee, OfflineList } from '../contract/checkins.js';
import { toIso } from '../core/time.js';
import type { BadgeService } from './badges.js';
import type { OfflineAttendeeRecord, StoreReader } from '../store/ports.js';

export type OfflineAudience = 'desk' | 'door';

/**
 * Every state change appends to the event log in its transaction, so the log's head is the
 * list's version: a cached list is served until the head moves (a scan, an edit, a reprint, a
 * key change), and built once per audience then. Never an email; a door gets no delegation.
 */
export class OfflineListService {
  private readonly cache = new Map<OfflineAudience, OfflineList>();

  constructor(
    private readonly reader: StoreReader,
    private readonly badges: BadgeService,
    private readonly clock: () => number,
  ) {}

  async list(audience: OfflineAudience): Promise<OfflineList> {
    // First: on a new database this creates the signing key, which itself moves the log.
    const keys = (await this.badges.publicKeyList()).map((k) => ({ kid: k.kid, publicKey: k.publicKeyPem }));
    const cached = this.cache.get(audience);
    // The head first, then the rows: rows newer than their seq only make the next call build again.
    const { seq, rows } = await this.reader.read(function* (store) {
      const head = yield* store.log.headSeq();
      return { seq: head, rows: cached?.seq === head ? null : yield* store.attendees.listOffline() };
    });
    if (cached && rows === null) return cached;
    const attendees = (rows ?? []).map((r: OfflineAttendeeRecord): OfflineAttendee => {
      const base = {
        id: r.id,
        name: r.name,
        organization: r.organization,
        category: r.category,
        flags: r.flags,
        badgeVersion: r.badgeVersion,
        status: r.status,
        checkedInAt: r.checkedInAt === null ? null : toIso(r.checkedInAt),
      };
      return audience === 'desk' ? { ...base, delegation: r.delegation } : base;
    });
    const list: OfflineList = { seq, generatedAt: toIso(this.clock()), keys, attendees };
    this.cache.set(audience, list);
    return list;
  }
}
