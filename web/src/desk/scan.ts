// The desk's scan field: it keeps focus for USB scanners, sends each scan (stored first, queued when offline), shows the answer, and undoes one.
import type { CheckinAnswer } from '../../../src/contract/index.js';
import { ApiError } from '../api.js';
import { byId } from '../dom.js';
import { wireOf, type QueuedScan } from '../scan-queue.js';
import { deskProblem, type Desk } from './context.js';
import type { OfflineAttendees } from './offline-list.js';
import { newScanId, type Outbox } from './outbox.js';
import type { RecentScans } from './recent.js';
import type { ResultPanel } from './result.js';

export class Scanner {
  private readonly input = byId('scan', HTMLInputElement);
  private lastScanId: string | null = null;

  constructor(
    private readonly desk: Desk,
    private readonly outbox: Outbox,
    private readonly recent: RecentScans,
    private readonly result: ResultPanel,
    private readonly offline: OfflineAttendees,
    /** Called with every answer the server gives this desk, so other panels follow it. */
    private readonly onAnswer: (answer: CheckinAnswer) => void,
    /** Called after an undo, with the attendee whose check-in no longer counts. */
    private readonly onUndone: (attendeeId: string) => void,
  ) {}

  focus(): void {
    if (document.activeElement !== this.input) this.input.focus({ preventScroll: true });
  }

  private focusIfLost(): void {
    if (document.activeElement === document.body || document.activeElement === null) this.focus();
  }

  // USB scanners type into whatever has focus, so the scan field takes focus back after any pointer
  // click outside a form; forms (search, walk-in) keep it so staff can type there, and keyboard
  // users keep theirs on the control they activated.
  wire(onEscape: () => void): void {
    document.addEventListener('click', (e) => {
      const target = e.target;
      if (e.detail === 0) return;
      if (target instanceof Element && target.closest('form:not(#scan-form), [data-keep-focus]')) return;
      this.focus();
    });
    this.input.addEventListener('blur', (e) => {
      if (e.relatedTarget === null) window.setTimeout(() => this.focus(), 0);
    });
    window.addEventListener('focus', () => this.focusIfLost());
    // A focused control that is re-rendered away leaves focus on <body>, where a scan would vanish.
    window.setInterval(() => this.focusIfLost(), 1000);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        onEscape();
        this.focus();
      }
    });
    byId('scan-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      const code = this.input.value.trim();
      this.input.value = '';
      if (code) void this.scan(code);
    });
    this.focus();
  }

  async scan(code: string): Promise<void> {
    if (this.desk.revoked()) {
      this.result.revoked();
      return;
    }
    const scan: QueuedScan = { scanId: newScanId(), code, kind: 'entry', roomId: null, scannedAt: new Date().toISOString() };
    this.lastScanId = scan.scanId;
    const latest = (): boolean => this.lastScanId === scan.scanId;
    // Marked in flight before it is stored, so that a flush running meanwhile does not send it too.
    this.outbox.inFlight.add(scan.scanId);
    // Stored first: if the page dies while the request is out, the scan is still uploaded later
    // (the scanId makes a second delivery harmless).
    const stored = await this.outbox.put(scan);
    if (!this.desk.page.online()) {
      this.outbox.inFlight.delete(scan.scanId);
      if (!stored) {
        this.result.failure('No connection, and this device could not store the scan. Scan again when the connection is back.');
        return;
      }
      await this.queueOffline(scan, latest);
      return;
    }
    this.recent.remember(scan.scanId, scan.scannedAt, { kind: 'sending' });
    this.result.sending();
    try {
      const answer = await this.desk.api.api<CheckinAnswer>('/api/checkins', { method: 'POST', json: wireOf(scan) });
      await this.outbox.remove([scan.scanId]);
      this.recent.update(scan.scanId, { kind: 'answered', answer, undone: false });
      this.onAnswer(answer);
      if (latest()) this.result.answer(answer, () => void this.undo(scan.scanId));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        await this.outbox.remove([scan.scanId]);
        this.recent.update(scan.scanId, { kind: 'failed', message: 'This device was revoked.' });
        if (latest()) this.result.revoked();
      } else if (err instanceof ApiError && err.retryable && stored) {
        await this.queueOffline(scan, latest);
      } else {
        await this.outbox.remove([scan.scanId]);
        const message = deskProblem(err);
        this.recent.update(scan.scanId, { kind: 'failed', message });
        if (latest()) this.result.failure(message);
      }
    } finally {
      this.outbox.inFlight.delete(scan.scanId);
      await this.outbox.refreshCount();
    }
  }

  /** No server: decided here from the signature and the offline list when there is one, and queued. */
  private async queueOffline(scan: QueuedScan, latest: () => boolean): Promise<void> {
    if (this.offline.ready) {
      scan.local = await this.offline.decide(scan.code);
      await this.outbox.put(scan);
      if (scan.local.result !== 'rejected' && scan.local.attendee) await this.offline.arrived(scan.local.attendee.id, scan.scannedAt);
    }
    if (this.recent.has(scan.scanId)) this.recent.update(scan.scanId, { kind: 'pending', local: scan.local });
    else this.recent.remember(scan.scanId, scan.scannedAt, { kind: 'pending', local: scan.local });
    await this.outbox.refreshCount();
    if (!latest()) return;
    if (scan.local) this.result.local(scan.local);
    else this.result.queued();
  }

  /** Check-in by name for someone without a badge: needs the server (it is recorded with the reason). */
  async checkInByName(attendeeId: string, reason: string): Promise<CheckinAnswer | null> {
    if (this.desk.revoked()) {
      this.result.revoked();
      return null;
    }
    const body = { scanId: newScanId(), attendeeId, reason, scannedAt: new Date().toISOString() };
    this.lastScanId = body.scanId;
    this.result.sending();
    try {
      const answer = await this.desk.api.api<CheckinAnswer>('/api/checkins', { method: 'POST', json: body });
      this.recent.remember(body.scanId, body.scannedAt, { kind: 'answered', answer, undone: false });
      this.onAnswer(answer);
      if (this.lastScanId === body.scanId) this.result.answer(answer, () => void this.undo(body.scanId), true);
      return answer;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.result.revoked();
      else this.result.failure(`Check-in by name failed: ${deskProblem(err)}`);
      return null;
    }
  }

  async undo(scanId: string): Promise<void> {
    const entry = this.recent.get(scanId);
    if (!entry || entry.state.kind !== 'answered') return;
    const { answer } = entry.state;
    const checkinId = answer.checkin.id;
    if (checkinId === null) return;
    try {
      await this.desk.api.api(`/api/checkins/${encodeURIComponent(checkinId)}`, { method: 'DELETE' });
      this.recent.update(scanId, { kind: 'answered', answer, undone: true });
      this.result.undone(answer.attendee?.name ?? null);
      if (answer.attendee) this.onUndone(answer.attendee.id);
    } catch (err) {
      this.desk.say(`Could not undo the scan: ${deskProblem(err)}`);
    }
  }
}
