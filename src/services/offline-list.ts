// The offline list: what a desk or door needs to verify badges without the server (keys, attendees, revocations, arrivals), cached per audience until the event log moves.
import type { Statement } from 'better-sqlite3';
import type { Store } from '../db/open.js';
import type { AttendeeStatus, Category } from '../core/vocabulary.js';
import type { OfflineAttendee, OfflineList } from '../contract/checkins.js';
import { toIso } from '../core/time.js';
import type { BadgeService } from './badges.js';
import type { Writer } from '../store/sqlite/writer.js';

export type OfflineAudience = 'desk' | 'door';

interface OfflineRow {
  id: string;
  name: string;
  organization: string;
  category: Category;
  delegation: string | null;
  flags: string;
  badgeVersion: number;
  status: AttendeeStatus;
  checkedInAt: number | null;
}

/**
 * Every state change appends to the event log in its transaction, so the log's head is the
 * list's version: a cached list is served until the head moves (a scan, an edit, a reprint, a
 * key change), and built once per audience then. Never an email; a door gets no delegation.
 */
export class OfflineListService {
  private readonly cache = new Map<OfflineAudience, OfflineList>();
  private readonly rows: Statement<[], OfflineRow>;

  constructor(
    store: Store,
    private readonly writer: Writer,
    private readonly badges: BadgeService,
    private readonly clock: () => number,
  ) {
    this.rows = store.sqlite.prepare(
      `SELECT id, name, organization, category, delegation, flags, badge_version AS badgeVersion, status,
       checked_in_at AS checkedInAt FROM attendees ORDER BY id`,
    );
  }

  list(audience: OfflineAudience): OfflineList {
    // First: on a new database this creates the signing key, which itself moves the log.
    const keys = this.badges.publicKeyList().map((k) => ({ kid: k.kid, publicKey: k.publicKeyPem }));
    const seq = this.writer.log.headSeq;
    const cached = this.cache.get(audience);
    if (cached && cached.seq === seq) return cached;
    const attendees = this.rows.all().map((r): OfflineAttendee => {
      const base = {
        id: r.id,
        name: r.name,
        organization: r.organization,
        category: r.category,
        flags: JSON.parse(r.flags) as string[],
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
