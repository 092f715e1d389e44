// Badge keys and badge codes: the signing key (created on first need, rotated by an admin, kept in the key dir), issue, reprint, verify with a cache.
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
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
import { runNow, type Op } from '../store/op.js';
import type { BadgeKeyRecord, StorePorts, StoreReader } from '../store/ports.js';
import type { Actor, Body, Tx, UnitOfWork } from '../store/unit-of-work.js';

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

/** SQLite's Writer also runs a unit of work synchronously: what the callers that still are synchronous (start-up, the badge key routes) need. */
export interface SyncUnitOfWork extends UnitOfWork {
  run<T>(actor: Actor | null, fn: Body<T>): T;
}

export function runsSynchronously(writer: UnitOfWork): writer is SyncUnitOfWork {
  return typeof (writer as Partial<SyncUnitOfWork>).run === 'function';
}

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
 * the key dir) has them moved out and scrubbed from its file when the service starts.
 */
export class BadgeService {
  private signer: Signer | null = null;
  private publicKeys: Map<string, KeyObject> | null = null;
  private readonly cache = new VerifiedCodeCache(VERIFIED_CACHE_ENTRIES);

  constructor(
    /** SQLite's ports, read synchronously by the callers that still are (check-in's verify, the badge routes). */
    private readonly ports: Pick<StorePorts, 'badges'>,
    private readonly reader: StoreReader,
    private readonly writer: UnitOfWork,
    private readonly keyDir: KeyDir,
  ) {
    keyDir.ensure();
    // Only SQLite databases from before the key dir hold private keys; a PostgreSQL store never did.
    if (runsSynchronously(writer)) this.moveKeysOutOfDatabase();
  }

  /**
   * Start-up, once per legacy database: every private key still in `badge_keys` goes to the key
   * dir (a file that already holds a different key is an error, never overwritten), the column is
   * nulled, and the file is rewritten (checkpoint, VACUUM, checkpoint) so the old key bytes are in
   * neither the database's free pages nor its WAL, and so in no later backup.
   */
  private moveKeysOutOfDatabase(): number {
    // Synchronous: the constructor runs it before any request.
    const legacy = runNow(this.ports.badges.keys()).filter((k) => k.privateKeyPem !== null);
    if (legacy.length === 0) return 0;
    for (const row of legacy) {
      const existing = this.keyDir.read(badgeKeyFile(row.kid));
      if (existing === null) this.keyDir.write(badgeKeyFile(row.kid), row.privateKeyPem!);
      else if (existing.trim() !== row.privateKeyPem!.trim()) {
        throw new Error(`${this.keyDir.file(badgeKeyFile(row.kid))} holds another key than badge key ${row.kid} in the database; refusing to overwrite it`);
      }
    }
    runNow(this.ports.badges.scrubPrivateKeys());
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
   * `writer.submit`): creating the key is its own small committed use case. Synchronous, for
   * SQLite's callers that still are (the badge key routes, tests); use cases call `signingKeyAsync`.
   */
  signingKey(): Signer {
    if (this.signer) return this.signer;
    // The callers of this one are still synchronous: SQLite's ports answer at once.
    const found = this.activeSigner(runNow(this.ports.badges.keys()));
    if (found) return (this.signer = found);
    const writer = this.writer;
    if (!runsSynchronously(writer)) throw new Error('signingKey() needs a synchronous unit of work; call signingKeyAsync()');
    const signer = this.withNewKey(() => writer.run(null, (tx) => this.newSignerIn(tx)));
    this.publicKeys = null;
    this.signer = signer;
    return signer;
  }

  /** `signingKey` on any store. */
  async signingKeyAsync(): Promise<Signer> {
    if (this.signer) return this.signer;
    const found = this.activeSigner(await this.reader.read((store) => store.badges.keys()));
    if (found) return (this.signer = found);
    const signer = await this.withNewKeyAsync(() => this.writer.submit(null, (tx) => this.newSignerIn(tx)));
    this.publicKeys = null;
    this.signer = signer;
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

  /** Never throws; anything but a well-formed code signed by a key we still hold is { ok: false }. */
  verify(code: string): BadgeVerification {
    return verifyBadgeCodeCached(code, this.keys(), this.cache);
  }

  /** Signs and stores a badge of the given version; runs inside the caller's transaction. */
  *issueIn(tx: Tx, signer: Signer, attendeeId: string, version: number): Op<BadgeWire> {
    const code = signBadgeCode(signer, { attendeeId, version });
    yield* tx.store.badges.insert(attendeeId, version, signer.kid, code, tx.now);
    return { code, version, issuedAt: tx.now };
  }

  current(attendeeId: string): BadgeWire | null {
    // The badge routes are still synchronous: SQLite's ports answer at once.
    return runNow(this.ports.badges.current(attendeeId)) ?? null;
  }

  /** Reprint: the next version is signed and every earlier code of the attendee is revoked. */
  async reissue(actor: Actor, attendeeId: string): Promise<BadgeWire> {
    // Checked before the key is made on first need: a 404 writes nothing, not even a key.
    if ((await this.reader.read((store) => store.badges.versionOf(attendeeId))) === undefined) throw notFound('attendee');
    const signer = await this.signingKeyAsync();
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

  /** Every key that still verifies; synchronous for the badge routes (SQLite's ports). */
  publicKeyList(): PublicKeyInfo[] {
    this.signingKey();
    return this.keyInfo(runNow(this.ports.badges.keys()), this.keys());
  }

  /** `publicKeyList` on any store. */
  async publicKeyListAsync(): Promise<PublicKeyInfo[]> {
    await this.signingKeyAsync();
    const rows = await this.reader.read((store) => store.badges.keys());
    this.publicKeys ??= badgePublicKeys(rows);
    return this.keyInfo(rows, this.publicKeys);
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
      const result = await this.withNewKeyAsync(() =>
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

  private withNewKey<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      // Synchronous, as the caller: SQLite's ports answer at once.
      this.dropUncommittedKeys(runNow(this.ports.badges.keys()));
      throw err;
    } finally {
      this.pendingKids = [];
    }
  }

  private async withNewKeyAsync<T>(fn: () => Promise<T>): Promise<T> {
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

  private keys(): Map<string, KeyObject> {
    // verify() is called by the check-in path, still synchronous: SQLite's ports answer at once.
    this.publicKeys ??= badgePublicKeys(runNow(this.ports.badges.keys()));
    return this.publicKeys;
  }

  // New KeyObjects also void every cached verification (the cache checks key identity).
  private forgetKeys(): void {
    this.signer = null;
    this.publicKeys = null;
  }
}
