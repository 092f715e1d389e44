// Devices and their tokens: create, list, revoke, authenticate, and the bootstrap admin of a new database.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../core/vocabulary.js';
import { notFound } from '../core/errors.js';
import type { Op } from '../store/op.js';
import type { DeviceRecord, StoreReader } from '../store/ports.js';
import type { Tx, UnitOfWork } from '../store/unit-of-work.js';

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
  /**
   * Valid devices by token hash: every request authenticates, and the lookup was ~12 % of the
   * check-in route's CPU. Only a revocation makes a valid device invalid: the revoking node
   * forgets the device once the revocation commits, before answering, and every node learns of
   * it from the log (`forget`, fed by the published `device.revoked`; on PostgreSQL from its
   * tail, so another node a moment later); a token that is not found is never remembered.
   */
  private readonly valid = new Map<string, Device>();
  /** Bumped by every `forget`: a lookup that a revocation overtook is answered but not remembered. */
  private forgets = 0;

  constructor(
    private readonly store: StoreReader,
    private readonly writer: UnitOfWork,
    private readonly newId: () => string,
  ) {}

  /** Looks a token up by its hash and compares the hashes in constant time; revoked devices fail. */
  async authenticate(token: string): Promise<Device | null> {
    if (token.length < 16 || token.length > 200) return null;
    const hash = hashToken(token);
    const known = this.valid.get(hash);
    if (known) return known;
    const forgets = this.forgets;
    const row = await this.store.read((store) => store.devices.findByTokenHash(hash));
    if (!row) return null;
    const ok = timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), Buffer.from(hash, 'hex'));
    if (!ok || row.revokedAt !== null) return null;
    const device = toDevice(row);
    // A revocation followed while the row was read may be this device's: remembering it would outlive the revocation.
    if (forgets !== this.forgets) return device;
    if (this.valid.size >= MAX_CACHED_DEVICES) this.valid.clear();
    this.valid.set(hash, device);
    return device;
  }

  *createIn(tx: Tx, name: string, role: Role, token: string = newToken()): Op<{ device: Device; token: string }> {
    const device: Device = { id: this.newId(), name, role, createdAt: tx.now, revokedAt: null };
    yield* tx.store.devices.insert({ ...device, tokenHash: hashToken(token) });
    tx.emit('device.created', { id: device.id, name, role });
    return { device, token };
  }

  create(actor: Tx['actor'], name: string, role: Role): Promise<{ device: Device; token: string }> {
    return this.writer.submit(actor, (tx) => this.createIn(tx, name, role));
  }

  async list(): Promise<Device[]> {
    return (await this.store.read((store) => store.devices.list())).map(toDevice);
  }

  /** Revoking twice is harmless; the caller closes the device's sockets after the commit. */
  async revoke(actor: Tx['actor'], id: string): Promise<Device> {
    const revoked = await this.writer.submit(actor, function* (tx) {
      const row = yield* tx.store.devices.find(id);
      if (!row) throw notFound('device');
      if (row.revokedAt === null) {
        yield* tx.store.devices.markRevoked(id, tx.now);
        tx.emit('device.revoked', { id, name: row.name, role: row.role });
      }
      return { ...toDevice(row), revokedAt: row.revokedAt ?? tx.now };
    });
    // On PostgreSQL this node's own tail delivers `device.revoked` after the answer: the token must stop working before it.
    this.forget(id);
    return revoked;
  }

  /** A device revoked on any node: its token stops authenticating here too. */
  forget(deviceId: string): void {
    this.forgets += 1;
    for (const [hash, device] of this.valid) if (device.id === deviceId) this.valid.delete(hash);
  }

  /**
   * A new database gets one admin device. Its token is the configured one, or a generated one
   * that the caller logs once (it cannot be recovered later: only its hash is kept).
   */
  async ensureBootstrapAdmin(configuredToken: string | undefined): Promise<{ generatedToken: string | null }> {
    const token = configuredToken ?? newToken();
    const created = await this.writer.submit(null, (tx) => this.bootstrapIn(tx, token));
    return { generatedToken: created && !configuredToken ? token : null };
  }

  private *bootstrapIn(tx: Tx, token: string): Op<boolean> {
    // Nodes starting on a new database at once: one creates the bootstrap admin, the others then see it.
    yield* tx.store.devices.lockFirstDevice();
    if ((yield* tx.store.devices.count()) > 0) return false;
    yield* this.createIn(tx, 'bootstrap admin', 'admin', token);
    return true;
  }
}

function toDevice(row: DeviceRecord): Device {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.createdAt, revokedAt: row.revokedAt };
}
