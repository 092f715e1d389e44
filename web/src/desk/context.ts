// What the desk's areas share: the API, the live store (zone, arrivals), the message line, the scan field's focus, and wording.
import type { ScannedPerson } from '../../../src/contract/index.js';
import { ApiError, type ApiClient } from '../api.js';
import { h } from '../dom.js';
import { categoryLabel, flagLabel } from '../labels.js';
import type { LiveStore } from '../live-store.js';
import { errorText, type Page } from '../page.js';
import { DEFAULT_ZONE, dayOf, longDateOf, timeOf, validZone } from '../time.js';

export interface Desk {
  page: Page;
  api: ApiClient;
  store: LiveStore;
  /** The desk's message line, for what happened outside the big result. */
  say(message: string): void;
  /** Gives the scan field focus back: USB scanners type into whatever has it. */
  focusScan(): void;
  /** The server refused this device's token (401, or a socket closed with 4403). */
  revoked(): boolean;
}

export function deskZone(desk: Desk): string {
  return validZone(desk.store.state.event?.timeZone) ?? DEFAULT_ZONE;
}

/** A failed call in the desk's words: staff at a queue need to know what to do next. */
export function deskProblem(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'rate_limited') return 'Too many failed scans from this desk. Wait a minute, then scan again.';
    if (err.code === 'validation_failed') return 'The scanner sent something that is not a badge code.';
    return err.detail ? `${err.title}: ${err.detail}` : err.title;
  }
  return errorText(err);
}

/** "today at 08:31", or the date when it was another day. */
export function when(desk: Desk, iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const zone = deskZone(desk);
  return dayOf(ms, zone) === dayOf(Date.now(), zone) ? `today at ${timeOf(ms, zone)}` : `${longDateOf(ms, zone)} at ${timeOf(ms, zone)}`;
}

const regionNames = ((): Intl.DisplayNames | null => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' });
  } catch {
    return null;
  }
})();

export function delegationText(code: string | null): string | null {
  if (!code) return null;
  let name: string | undefined;
  try {
    name = regionNames?.of(code.toUpperCase());
  } catch {
    name = undefined;
  }
  return name && name !== code ? `${name} (${code.toUpperCase()})` : code.toUpperCase();
}

export type Person = Pick<ScannedPerson, 'name' | 'organization' | 'category' | 'delegation' | 'flags'>;

/** Name, organisation, category, delegation and flags, as the result and the attendee panel show a person. */
export function personBlock(a: Person | null): HTMLElement | null {
  if (!a) return null;
  const delegation = delegationText(a.delegation);
  return h(
    'div',
    { class: 'person' },
    h('p', { class: 'person__name', 'data-testid': 'result-name' }, a.name),
    a.organization ? h('p', { class: 'person__org' }, a.organization) : null,
    h('p', { class: 'person__meta' }, categoryLabel(a.category), delegation ? ` · Delegation: ${delegation}` : ''),
    a.flags.length > 0
      ? h('ul', { class: 'flags', 'aria-label': 'Flags' }, ...a.flags.map((f) => h('li', { class: `flag flag--${f}` }, flagLabel(f))))
      : null,
  );
}
