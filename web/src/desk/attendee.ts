// The desk's attendee panel: the chosen or newly registered attendee, their check-in, and the print and reprint buttons.
import type { AttendeeWire } from '../../../src/contract/index.js';
import { byId, confirmTwice, fill, h } from '../dom.js';
import { deskProblem, personBlock, when, type Desk } from './context.js';
import { badgeDataUrl, openPrintWindow, printBadge, reissueBadge } from './badge.js';

export class AttendeePanel {
  private readonly panel = byId('attendee', HTMLElement);
  private selected: AttendeeWire | null = null;

  constructor(private readonly desk: Desk) {}

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
      h('div', { class: 'actions' }, print, reprint),
      badge ? h('img', { class: 'badge-preview', src: badge, alt: `Badge for ${a.name}` }) : null,
    );
    this.panel.hidden = false;
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
