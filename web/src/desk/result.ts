// The desk's big result panel: ok / warning / rejected with the person, or checking, saved offline, not processed, undone.
import type { CheckinAnswer, ScanReason } from '../../../src/contract/index.js';
import { byId, fill, h } from '../dom.js';
import { personBlock, when, type Desk } from './context.js';
import type { LocalDecision } from './offline-list.js';
import type { Sounds } from './sound.js';

/** A result stays this long, then the panel says "Ready to scan" again for the next person. */
export const RESET_MS = 6_000;
export const REVOKED_TEXT = 'This device was revoked — ask the organiser for a new link.';
const NOT_IN_LIST = 'Genuine badge, but not in this desk’s list yet (registered after the last sync). Check their ID.';

// Every reason but the warning: a reason added to the vocabulary must get words here.
export const REJECT_REASONS: Record<Exclude<ScanReason, 'already_checked_in'>, string> = {
  invalid_code: 'Not a badge of this event (unreadable or not genuine)',
  unknown_attendee: 'This badge belongs to no registered attendee',
  revoked_badge: 'Old badge: it was replaced by a reprint. Ask for the new badge, or reprint.',
  registration_cancelled: 'This registration was cancelled',
  not_allowed: 'Not admitted to this session',
  room_full: 'The room is full',
  room_closed: 'The room is closed',
  invalid_time: 'The scan time is out of range: check this device’s clock',
  rate_limited: 'Too many failed scans from this desk: not recorded, it is sent again later',
  unknown_room: 'The server does not know this room',
  invalid_scan: 'The server could not read this queued scan: scan the badge again',
};

export function rejectText(reason: ScanReason | null): string | null {
  if (reason === null) return null;
  return reason === 'already_checked_in' ? 'Already checked in' : REJECT_REASONS[reason];
}

/** Whether a scan counted and can be taken back. */
export function undoable(answer: CheckinAnswer): boolean {
  return answer.result !== 'rejected' && answer.checkin.id !== null;
}

export interface ResultPanel {
  sending(): void;
  queued(): void;
  failure(message: string): void;
  /** `manual`: checked in by name, without a badge. */
  answer(answer: CheckinAnswer, onUndo: () => void, manual?: boolean): void;
  /** A scan decided on this device from the offline list; it is queued for the server. */
  local(decision: LocalDecision): void;
  revoked(): void;
  undone(name: string | null): void;
}

export function resultPanel(desk: Desk, sounds: Sounds): ResultPanel {
  const result = byId('result', HTMLElement);
  let reset: number | undefined;
  const show = (state: string, ...children: (HTMLElement | null)[]): void => {
    window.clearTimeout(reset);
    result.dataset.result = state;
    delete result.dataset.offline;
    fill(result, ...children);
    // Sending waits for its answer; the revoked notice stays: nothing can be scanned until a new link.
    if (state !== 'sending' && state !== 'revoked') {
      reset = window.setTimeout(() => {
        result.dataset.result = 'idle';
        delete result.dataset.offline;
        fill(result, h('p', { class: 'result__heading' }, 'Ready to scan'));
      }, RESET_MS);
    }
  };
  const heading = (icon: string, text: string): HTMLElement =>
    h('p', { class: 'result__heading' }, icon ? h('span', { 'aria-hidden': 'true' }, icon) : null, text);
  const reason = (text: string | null): HTMLElement | null => (text ? h('p', { class: 'result__reason' }, text) : null);

  return {
    sending: () => show('sending', heading('', 'Checking…')),
    queued: () =>
      show(
        'queued',
        heading('↻ ', 'Saved offline'),
        reason(
          'No connection: this scan is queued and will be checked as soon as the connection is back. Let the person in only if the badge looks right.',
        ),
      ),
    failure: (message) => {
      sounds.play('rejected');
      show('error', heading('✕ ', 'Scan not processed'), reason(message));
    },
    revoked: () => {
      sounds.play('rejected');
      show('revoked', heading('✕ ', 'Device revoked'), reason(REVOKED_TEXT));
    },
    local(decision) {
      sounds.play(decision.result);
      const title =
        decision.result === 'ok'
          ? heading('✓ ', 'Checked in')
          : decision.result === 'warning'
            ? heading('! ', decision.reason === 'already_checked_in' ? 'Already checked in' : 'Check this badge')
            : heading('✕ ', 'Rejected');
      const why =
        decision.reason === 'not_in_list'
          ? NOT_IN_LIST
          : decision.reason === 'already_checked_in'
            ? decision.firstCheckinAt
              ? `First checked in ${when(desk, decision.firstCheckinAt)}.`
              : 'This person was checked in before.'
            : rejectText(decision.reason);
      show(
        decision.result,
        title,
        reason(why),
        personBlock(decision.attendee),
        h('p', { class: 'result__note' }, 'Offline: checked on this device (signature and list). Queued; the server confirms it when the connection is back.'),
      );
      result.dataset.offline = 'true';
    },
    answer(answer, onUndo, manual = false) {
      sounds.play(answer.result);
      let title: HTMLElement;
      let why: string | null = null;
      if (answer.result === 'ok') {
        title = heading('✓ ', 'Checked in');
      } else if (answer.result === 'warning') {
        const already = answer.reason === 'already_checked_in';
        title = heading('! ', already ? 'Already checked in' : 'Checked in, with a warning');
        why = already
          ? answer.firstCheckinAt
            ? `First checked in ${when(desk, answer.firstCheckinAt)}.`
            : 'This person was checked in before.'
          : answer.reason;
      } else {
        title = heading('✕ ', 'Rejected');
        why = rejectText(answer.reason) ?? 'Not admitted';
      }
      const undo = undoable(answer) ? h('button', { type: 'button', class: 'button', 'data-testid': 'undo-scan' }, 'Undo this scan') : null;
      undo?.addEventListener('click', onUndo);
      show(
        answer.result,
        title,
        reason(why),
        personBlock(answer.attendee),
        manual ? h('p', { class: 'result__note' }, 'By name, without a badge: the reason is kept for the organiser.') : null,
        answer.replayed ? h('p', { class: 'result__note' }, 'This scan had already reached the server; nothing new was recorded.') : null,
        undo,
      );
    },
    undone: (name) =>
      show('undone', heading('↶ ', 'Scan undone'), reason(`${name ?? 'The attendee'}: this check-in no longer counts.`)),
  };
}
