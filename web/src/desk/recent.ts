// The desk's "Recent scans" list: each scan from pending or checking to its answer, with undo where a scan counted.
import type { CheckinAnswer } from '../../../src/contract/index.js';
import { byId, fill, h, keepFocus } from '../dom.js';
import { timeOf } from '../time.js';
import { deskZone, type Desk } from './context.js';
import type { LocalDecision } from './offline-list.js';
import { rejectText, undoable } from './result.js';

const RECENT_LIMIT = 15;

export type RecentState =
  | { kind: 'pending'; local?: LocalDecision | undefined }
  | { kind: 'sending' }
  | { kind: 'answered'; answer: CheckinAnswer; undone: boolean; differs?: LocalDecision }
  | { kind: 'failed'; message: string };

export interface RecentScan {
  scanId: string;
  scannedAt: string;
  state: RecentState;
}

export class RecentScans {
  private readonly entries = new Map<string, RecentScan>();
  private readonly list = byId('recent', HTMLElement);

  constructor(
    private readonly desk: Desk,
    private readonly onUndo: (scanId: string) => void,
  ) {}

  get(scanId: string): RecentScan | undefined {
    return this.entries.get(scanId);
  }

  has(scanId: string): boolean {
    return this.entries.has(scanId);
  }

  /** Adds a scan at the top (or moves it there); the oldest fall off. */
  remember(scanId: string, scannedAt: string, state: RecentState): void {
    this.entries.delete(scanId);
    this.entries.set(scanId, { scanId, scannedAt, state });
    while (this.entries.size > RECENT_LIMIT) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.render();
  }

  update(scanId: string, state: RecentState): void {
    const entry = this.entries.get(scanId);
    if (!entry) return;
    entry.state = state;
    this.render();
  }

  private item(e: RecentScan): HTMLLIElement {
    let status: string;
    let detail = '';
    let undo: HTMLButtonElement | null = null;
    switch (e.state.kind) {
      case 'pending': {
        status = 'Pending upload';
        const local = e.state.local;
        if (local) {
          const verdict = local.result === 'ok' ? 'OK offline' : local.result === 'warning' ? 'warning offline' : 'rejected offline';
          detail = [local.attendee?.name ?? (local.reason === 'invalid_code' ? 'not a genuine badge' : 'not in the list'), verdict].join(' — ');
        }
        break;
      }
      case 'sending':
        status = 'Checking…';
        break;
      case 'failed':
        status = 'Not processed';
        detail = e.state.message;
        break;
      case 'answered': {
        const a = e.state.answer;
        status = e.state.undone ? 'Undone' : a.result === 'ok' ? 'OK' : a.result === 'warning' ? 'Already checked in' : 'Rejected';
        detail = [
          a.attendee?.name,
          a.result === 'rejected' ? rejectText(a.reason) : null,
          e.state.differs ? `the server decided differently (this desk said ${e.state.differs.result})` : null,
        ]
          .filter((x) => x)
          .join(' — ');
        if (!e.state.undone && undoable(a)) {
          undo = h('button', { type: 'button', class: 'button button--small', 'data-focus-key': `undo-${e.scanId}` }, 'Undo');
          undo.addEventListener('click', () => this.onUndo(e.scanId));
        }
        break;
      }
    }
    const kind = e.state.kind === 'answered' ? (e.state.undone ? 'undone' : e.state.answer.result) : e.state.kind;
    const differs = e.state.kind === 'answered' && e.state.differs !== undefined;
    return h(
      'li',
      { class: `recent recent--${kind}${differs ? ' recent--differs' : ''}`, 'data-scan-id': e.scanId, 'data-state': kind, 'data-differs': differs ? 'true' : null },
      h('span', { class: 'recent__time' }, timeOf(Date.parse(e.scannedAt), deskZone(this.desk))),
      ' ',
      h('strong', { class: 'recent__status' }, status),
      detail ? h('span', { class: 'recent__detail' }, ` ${detail}`) : null,
      undo ? ' ' : null,
      undo,
    );
  }

  render(): void {
    const entries = [...this.entries.values()].reverse();
    keepFocus(this.list, () => fill(this.list, ...entries.map((e) => this.item(e))));
  }
}
