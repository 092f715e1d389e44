// The desk's big result panel: ok / warning / rejected with the person, or checking, saved offline, not processed, undone.
import type { CheckinAnswer, ScanReason } from '../../../src/contract/index.js';
import { byId, fill, h } from '../dom.js';
import { personBlock, when, type Desk } from './context.js';

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
  answer(answer: CheckinAnswer, onUndo: () => void): void;
  undone(name: string | null): void;
}

export function resultPanel(desk: Desk): ResultPanel {
  const result = byId('result', HTMLElement);
  const show = (state: string, ...children: (HTMLElement | null)[]): void => {
    result.dataset.result = state;
    fill(result, ...children);
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
    failure: (message) => show('error', heading('✕ ', 'Scan not processed'), reason(message)),
    answer(answer, onUndo) {
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
        answer.replayed ? h('p', { class: 'result__note' }, 'This scan had already reached the server; nothing new was recorded.') : null,
        undo,
      );
    },
    undone: (name) =>
      show('undone', heading('↶ ', 'Scan undone'), reason(`${name ?? 'The attendee'}: this check-in no longer counts.`)),
  };
}
