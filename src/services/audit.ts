// Signed checkpoints of the event log's head (to the log and to an append-only file in the key dir), and the audit verification behind audit:verify.
import { sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { checkpointSchema, type Checkpoint, type CheckpointReason } from '../contract/audit.js';
import type { Sqlite } from '../db/open.js';
import { keyIdOf, type KeyDir } from '../keys/key-dir.js';
import { inspectChain, readHead, type ChainInspection, type LogHead } from '../live/event-log.js';
import type { Writer } from '../store/sqlite/writer.js';

const CONTEXT = 'eventday audit checkpoint v1';

/** The bytes a checkpoint's signature covers: every field but the signature, in a fixed order. */
export function checkpointMessage(c: Omit<Checkpoint, 'signature'>): Buffer {
  return Buffer.from(JSON.stringify([CONTEXT, c.v, c.seq, c.hash, c.epoch, c.at, c.reason, c.keyId]), 'utf8');
}

export function signCheckpoint(keys: KeyDir, head: LogHead, epoch: string, at: number, reason: CheckpointReason): Checkpoint {
  const key = keys.auditSigningKey();
  const body = { v: 1 as const, seq: head.seq, hash: head.hash, epoch, at, reason, keyId: key.keyId };
  return { ...body, signature: sign(null, checkpointMessage(body), key.privateKey).toString('base64url') };
}

export function checkpointSignatureOk(c: Checkpoint, publicKey: KeyObject, keyId: string): boolean {
  if (c.keyId !== keyId) return false;
  try {
    return verify(null, checkpointMessage(c), publicKey, Buffer.from(c.signature, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * Writes one checkpoint: an `audit.checkpoint` event in the log that signs the head before it,
 * committed, then a line in the checkpoint file that signs the head after it (the event
 * included), so the file always names the very last row. The line is written only after the
 * commit: a crash between the two leaves the file one checkpoint behind, never ahead.
 */
export function writeCheckpoint(writer: Writer, keys: KeyDir, dbFile: string, reason: CheckpointReason, now: number): Checkpoint {
  const line = emitCheckpoint(writer, keys, reason, now);
  appendCheckpoint(keys, dbFile, line);
  return line;
}

/**
 * The event half of a checkpoint (in its own transaction, or a savepoint of the caller's);
 * returns the line that signs the head after it, for `appendCheckpoint` once that has committed.
 */
export function emitCheckpoint(writer: Writer, keys: KeyDir, reason: CheckpointReason, now: number): Checkpoint {
  const before = writer.log.mark();
  const epoch = writer.log.epoch;
  writer.run(null, (tx) => tx.emit('audit.checkpoint', signCheckpoint(keys, before, epoch, now, reason)));
  return signCheckpoint(keys, writer.log.mark(), epoch, now, reason);
}

export function appendCheckpoint(keys: KeyDir, dbFile: string, line: Checkpoint): void {
  keys.appendLine(keys.checkpointFileName(dbFile), JSON.stringify(line));
}

/** The service's checkpoints: every minute when the head moved (a job), and once at shutdown. */
export class AuditCheckpoints {
  /** The seq the last checkpoint file line names; nothing is written while the head stays there. */
  private lastSeq: number;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly writer: Writer,
    private readonly keys: KeyDir,
    private readonly dbFile: string,
    private readonly clock: () => number,
  ) {
    const last = readCheckpoints(keys.checkpointFile(dbFile)).lines.at(-1);
    const head = readHead(sqlite);
    this.lastSeq = last !== undefined && last.seq === head.seq && last.hash === head.hash ? head.seq : -1;
  }

  /** Returns the line written, or null when the log has not moved since the last checkpoint (or is empty). */
  checkpoint(reason: CheckpointReason): Checkpoint | null {
    const head = this.writer.log.mark();
    if (head.seq === 0 || head.seq === this.lastSeq) return null;
    const line = writeCheckpoint(this.writer, this.keys, this.dbFile, reason, this.clock());
    this.lastSeq = line.seq;
    return line;
  }
}

export interface CheckpointFile {
  file: string;
  lines: Checkpoint[];
  /** Line numbers (1-based) that are not a well-formed checkpoint. */
  malformed: number[];
}

export function readCheckpoints(file: string): CheckpointFile {
  if (!existsSync(file)) return { file, lines: [], malformed: [] };
  const lines: Checkpoint[] = [];
  const malformed: number[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.trim() === '') return;
      try {
        const parsed = checkpointSchema.safeParse(JSON.parse(text));
        if (parsed.success) lines.push(parsed.data);
        else malformed.push(i + 1);
      } catch {
        malformed.push(i + 1);
      }
    });
  return { file, lines, malformed };
}

export interface AuditReport {
  ok: boolean;
  chain: Pick<ChainInspection, 'ok' | 'checked' | 'firstBadSeq' | 'head' | 'redacted'>;
  checkpointFile: string;
  /** The last valid signed line of the checkpoint file, or null when there is none. */
  lastCheckpoint: Checkpoint | null;
  /** Checkpoint events in the log whose signature and attested head were checked. */
  loggedCheckpoints: number;
  /** Each a sentence; any of them makes `ok` false. */
  problems: string[];
  /** Things an auditor should know that are not tampering (no checkpoint yet). */
  notes: string[];
}

export interface AuditOptions {
  keys: KeyDir;
  /** The database whose checkpoint file to read: the verified file's own, or the live one a backup came from. */
  dbFile: string;
}

/**
 * Full audit of one database: the hash chain (over payload digests; redactions must be named by a
 * purge), every checkpoint event's signature and the head it attests, and the last signed line
 * of the checkpoint file: a head below it is truncation, a different hash at its seq is a
 * recomputed chain. A purge that is not covered by a signed checkpoint is reported too (it could
 * be a forged one excusing edited payloads).
 */
export function verifyAudit(sqlite: Sqlite, options: AuditOptions): AuditReport {
  const inspection = inspectChain(sqlite);
  const problems: string[] = [];
  const notes: string[] = [];
  if (!inspection.ok) problems.push(`the hash chain is broken at seq ${inspection.firstBadSeq} (${inspection.checked} events before it verified)`);

  const file = readCheckpoints(options.keys.checkpointFile(options.dbFile));
  const publicKey = options.keys.auditPublicKey();
  let last: Checkpoint | null = null;
  for (const n of file.malformed) problems.push(`${file.file} line ${n} is not a checkpoint`);
  if (publicKey === null) {
    if (file.lines.length > 0) problems.push(`${file.file} holds checkpoints but the key dir has no audit-checkpoint key to verify them`);
    else notes.push('no signed checkpoint yet (no audit key in the key dir): truncation and recomputation cannot be detected');
  } else {
    const keyId = keyIdOf(publicKey);
    file.lines.forEach((line, i) => {
      if (checkpointSignatureOk(line, publicKey, keyId)) last = line;
      else problems.push(`checkpoint ${i + 1} of ${file.file} (seq ${line.seq}) has no valid signature`);
    });
    for (const logged of inspection.checkpoints) {
      let parsed: Checkpoint | null = null;
      try {
        const p = checkpointSchema.safeParse(JSON.parse(logged.payloadJson));
        parsed = p.success ? p.data : null;
      } catch {
        parsed = null;
      }
      if (parsed === null || !checkpointSignatureOk(parsed, publicKey, keyId)) {
        problems.push(`the checkpoint event at seq ${logged.seq} has no valid signature`);
      } else if (parsed.seq !== logged.previous.seq || parsed.hash !== logged.previous.hash) {
        problems.push(`the checkpoint event at seq ${logged.seq} signed seq ${parsed.seq} (${parsed.hash}), but the log before it is seq ${logged.previous.seq} (${logged.previous.hash}): recomputed`);
      }
    }
  }

  const lastLine = last as Checkpoint | null;
  if (lastLine === null) {
    if (publicKey !== null) notes.push(`no signed checkpoint in ${file.file}: truncation cannot be detected`);
  } else {
    const head = inspection.head;
    const at = new Date(lastLine.at).toISOString();
    if (head.seq < lastLine.seq) {
      problems.push(`truncated: the log ends at seq ${head.seq}, below the last signed checkpoint (seq ${lastLine.seq}, ${at}, ${lastLine.reason})`);
    } else {
      const stored = inspection.hashAt(lastLine.seq);
      if (stored !== lastLine.hash) {
        problems.push(`recomputed: seq ${lastLine.seq} has hash ${stored ?? '(none)'}, the signed checkpoint of ${at} says ${lastLine.hash}`);
      }
    }
    for (const purge of inspection.purges) {
      if (purge > lastLine.seq) problems.push(`the purge at seq ${purge} is not covered by a signed checkpoint: its redactions are unattested`);
    }
    if (head.seq > lastLine.seq) notes.push(`${head.seq - lastLine.seq} events after the last signed checkpoint (seq ${lastLine.seq}, ${at})`);
  }

  const { ok, checked, firstBadSeq, head, redacted } = inspection;
  return {
    ok: problems.length === 0,
    chain: { ok, checked, firstBadSeq, head, redacted },
    checkpointFile: file.file,
    lastCheckpoint: lastLine,
    loggedCheckpoints: inspection.checkpoints.length,
    problems,
    notes,
  };
}

/** The report as the lines audit:verify prints, and its exit code (0 verified, 1 tampering found). */
export function formatAuditReport(report: AuditReport, dbFile: string): { text: string; exitCode: number } {
  const out: string[] = [];
  const c = report.chain;
  if (c.ok) out.push(`audit chain ok: ${c.checked} events verified in ${dbFile}${c.redacted > 0 ? ` (${c.redacted} payloads redacted by a purge)` : ''}`);
  else out.push(`audit chain BROKEN at seq ${c.firstBadSeq} (${c.checked} events before it verified) in ${dbFile}`);
  if (report.lastCheckpoint !== null) {
    const cp = report.lastCheckpoint;
    out.push(`last signed checkpoint: seq ${cp.seq} at ${new Date(cp.at).toISOString()} (${cp.reason}) in ${report.checkpointFile}`);
  }
  for (const p of report.problems.filter((p) => !p.startsWith('the hash chain is broken'))) out.push(`TAMPERING: ${p}`);
  for (const n of report.notes) out.push(`note: ${n}`);
  return { text: `${out.join('\n')}\n`, exitCode: report.ok ? 0 : 1 };
}
