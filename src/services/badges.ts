// Badge keys and badge codes: the signing key (created on first need, rotated by an admin, kept in the key dir), issue, reprint, verify with a cache.
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import type { EventRecord } from '../live/event-log.js';
import type { KeyDir } from '../keys/key-dir.js';
import {
  badgePublicKeys,
  generateBadgeKey,
  signBadgeCode,
  verifyBadgeCodeCached,
  VerifiedCodeCache,
  type BadgeVerification,
} from '../domain/badge-code.js';
import { AppError, notFound } from '../core/errors.js';
import { toIso } from '../core/time.js';
import type { Op } from '../store/op.js';
import type { BadgeKeyRecord, StorePorts, StoreReader } from '../store/ports.js';
import type { Actor, Tx, UnitOfWork } from '../store/unit-of-work.js';

/** A badge scanned again at a door is verified from here: a few hundred bytes an entry, so 50k badges is about 20 MB. */
const VERIFIED_CACHE_ENTRIES = 50_000;

export interface Signer {
  kid: string;
  privateKey: KeyObject;
}

export interface BadgeWire {
  code: string;
  version: number;
  issuedAt: number;
}

export interface PublicKeyInfo {
  kid: string;
  active: boolean;
  createdAt: number;
  retiredAt: number | null;
  publicKeyPem: string;
  jwk: { kty: string; crv: string; x: string };
}

/** The events that change which keys verify: a key made (first key, rotation, a replacement) or one removed. */
const KEY_EVENTS: ReadonlySet<string> = new Set(['badge.key_created', 'badge.key_removed']);

/** The file in the key dir that holds a badge key's private half (PKCS#8 PEM, 0600). */
export function badgeKeyFile(kid: string): string {
  return `badge-${kid}.key`;
}

/** Key ids ride in every code: at most 8 characters keep a code within a version 6 QR symbol. */
function newKid(): string {
  return `k${randomBytes(3).toString('hex')}`;
}

/**
 * Key rotation: `rotate()` (POST /api/badges/keys/rotate) creates a new signing key and retires the
 * current one. Retired keys keep verifying the badges they signed until an admin removes them
 * (`removeKey`, DELETE /api/badges/keys/:kid), after which those codes scan as invalid_code.
 * Offline scanners fetch every key that still verifies from GET /api/badges/public-key.
 *
 * Private keys live only in the key dir (`badge-<kid>.key`); the database holds public keys and
 * ids, so a backup or an export cannot forge a badge. A retired key needs only its public half:
 * its private file is deleted at rotation. A database that still holds private keys (from before
 * the key dir) has them moved out and scrubbed from its file by `moveKeysOutOfDatabase()` at start.
 *
 * The verification keys are cached: a scan reads them with `verifyIn` inside its unit of work,
 * from memory once loaded. A key change on any node reaches every node through the log
 * (`follow`), which drops the cache and the signer.
 */
export class BadgeService {
  private signer: Signer | null = null;
  private publicKeys: Map<string, KeyObject> | null = null;
  /**
   * Bumped whenever the keys are forgotten: a signer or key map read before a change (a read on
   * PostgreSQL spans awaits) is used once but not kept.
   */
  private keysVersion = 0;
  private readonly cache = new VerifiedCodeCache(VERIFIED_CACHE_ENTRIES);

  constructor(
    private readonly reader: StoreReader,
    private readonly writer: UnitOfWork,
    private readonly keyDir: KeyDir,
  ) {
    keyDir.ensure();
  }

  /**
   * Start-up, before any request; once per legacy database: every private key still in
   * `badge_keys` goes to the key dir (a file that already holds a different key is an error,
   * never overwritten), the column is nulled, and the file is rewritten (checkpoint, VACUUM,
   * checkpoint) so the old key bytes are in neither the database's free pages nor its WAL, and
   * so in no later backup. Only SQLite databases from before the key dir hold private keys; on
   * PostgreSQL it finds none. Answers how many keys it moved.
   */
  async moveKeysOutOfDatabase(): Promise<number> {
    const legacy = (await this.reader.read((store) => store.badges.keys())).filter((k) => k.privateKeyPem !== null);
    if (legacy.length === 0) return 0;
    for (const row of legacy) {
      const existing = this.keyDir.read(badgeKeyFile(row.kid));
      if (existing === null) this.keyDir.write(badgeKeyFile(row.kid), row.privateKeyPem!);
      else if (existing.trim() !== row.privateKeyPem!.trim()) {
        throw new Error(`${this.keyDir.file(badgeKeyFile(row.kid))} holds another key than badge key ${row.kid} in the database; refusing to overwrite it`);
      }
    }
    // Outside a unit of work: SQLite cannot VACUUM inside a transaction.
    await this.reader.read((store) => store.badges.scrubPrivateKeys());
    return legacy.length;
  }

  private loadPrivateKey(kid: string): KeyObject | null {
    const pem = this.keyDir.read(badgeKeyFile(kid));
    return pem === null ? null : createPrivateKey(pem);
  }

  /** The active key, when this key dir holds its private half. */
  private activeSigner(keys: BadgeKeyRecord[]): Signer | null {
    const active = keys.filter((k) => k.retiredAt === null).at(-1);
    const privateKey = active ? this.loadPrivateKey(active.kid) : null;
    return active && privateKey ? { kid: active.kid, privateKey } : null;
  }

  /**
   * The key that signs new badges, created on first need. Call it outside a transaction (before
   * `writer.submit`): creating the key is its own small committed use case.
   */
  async signingKey(): Promise<Signer> {
    if (this.signer) return this.signer;
    const version = this.keysVersion;
    const found = this.activeSigner(await this.reader.read((store) => store.badges.keys()));
    if (found) return this.keepSigner(found, version);
    const signer = await this.withNewKey(() => this.writer.submit(null, (tx) => this.newSignerIn(tx)));
    this.forgetVerificationKeys();
    return this.keepSigner(signer, this.keysVersion);
  }

  private keepSigner(signer: Signer, readAt: number): Signer {
    if (readAt === this.keysVersion) this.signer = signer;
    return signer;
  }

  /**
   * No key yet, or its private half is not in this key dir (a database moved without it): a new
   * key signs from now on; the old one, if any, is retired and keeps verifying its badges. Looked
   * at again under the keys' lock: another node may have made the key in the meantime.
   */
  private *newSignerIn(tx: Tx): Op<Signer> {
    yield* tx.store.badges.lockKeys();
    const keys = yield* tx.store.badges.keys();
    const found = this.activeSigner(keys);
    if (found) return found;
    if (keys.some((k) => k.retiredAt === null)) yield* tx.store.badges.retireActiveKeys(tx.now);
    return (yield* this.createKeyIn(tx)).signer;
  }

  /**
   * Never throws; anything but a well-formed code signed by a key we still hold is { ok: false }.
   * A step of the caller's unit of work (the scan's): once the keys are cached it reads nothing
   * from the store, so it never waits.
   */
  *verifyIn(store: Pick<StorePorts, 'badges'>, code: string): Op<BadgeVerification> {
    return verifyBadgeCodeCached(code, this.publicKeys ?? (yield* this.verificationKeysIn(store)), this.cache);
  }

  /** The public keys by kid, from the cache, or read and cached. */
  private *verificationKeysIn(store: Pick<StorePorts, 'badges'>): Op<Map<string, KeyObject>> {
    if (this.publicKeys) return this.publicKeys;
    const version = this.keysVersion;
    const keys = badgePublicKeys(yield* store.badges.keys());
    if (version === this.keysVersion) this.publicKeys = keys;
    return keys;
  }

  /** Committed events, from whichever node: a key change drops the cached keys and signer. */
  follow(records: readonly EventRecord[]): void {
    if (records.some((r) => KEY_EVENTS.has(r.name))) this.forgetKeys();
  }

  /** Signs and stores a badge of the given version; runs inside the caller's transaction. */
  *issueIn(tx: Tx, signer: Signer, attendeeId: string, version: number): Op<BadgeWire> {
    const code = signBadgeCode(signer, { attendeeId, version });
    yield* tx.store.badges.insert(attendeeId, version, signer.kid, code, tx.now);
    return { code, version, issuedAt: tx.now };
  }

  async current(attendeeId: string): Promise<BadgeWire | null> {
    return (await this.reader.read((store) => store.badges.current(attendeeId))) ?? null;
  }

  /** Reprint: the next version is signed and every earlier code of the attendee is revoked. */
  async reissue(actor: Actor, attendeeId: string): Promise<BadgeWire> {
    // Checked before the key is made on first need: a 404 writes nothing, not even a key.
    if ((await this.reader.read((store) => store.badges.versionOf(attendeeId))) === undefined) throw notFound('attendee');
    const signer = await this.signingKey();
    return this.writer.submit(actor, (tx) => this.reissueIn(tx, signer, attendeeId));
  }

  private *reissueIn(tx: Tx, signer: Signer, attendeeId: string): Op<BadgeWire> {
    const version = yield* tx.store.badges.nextVersion(attendeeId, tx.now);
    if (version === undefined) throw notFound('attendee');
    yield* tx.store.badges.revokeAll(attendeeId, tx.now);
    const badge = yield* this.issueIn(tx, signer, attendeeId, version);
    // Never the code itself: the event log is read far more widely than a badge should travel.
    tx.emit('badge.reissued', { attendeeId, version, issuedAt: toIso(badge.issuedAt) });
    return badge;
  }

  /** Every key that still verifies (the signing key is made first if there is none). */
  async publicKeyList(): Promise<PublicKeyInfo[]> {
    await this.signingKey();
    const rows = await this.reader.read((store) => store.badges.keys());
    // The cached KeyObjects spare parsing the PEMs, unless the rows name a key newer than the cache.
    const cached = this.publicKeys;
    return this.keyInfo(rows, cached && rows.every((row) => cached.has(row.kid)) ? cached : badgePublicKeys(rows));
  }

  private keyInfo(rows: BadgeKeyRecord[], keys: Map<string, KeyObject>): PublicKeyInfo[] {
    return rows.map((row) => {
      const jwk = keys.get(row.kid)!.export({ format: 'jwk' });
      return {
        kid: row.kid,
        active: row.retiredAt === null,
        createdAt: row.createdAt,
        retiredAt: row.retiredAt,
        publicKeyPem: row.publicKeyPem,
        jwk: { kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x) },
      };
    });
  }

  /** A new key signs from now on; the one it replaces is retired but still verifies. */
  async rotate(actor: Actor): Promise<{ kid: string; retired: string[] }> {
    const createKeyIn = (tx: Tx): Op<BadgeKeyRecord & { signer: Signer }> => this.createKeyIn(tx);
    try {
      const result = await this.withNewKey(() =>
        this.writer.submit(actor, function* (tx) {
          yield* tx.store.badges.lockKeys();
          const retired = yield* tx.store.badges.retireActiveKeys(tx.now);
          const created = yield* createKeyIn(tx);
          return { kid: created.kid, retired };
        }),
      );
      // A retired key only verifies: its private half is not needed any more.
      for (const kid of result.retired) this.keyDir.remove(badgeKeyFile(kid));
      return result;
    } finally {
      this.forgetKeys();
    }
  }

  /** Codes signed with a removed key scan as invalid_code; the signing key cannot be removed. */
  async removeKey(actor: Actor, kid: string): Promise<{ kid: string; badgesAffected: number }> {
    try {
      return await this.writer.submit(actor, function* (tx) {
        yield* tx.store.badges.lockKeys();
        const row = (yield* tx.store.badges.keys()).find((k) => k.kid === kid);
        if (!row) throw notFound('badge key');
        if (row.retiredAt === null) throw new AppError('key_active', 409, 'the signing key cannot be removed; rotate first');
        const badgesAffected = yield* tx.store.badges.countValidSignedBy(kid);
        yield* tx.store.badges.deleteKey(kid);
        tx.emit('badge.key_removed', { kid, badgesAffected });
        return { kid, badgesAffected };
      });
    } finally {
      if (!(await this.reader.read((store) => store.badges.keys())).some((k) => k.kid === kid)) this.keyDir.remove(badgeKeyFile(kid));
      this.forgetKeys();
    }
  }

  /**
   * The private key file is written (and synced) before the row that names it commits, so a
   * committed key always has its file; the file of a key whose transaction failed is removed.
   */
  private *createKeyIn(tx: Tx): Op<BadgeKeyRecord & { signer: Signer }> {
    const pair = generateBadgeKey(newKid());
    this.keyDir.write(badgeKeyFile(pair.kid), pair.privateKeyPem);
    this.pendingKids.push(pair.kid);
    yield* tx.store.badges.insertKey(pair.kid, pair.publicKeyPem, tx.now);
    tx.emit('badge.key_created', { kid: pair.kid });
    return {
      kid: pair.kid,
      privateKeyPem: null,
      publicKeyPem: pair.publicKeyPem,
      createdAt: tx.now,
      retiredAt: null,
      signer: { kid: pair.kid, privateKey: createPrivateKey(pair.privateKeyPem) },
    };
  }

  /** Kids whose file was written in a transaction not yet known to have committed. */
  private pendingKids: string[] = [];

  private async withNewKey<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.dropUncommittedKeys(await this.reader.read((store) => store.badges.keys()));
      throw err;
    } finally {
      this.pendingKids = [];
    }
  }

  private dropUncommittedKeys(committed: BadgeKeyRecord[]): void {
    const known = new Set(committed.map((k) => k.kid));
    for (const kid of this.pendingKids) if (!known.has(kid)) this.keyDir.remove(badgeKeyFile(kid));
  }

  // New KeyObjects also void every cached verification (the cache checks key identity).
  private forgetVerificationKeys(): void {
    this.publicKeys = null;
    this.keysVersion += 1;
  }

  private forgetKeys(): void {
    this.signer = null;
    this.forgetVerificationKeys();
  }
}
