// Devices and their tokens: create, list, revoke, authenticate, and the bootstrap admin of a new database.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Store } from '../db/open.js';
import type { Role } from '../core/vocabulary.js';
import { devices } from '../db/schema.js';
import { notFound } from '../core/errors.js';
import type { Tx, Writer } from './writer.js';

export interface Device {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  revokedAt: number | null;
}

export function newToken(): string {
  return `edt_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Devices remembered by token hash; past this many the memory starts over (a venue has tens). */
const MAX_CACHED_DEVICES = 10_000;

export class DeviceService {
  private readonly byHash;
  /**
   * Valid devices by token hash: every request authenticates, and the lookup was ~12 % of the
   * check-in route's CPU. Only revoke() makes a valid device invalid, and it forgets the device
   * in the same transaction; a token that is not found is never remembered (nothing to grow).
   */
  private readonly valid = new Map<string, Device>();

  constructor(
    private readonly store: Store,
    private readonly writer: Writer,
    private readonly newId: () => string,
  ) {
    this.byHash = store.sqlite.prepare(
      'SELECT id, name, role, token_hash AS tokenHash, created_at AS createdAt, revoked_at AS revokedAt FROM devices WHERE token_hash = ?',
    );
  }

  /** Looks a token up by its hash and compares the hashes in constant time; revoked devices fail. */
  authenticate(token: string): Device | null {
    if (token.length < 16 || token.length > 200) return null;
    const hash = hashToken(token);
    const known = this.valid.get(hash);
    if (known) return known;
    const row = this.byHash.get(hash) as (Device & { tokenHash: string }) | undefined;
    if (!row) return null;
    const ok = timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), Buffer.from(hash, 'hex'));
    if (!ok || row.revokedAt !== null) return null;
    const device: Device = { id: row.id, name: row.name, role: row.role, createdAt: row.createdAt, revokedAt: row.revokedAt };
    if (this.valid.size >= MAX_CACHED_DEVICES) this.valid.clear();
    this.valid.set(hash, device);
    return device;
  }

  createIn(tx: Tx, name: string, role: Role, token: string = newToken()): { device: Device; token: string } {
    const device: Device = { id: this.newId(), name, role, createdAt: tx.now, revokedAt: null };
    this.store.db.insert(devices).values({ ...device, tokenHash: hashToken(token) }).run();
    tx.emit('device.created', { id: device.id, name, role });
    return { device, token };
  }

  create(actor: Tx['actor'], name: string, role: Role): Promise<{ device: Device; token: string }> {
    return this.writer.submit(actor, (tx) => this.createIn(tx, name, role));
  }

  list(): Device[] {
    return this.store.db
      .select({ id: devices.id, name: devices.name, role: devices.role, createdAt: devices.createdAt, revokedAt: devices.revokedAt })
      .from(devices)
      .orderBy(devices.createdAt, devices.id)
      .all();
  }

  /** Revoking twice is harmless; the caller closes the device's sockets after the commit. */
  revoke(actor: Tx['actor'], id: string): Promise<Device> {
    return this.writer.submit(actor, (tx) => {
      const row = this.store.db.select().from(devices).where(eq(devices.id, id)).get();
      if (!row) throw notFound('device');
      if (row.revokedAt === null) {
        this.store.db.update(devices).set({ revokedAt: tx.now }).where(eq(devices.id, id)).run();
        this.valid.delete(row.tokenHash);
        tx.emit('device.revoked', { id, name: row.name, role: row.role });
      }
      return { id: row.id, name: row.name, role: row.role, createdAt: row.createdAt, revokedAt: row.revokedAt ?? tx.now };
    });
  }

  /**
   * A new database gets one admin device. Its token is the configured one, or a generated one
   * that the caller logs once (it cannot be recovered later: only its hash is kept).
   */
  ensureBootstrapAdmin(configuredToken: string | undefined): { generatedToken: string | null } {
    const count = this.store.sqlite.prepare('SELECT COUNT(*) AS n FROM devices').get() as { n: number };
    if (count.n > 0) return { generatedToken: null };
    const token = configuredToken ?? newToken();
    this.writer.run(null, (tx) => this.createIn(tx, 'bootstrap admin', 'admin', token));
    return { generatedToken: configuredToken ? null : token };
  }
}
