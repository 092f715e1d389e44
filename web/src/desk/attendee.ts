// The desk's attendee panel: the chosen or newly registered attendee, their check-in, and the print and reprint buttons.
import type { AttendeeWire, CheckinAnswer } from '../../../src/contract/index.js';
import { byId, confirmTwice, fill, h } from '../dom.js';
import { deskProblem, personBlock, when, type Desk } from './context.js';
import { badgeDataUrl, openPrintWindow, printBadge, reissueBadge } from './badge.js';

export class AttendeePanel {
  private readonly panel = byId('attendee', HTMLElement);
  private selected: AttendeeWire | null = null;
  private heading = 'Attendee';
  private badge: string | null = null;

  constructor(
    private readonly desk: Desk,
    /** Checks the attendee in by name (no badge); answers the server's answer, or null when it failed. */
    private readonly checkInByName: (attendeeId: string, reason: string) => Promise<CheckinAnswer | null>,
  ) {}

  /** Reloads the attendee shown if it is this one (their check-in was undone). */
  async refresh(attendeeId: string): Promise<void> {
    if (this.selected?.id === attendeeId) await this.show(attendeeId, this.badge, this.heading);
  }

  /** Follows an answer about the attendee shown, so the panel never says "not checked in" beside a check-in. */
  follow(answer: CheckinAnswer): void {
    const a = this.selected;
    if (!a || answer.attendee?.id !== a.id || answer.result === 'rejected') return;
    const at = answer.firstCheckinAt ?? answer.checkin.at;
    if (a.checkedInAt === null || Date.parse(at) < Date.parse(a.checkedInAt)) {
      this.selected = { ...a, checkedInAt: at };
      this.render(this.heading, this.badge);
    }
  }

  /** Loads and shows an attendee, with their badge beside it when one is given. */
  async show(id: string, badge: string | null = null, heading = 'Attendee'): Promise<void> {
    try {
      this.selected = await this.desk.api.api<AttendeeWire>(`/api/attendees/${encodeURIComponent(id)}`);
      this.render(heading, badge);
    } catch (err) {
      fill(this.panel, h('p', { class: 'error' }, `Could not load the attendee: ${deskProblem(err)}`));
      this.panel.hidden = false;
    }
  }

  /** Shows an attendee with their current badge. */
  async showWithBadge(id: string, heading: string): Promise<void> {
    await this.show(id, await badgeDataUrl(this.desk, id), heading);
  }

  private render(heading: string, badge: string | null): void {
    this.heading = heading;
    this.badge = badge;
    const a = this.selected;
    if (!a) {
      this.panel.hidden = true;
      return;
    }
    const print = h('button', { type: 'button', class: 'button', 'data-testid': 'print-badge' }, 'Print badge');
    print.addEventListener('click', () => {
      const win = openPrintWindow();
      void printBadge(this.desk, a, win).then((shown) => {
        if (shown) this.render('Attendee', shown);
      });
    });
    const reprint = h('button', { type: 'button', class: 'button', 'data-testid': 'reprint-badge' }, 'Reprint badge');
    confirmTwice(reprint, 'Confirm reprint: the old badge stops working', () => void this.reprint(a));
    fill(
      this.panel,
      h('h2', { class: 'panel__title' }, heading),
      personBlock(a),
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Registration'),
        h('dd', null, a.status === 'cancelled' ? 'Cancelled' : 'Registered'),
        h('dt', null, 'Check-in'),
        h('dd', null, a.checkedInAt ? `Checked in ${when(this.desk, a.checkedInAt)}` : 'Not checked in yet'),
        a.email ? h('dt', null, 'Email') : null,
        a.email ? h('dd', null, a.email) : null,
      ),
      a.status === 'registered' && a.checkedInAt === null ? this.byNameForm(a) : null,
      h('div', { class: 'actions' }, print, reprint),
      badge ? h('img', { class: 'badge-preview', src: badge, alt: `Badge for ${a.name}` }) : null,
    );
    this.panel.hidden = false;
  }

  /** Check-in without a badge: the reason is kept for the organiser. */
  private byNameForm(a: AttendeeWire): HTMLFormElement {
    const reason = h('input', {
      id: 'manual-reason',
      name: 'reason',
      class: 'input',
      required: true,
      maxlength: 200,
      autocomplete: 'off',
      value: 'No badge with them',
      'data-testid': 'manual-reason',
    });
    const form = h(
      'form',
      { class: 'manual', 'data-testid': 'manual-checkin' },
      h('label', { for: 'manual-reason' }, 'No badge? Check in by name — reason:'),
      reason,
      h('button', { type: 'submit', class: 'button button--primary', 'data-testid': 'manual-checkin-button' }, `Check in ${a.name}`),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = reason.value.trim();
      if (!text) return;
      void this.checkInByName(a.id, text).then(() => this.desk.focusScan());
    });
    return form;
  }

  private async reprint(a: AttendeeWire): Promise<void> {
    try {
      await reissueBadge(this.desk, a.id);
      this.desk.say(`New badge issued for ${a.name}; the old one no longer works. Press Print badge.`);
      await this.showWithBadge(a.id, 'Badge reissued');
    } catch (err) {
      this.desk.say(`Reprint failed: ${deskProblem(err)}`);
    }
  }
}
