// Badge keys and badge codes: the signing key (created on first need, rotated by an admin, kept in the key dir), issue, reprint, verify with a cache.
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Store } from '../db/open.js';
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
import type { Actor, Tx } from '../store/unit-of-work.js';
import type { Writer } from '../store/sqlite/writer.js';

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

interface KeyRow {
  kid: string;
  /** Only on a database from before the key dir: moved out at start. */
  privateKeyPem: string | null;
  publicKeyPem: string;
  createdAt: number;
  retiredAt: number | null;
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
  private readonly keyRows: Statement<[], KeyRow>;
  private readonly insertBadge: Statement<[string, number, string, string, number]>;
  private readonly currentBadge: Statement<[string], { code: string; version: number; issuedAt: number }>;
  private readonly badgeVersion: Statement<[string], { version: number }>;
  private readonly setBadgeVersion: Statement<[number, number, string]>;
  private readonly revokeBadges: Statement<[number, string]>;

  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly keyDir: KeyDir,
  ) {
    const sqlite = store.sqlite;
    keyDir.ensure();
    this.keyRows = sqlite.prepare(
      'SELECT kid, private_key_pem AS privateKeyPem, public_key_pem AS publicKeyPem, created_at AS createdAt, retired_at AS retiredAt FROM badge_keys ORDER BY created_at, kid',
    );
    this.insertBadge = sqlite.prepare('INSERT INTO badges (attendee_id, version, kid, code, issued_at) VALUES (?, ?, ?, ?, ?)');
    this.badgeVersion = sqlite.prepare('SELECT badge_version AS version FROM attendees WHERE id = ?');
    this.setBadgeVersion = sqlite.prepare('UPDATE attendees SET badge_version = ?, updated_at = ? WHERE id = ?');
    this.revokeBadges = sqlite.prepare('UPDATE badges SET revoked_at = ? WHERE attendee_id = ? AND revoked_at IS NULL');
    this.currentBadge = sqlite.prepare(
      'SELECT code, version, issued_at AS issuedAt FROM badges WHERE attendee_id = ? AND revoked_at IS NULL ORDER BY version DESC LIMIT 1',
    );
    this.moveKeysOutOfDatabase();
  }

  /**
   * Start-up, once per legacy database: every private key still in `badge_keys` goes to the key
   * dir (a file that already holds a different key is an error, never overwritten), the column is
   * nulled, and the file is rewritten (checkpoint, VACUUM, checkpoint) so the old key bytes are in
   * neither the database's free pages nor its WAL, and so in no later backup.
   */
  private moveKeysOutOfDatabase(): number {
    const legacy = this.keyRows.all().filter((k) => k.privateKeyPem !== null);
    if (legacy.length === 0) return 0;
    for (const row of legacy) {
      const existing = this.keyDir.read(badgeKeyFile(row.kid));
      if (existing === null) this.keyDir.write(badgeKeyFile(row.kid), row.privateKeyPem!);
      else if (existing.trim() !== row.privateKeyPem!.trim()) {
        throw new Error(`${this.keyDir.file(badgeKeyFile(row.kid))} holds another key than badge key ${row.kid} in the database; refusing to overwrite it`);
      }
    }
    const sqlite = this.store.sqlite;
    sqlite.pragma('secure_delete = ON');
    try {
      sqlite.prepare('UPDATE badge_keys SET private_key_pem = NULL WHERE private_key_pem IS NOT NULL').run();
    } finally {
      sqlite.pragma('secure_delete = OFF');
    }
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.exec('VACUUM');
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    return legacy.length;
  }

  private loadPrivateKey(kid: string): KeyObject | null {
    const pem = this.keyDir.read(badgeKeyFile(kid));
    return pem === null ? null : createPrivateKey(pem);
  }

  /**
   * The key that signs new badges, created on first need. Call it outside a transaction (before
   * `writer.submit`): creating the key is its own small committed use case.
   */
  signingKey(): Signer {
    if (this.signer) return this.signer;
    const active = this.keyRows.all().filter((k) => k.retiredAt === null).at(-1);
    const privateKey = active ? this.loadPrivateKey(active.kid) : null;
    if (active && privateKey) {
      this.signer = { kid: active.kid, privateKey };
      return this.signer;
    }
    // No key yet, or its private half is not in this key dir (a database moved without it): a new
    // key signs from now on; the old one, if any, is retired and keeps verifying its badges.
    const created = this.withNewKey(() =>
      this.writer.run(null, (tx) => {
        if (active) this.store.sqlite.prepare('UPDATE badge_keys SET retired_at = ? WHERE retired_at IS NULL').run(tx.now);
        return this.createKeyIn(tx);
      }),
    );
    this.publicKeys = null;
    this.signer = created.signer;
    return this.signer;
  }

  /** Never throws; anything but a well-formed code signed by a key we still hold is { ok: false }. */
  verify(code: string): BadgeVerification {
    return verifyBadgeCodeCached(code, this.keys(), this.cache);
  }

  /** Signs and stores a badge of the given version; runs inside the caller's transaction. */
  issueIn(tx: Tx, signer: Signer, attendeeId: string, version: number): BadgeWire {
    const code = signBadgeCode(signer, { attendeeId, version });
    this.insertBadge.run(attendeeId, version, signer.kid, code, tx.now);
    return { code, version, issuedAt: tx.now };
  }

  current(attendeeId: string): BadgeWire | null {
    return this.currentBadge.get(attendeeId) ?? null;
  }

  /** Reprint: the next version is signed and every earlier code of the attendee is revoked. */
  reissue(actor: Actor, attendeeId: string): Promise<BadgeWire> {
    // Checked before the key is made on first need: a 404 writes nothing, not even a key.
    if (!this.badgeVersion.get(attendeeId)) return Promise.reject(notFound('attendee'));
    const signer = this.signingKey();
    return this.writer.submit(actor, (tx) => {
      const row = this.badgeVersion.get(attendeeId);
      if (!row) throw notFound('attendee');
      const version = row.version + 1;
      this.setBadgeVersion.run(version, tx.now, attendeeId);
      this.revokeBadges.run(tx.now, attendeeId);
      const badge = this.issueIn(tx, signer, attendeeId, version);
      // Never the code itself: the event log is read far more widely than a badge should travel.
      tx.emit('badge.reissued', { attendeeId, version, issuedAt: toIso(badge.issuedAt) });
      return badge;
    });
  }

  publicKeyList(): PublicKeyInfo[] {
    this.signingKey();
    const keys = this.keys();
    return this.keyRows.all().map((row) => {
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
    try {
      const result = await this.withNewKeyAsync(() =>
        this.writer.submit(actor, (tx) => {
          const retired = this.keyRows.all().filter((k) => k.retiredAt === null).map((k) => k.kid);
          this.store.sqlite.prepare('UPDATE badge_keys SET retired_at = ? WHERE retired_at IS NULL').run(tx.now);
          const created = this.createKeyIn(tx);
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
      return await this.writer.submit(actor, (tx) => {
        const row = this.keyRows.all().find((k) => k.kid === kid);
        if (!row) throw notFound('badge key');
        if (row.retiredAt === null) throw new AppError('key_active', 409, 'the signing key cannot be removed; rotate first');
        const affected = this.store.sqlite
          .prepare('SELECT COUNT(*) AS n FROM badges WHERE kid = ? AND revoked_at IS NULL')
          .get(kid) as { n: number };
        this.store.sqlite.prepare('DELETE FROM badge_keys WHERE kid = ?').run(kid);
        tx.emit('badge.key_removed', { kid, badgesAffected: affected.n });
        return { kid, badgesAffected: affected.n };
      });
    } finally {
      if (!this.keyRows.all().some((k) => k.kid === kid)) this.keyDir.remove(badgeKeyFile(kid));
      this.forgetKeys();
    }
  }

  /**
   * The private key file is written (and synced) before the row that names it commits, so a
   * committed key always has its file; the file of a key whose transaction failed is removed.
   */
  private createKeyIn(tx: Tx): KeyRow & { signer: Signer } {
    const pair = generateBadgeKey(newKid());
    this.keyDir.write(badgeKeyFile(pair.kid), pair.privateKeyPem);
    this.pendingKids.push(pair.kid);
    this.store.sqlite
      .prepare('INSERT INTO badge_keys (kid, public_key_pem, created_at) VALUES (?, ?, ?)')
      .run(pair.kid, pair.publicKeyPem, tx.now);
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
      this.dropUncommittedKeys();
      throw err;
    } finally {
      this.pendingKids = [];
    }
  }

  private async withNewKeyAsync<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.dropUncommittedKeys();
      throw err;
    } finally {
      this.pendingKids = [];
    }
  }

  private dropUncommittedKeys(): void {
    const known = new Set(this.keyRows.all().map((k) => k.kid));
    for (const kid of this.pendingKids) if (!known.has(kid)) this.keyDir.remove(badgeKeyFile(kid));
  }

  private keys(): Map<string, KeyObject> {
    this.publicKeys ??= badgePublicKeys(this.keyRows.all());
    return this.publicKeys;
  }

  // New KeyObjects also void every cached verification (the cache checks key identity).
  private forgetKeys(): void {
    this.signer = null;
    this.publicKeys = null;
  }
}
