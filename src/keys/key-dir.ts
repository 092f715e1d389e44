// The key directory (EVENTDAY_KEY_DIR): private keys and audit checkpoints kept outside the database, folder 0700, files 0600.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { fsyncPath } from '../core/fsync.js';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const SAFE_NAME = /^[A-Za-z0-9._-]{1,100}$/;
/** The Ed25519 key that signs audit checkpoints; its public half sits beside it for auditors. */
const AUDIT_KEY = 'audit-checkpoint.key';
const AUDIT_PUBLIC_KEY = 'audit-checkpoint.pub';

export interface AuditKey {
  /** First 16 hex digits of sha256 over the public key (SPKI DER): names the key in every checkpoint. */
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/**
 * One folder of secrets. Created on first use with mode 0700 (tightened if it exists looser);
 * every file is written 0600 under a temporary name, synced and renamed, so a key file is
 * always whole. Nothing here is ever copied into the database, a backup or an export.
 */
export class KeyDir {
  readonly dir: string;
  private auditKey: AuditKey | null = null;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** Creates the folder (0700) if needed and returns it. */
  ensure(): string {
    mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
    if ((statSync(this.dir).mode & 0o777) !== DIR_MODE) chmodSync(this.dir, DIR_MODE);
    return this.dir;
  }

  file(name: string): string {
    if (!SAFE_NAME.test(name)) throw new RangeError(`not a key file name: ${name}`);
    return path.join(this.dir, name);
  }

  read(name: string): string | null {
    const file = this.file(name);
    return existsSync(file) ? readFileSync(file, 'utf8') : null;
  }

  /** Writes a secret atomically with mode 0600; an existing file of that name is replaced. */
  write(name: string, content: string): void {
    this.ensure();
    const file = this.file(name);
    const temp = `${file}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w', FILE_MODE);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, FILE_MODE);
    renameSync(temp, file);
    fsyncPath(this.dir);
  }

  remove(name: string): void {
    rmSync(this.file(name), { force: true });
  }

  /** Appends one line to an append-only file (0600), synced before it returns. */
  appendLine(name: string, line: string): void {
    this.ensure();
    const file = this.file(name);
    appendFileSync(file, `${line}\n`, { mode: FILE_MODE });
    fsyncPath(file);
  }

  /** The checkpoint signing key, created on first need. */
  auditSigningKey(): AuditKey {
    if (this.auditKey) return this.auditKey;
    let pem = this.read(AUDIT_KEY);
    if (pem === null) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      this.write(AUDIT_KEY, pem);
      this.write(AUDIT_PUBLIC_KEY, publicKey.export({ type: 'spki', format: 'pem' }).toString());
    }
    const privateKey = createPrivateKey(pem);
    const publicKey = createPublicKey(privateKey);
    this.auditKey = { keyId: keyIdOf(publicKey), privateKey, publicKey };
    return this.auditKey;
  }

  /** The checkpoint verification key, or null when no checkpoint was ever signed with this folder. */
  auditPublicKey(): KeyObject | null {
    const pub = this.read(AUDIT_PUBLIC_KEY);
    if (pub !== null) return createPublicKey(pub);
    const pem = this.read(AUDIT_KEY);
    return pem === null ? null : createPublicKey(createPrivateKey(pem));
  }

  /** The append-only checkpoint file of one database (named after its file, so one folder can serve several). */
  checkpointFileName(dbFile: string): string {
    return `${path.basename(dbFile).replace(/[^A-Za-z0-9._-]/g, '_')}.checkpoints.jsonl`;
  }

  checkpointFile(dbFile: string): string {
    return this.file(this.checkpointFileName(dbFile));
  }
}
