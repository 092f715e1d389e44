// The desk's scan outbox in IndexedDB: a scan is stored before it is sent and removed once the server has answered, so a reload or a crash never loses one.

import type { ScanBody } from '../../src/contract/index.js';
import type { LocalDecision } from './desk/offline-list.js';
import { completion, request } from './idb.js';

/** A venue entry scan as the desk sends it to /api/checkins (and, queued, to /api/checkins/batch). */
export type ScanWire = Required<Pick<ScanBody, 'scanId' | 'code' | 'scannedAt'>> & { kind: 'entry'; roomId: null };

/** A stored scan: the wire body, and what the desk decided from its offline list (shown, and compared with the server's answer). */
export type QueuedScan = ScanWire & { local?: LocalDecision };

/** The body the server takes: the desk's own decision stays on the desk. */
export function wireOf(scan: QueuedScan): ScanWire {
  return { scanId: scan.scanId, code: scan.code, kind: scan.kind, roomId: scan.roomId, scannedAt: scan.scannedAt };
}

export interface ScanQueue {
  /** False when IndexedDB is unavailable and the outbox lives only as long as the page. */
  readonly persistent: boolean;
  put(scan: QueuedScan): Promise<void>;
  /** Oldest first, as the batch endpoint decides each scan as of its scannedAt. */
  all(): Promise<QueuedScan[]>;
  remove(scanIds: string[]): Promise<void>;
}

const DB_NAME = 'eventday-desk';
const STORE = 'scans';

function isQueuedScan(v: unknown): v is QueuedScan {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return typeof s.scanId === 'string' && typeof s.code === 'string' && typeof s.scannedAt === 'string';
}

const byScanTime = (a: QueuedScan, b: QueuedScan): number => a.scannedAt.localeCompare(b.scannedAt);

function openDatabase(): Promise<IDBDatabase> {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore(STORE, { keyPath: 'scanId' });
  };
  return request(open);
}

function memoryQueue(): ScanQueue {
  const scans = new Map<string, QueuedScan>();
  return {
    persistent: false,
    async put(scan) {
      scans.set(scan.scanId, scan);
    },
    async all() {
      return [...scans.values()].sort(byScanTime);
    },
    async remove(ids) {
      for (const id of ids) scans.delete(id);
    },
  };
}

export async function openScanQueue(): Promise<ScanQueue> {
  let db: IDBDatabase;
  try {
    db = await openDatabase();
  } catch {
    return memoryQueue();
  }
  // Asks the browser not to evict the outbox under storage pressure; refusal is harmless.
  void navigator.storage?.persist?.().catch(() => false);
  return {
    persistent: true,
    async put(scan) {
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).put(scan);
      await completion(tx);
    },
    async all() {
      const tx = db.transaction(STORE, 'readonly');
      const rows: unknown[] = await request(tx.objectStore(STORE).getAll());
      return rows.filter(isQueuedScan).sort(byScanTime);
    },
    async remove(ids) {
      if (ids.length === 0) return;
      const tx = db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      for (const id of ids) store.delete(id);
      await completion(tx);
    },
  };
}
