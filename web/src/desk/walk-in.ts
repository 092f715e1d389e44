// The desk's walk-in form: registers someone on the spot, then shows them with their new badge to print.
import type { WalkInAnswer, WalkInBody } from '../../../src/contract/index.js';
import { ApiError } from '../api.js';
import { byId, fill, formText, formTexts, h } from '../dom.js';
import { CATEGORY_LABELS, isCategory } from '../labels.js';
import type { AttendeePanel } from './attendee.js';
import { deskProblem, type Desk } from './context.js';

const DEFAULT_CATEGORY = 'other';

function walkInBody(data: FormData): WalkInBody {
  const category = formText(data, 'category');
  const body: WalkInBody = {
    name: formText(data, 'name'),
    organization: formText(data, 'organization'),
    category: isCategory(category) ? category : DEFAULT_CATEGORY,
  };
  const delegation = formText(data, 'delegation');
  if (delegation) body.delegation = delegation.toUpperCase();
  const email = formText(data, 'email');
  if (email) body.email = email;
  const flags = formTexts(data, 'flags');
  if (flags.length > 0) body.flags = flags;
  return body;
}

/** A walk-in is at the desk in person: registering them checks them in with the badge just issued. */
export function wireWalkIn(desk: Desk, attendee: AttendeePanel, checkIn: (code: string) => Promise<void>): void {
  const form = byId('walkin-form', HTMLFormElement);
  const category = byId('walkin-category', HTMLSelectElement);
  fill(category, ...Object.entries(CATEGORY_LABELS).map(([value, label]) => h('option', { value }, label)));
  category.value = DEFAULT_CATEGORY;
  const message = byId('walkin-message', HTMLElement);

  const register = async (body: WalkInBody): Promise<void> => {
    try {
      const created = await desk.api.api<WalkInAnswer>('/api/attendees', { method: 'POST', json: body });
      form.reset();
      category.value = DEFAULT_CATEGORY;
      message.textContent = `${created.attendee.name} is registered and checked in. Print the badge.`;
      await checkIn(created.badge.code);
      await attendee.showWithBadge(created.attendee.id, 'New registration');
      byId('walkin', HTMLDetailsElement).open = false;
      desk.focusScan();
    } catch (err) {
      message.textContent =
        err instanceof ApiError && err.errors.length > 0
          ? `Check the form: ${err.errors.map((x) => `${x.field} ${x.message}`).join('; ')}`
          : `Registration failed: ${deskProblem(err)}`;
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    message.textContent = 'Registering…';
    void register(walkInBody(new FormData(form)));
  });
}
