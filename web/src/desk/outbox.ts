// The desk's offline queue: scans stored before they are sent, the pending count, and batch upload once the connection is back.
import type { BatchAnswer, CheckinAnswer, ScanResult } from '../../../src/contract/index.js';
import { ApiError } from '../api.js';
import { byId, fill, h } from '../dom.js';
import { wireOf, type QueuedScan, type ScanQueue } from '../scan-queue.js';
import { deskProblem, type Desk } from './context.js';
import type { RecentScans } from './recent.js';
import { REJECT_REASONS, rejectText } from './result.js';

const RESULT_WORD: Record<ScanResult, string> = { ok: 'OK', warning: 'warning', rejected: 'rejected' };

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** One scan the server decided otherwise than this desk did offline. */
interface Difference {
  scan: QueuedScan;
  answer: CheckinAnswer;
}

/** The most /api/checkins/batch takes at once. */
const BATCH_LIMIT = 500;
/** A batch refused for the device's upload rate is sent again after this, a few times. */
const RATE_LIMIT_WAIT_MS = 1_100;
const RATE_LIMIT_RETRIES = 5;

/** crypto.randomUUID exists only in secure contexts; a desk on plain http inside a venue LAN still needs ids. */
export function newScanId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Outbox {
  /** Scans being sent one by one right now: a flush running meanwhile must not send them too. */
  readonly inFlight = new Set<string>();
  private flushing = false;

  constructor(
    private readonly desk: Desk,
    private readonly queue: ScanQueue,
    private readonly recent: RecentScans,
    private readonly onAnswer: (answer: CheckinAnswer) => void,
  ) {}

  /** Shows what a previous page left queued, and warns when this browser cannot keep scans. */
  async start(): Promise<void> {
    byId('queue-volatile', HTMLElement).hidden = this.queue.persistent;
    for (const scan of await this.queue.all()) this.recent.remember(scan.scanId, scan.scannedAt, { kind: 'pending', local: scan.local });
    await this.refreshCount();
  }

  /** Stores a scan before it is sent; false when this device could not store it. */
  async put(scan: QueuedScan): Promise<boolean> {
    try {
      await this.queue.put(scan);
      return true;
    } catch {
      return false;
    }
  }

  remove(scanIds: string[]): Promise<void> {
    return this.queue.remove(scanIds);
  }

  async refreshCount(): Promise<void> {
    const all = await this.queue.all();
    const queued = all.filter((s) => !this.inFlight.has(s.scanId)).length;
    const pending = byId('pending', HTMLElement);
    pending.dataset.count = String(queued);
    pending.hidden = queued === 0;
    pending.textContent = queued === 1 ? '1 scan waiting to upload' : `${queued} scans waiting to upload`;
  }

  /** One batch; the server takes a few batches a second per device, so a long queue waits its turn on 429. */
  private async upload(chunk: QueuedScan[]): Promise<BatchAnswer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.desk.api.api<BatchAnswer>('/api/checkins/batch', { method: 'POST', json: { scans: chunk.map(wireOf) } });
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 429) || attempt >= RATE_LIMIT_RETRIES) throw err;
        await new Promise((resolve) => window.setTimeout(resolve, RATE_LIMIT_WAIT_MS));
      }
    }
  }

  /** Uploads the outbox with /api/checkins/batch; each answer replaces the scan's pending mark. */
  async flush(): Promise<void> {
    if (this.flushing || !this.desk.page.online()) return;
    this.flushing = true;
    let uploaded = 0;
    let kept = 0;
    const tally: Record<ScanResult, number> = { ok: 0, warning: 0, rejected: 0 };
    const differences: Difference[] = [];
    try {
      const waiting = (await this.queue.all()).filter((s) => !this.inFlight.has(s.scanId));
      for (let i = 0; i < waiting.length; i += BATCH_LIMIT) {
        const chunk = waiting.slice(i, i + BATCH_LIMIT);
        for (const s of chunk) this.inFlight.add(s.scanId);
        try {
          const { results } = await this.upload(chunk);
          const done: string[] = [];
          chunk.forEach((s, n) => {
            const answer = results[n];
            if (!this.recent.has(s.scanId)) this.recent.remember(s.scanId, s.scannedAt, { kind: 'pending', local: s.local });
            if (!answer) {
              done.push(s.scanId);
              this.recent.update(s.scanId, { kind: 'failed', message: 'The server did not decide this scan.' });
            } else if (answer.reason === 'invalid_scan') {
              // Sending it again cannot help: it leaves the queue, and the list says to scan again.
              done.push(s.scanId);
              this.recent.update(s.scanId, { kind: 'failed', message: REJECT_REASONS.invalid_scan });
            } else if (answer.checkin.id === null) {
              // Not recorded (past the failed-scan budget): it stays queued and is sent again later.
              kept += 1;
            } else {
              done.push(s.scanId);
              tally[answer.result] += 1;
              const differs = s.local !== undefined && s.local.result !== answer.result;
              if (differs) differences.push({ scan: s, answer });
              this.recent.update(s.scanId, { kind: 'answered', answer, undone: false, ...(differs && s.local ? { differs: s.local } : {}) });
              this.onAnswer(answer);
            }
          });
          await this.queue.remove(done);
          uploaded += done.length;
        } finally {
          for (const s of chunk) this.inFlight.delete(s.scanId);
        }
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.retryable)) {
        this.desk.say(`Queued scans could not be uploaded: ${deskProblem(err)}. They stay queued.`);
      }
    } finally {
      this.flushing = false;
      await this.refreshCount();
    }
    if (uploaded > 0) {
      this.desk.say(
        `Uploaded ${plural(uploaded, 'queued scan', 'queued scans')}: ${tally.ok} ok, ${plural(tally.warning, 'warning', 'warnings')}, ${tally.rejected} rejected.` +
          (differences.length > 0 ? ` The server decided ${plural(differences.length, 'scan', 'scans')} differently: see below.` : '') +
          (kept > 0 ? ` ${kept} not recorded yet: they stay queued.` : ''),
      );
      this.showDifferences(differences);
    }
  }

  /** The scans whose offline decision the server overturned, until the next upload: staff may need to find those people. */
  private showDifferences(differences: Difference[]): void {
    const section = byId('differences', HTMLElement);
    section.hidden = differences.length === 0;
    fill(
      byId('differences-list', HTMLElement),
      ...differences.map(({ scan, answer }) => {
        const name = answer.attendee?.name ?? scan.local?.attendee?.name ?? 'Unknown badge';
        const server = [RESULT_WORD[answer.result], answer.result === 'rejected' ? rejectText(answer.reason) : null].filter((x) => x).join(': ');
        return h(
          'li',
          { class: `difference difference--${answer.result}`, 'data-scan-id': scan.scanId },
          h('strong', null, name),
          ` — server: ${server}; this desk said ${RESULT_WORD[scan.local?.result ?? 'ok']} offline.`,
        );
      }),
    );
  }
}
