// The desk's attendee search: a combobox whose options are navigated with the arrow keys and chosen with Enter or a click.
import type { AttendeeHit, SEARCH_DEFAULT_LIMIT, SEARCH_MIN_CHARS } from '../../../src/contract/index.js';
import { ApiError } from '../api.js';
import { byId, debounce, fill, h } from '../dom.js';
import { categoryLabel } from '../labels.js';
import { delegationText, deskProblem, when, type Desk } from './context.js';

const SEARCH_DELAY_MS = 250;
// The contract's limits, typed by their literal values: a runtime import would bundle zod.
const MIN_CHARS: typeof SEARCH_MIN_CHARS = 2;
const LIMIT: typeof SEARCH_DEFAULT_LIMIT = 20;

export class Search {
  private readonly input = byId('search', HTMLInputElement);
  private readonly list = byId('search-results', HTMLElement);
  private readonly status = byId('search-status', HTMLElement);
  private seq = 0;
  private abort: AbortController | null = null;
  private options: AttendeeHit[] = [];
  private active = -1;

  constructor(
    private readonly desk: Desk,
    private readonly onChoose: (attendeeId: string) => void,
  ) {}

  wire(): void {
    const run = debounce(() => void this.search(this.input.value.trim()), SEARCH_DELAY_MS);
    this.input.addEventListener('input', run);
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        if (this.options.length === 0) return;
        const step = e.key === 'ArrowDown' ? 1 : -1;
        this.setActive((this.active + step + this.options.length) % this.options.length);
      }
    });
    byId('search-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      const index = this.active >= 0 ? this.active : this.options.length === 1 ? 0 : -1;
      if (index >= 0) this.choose(index);
      else void this.search(this.input.value.trim());
    });
  }

  close(): void {
    this.options = [];
    this.active = -1;
    this.render();
  }

  private async search(q: string): Promise<void> {
    const seq = ++this.seq;
    this.abort?.abort();
    if ([...q].length < MIN_CHARS) {
      this.options = [];
      this.render();
      this.status.textContent = q.length === 0 ? '' : 'Type at least two letters.';
      return;
    }
    const controller = new AbortController();
    this.abort = controller;
    try {
      const query = new URLSearchParams({ q, limit: String(LIMIT) });
      const hits = await this.desk.api.api<AttendeeHit[]>(`/api/attendees?${query.toString()}`, { signal: controller.signal });
      if (seq !== this.seq) return;
      this.options = hits;
      this.active = -1;
      this.render();
      this.status.textContent =
        hits.length === 0 ? `No one found for “${q}”.` : `${hits.length} found. Use the arrow keys and Enter to choose.`;
    } catch (err) {
      if (seq !== this.seq || (err instanceof Error && err.name === 'AbortError')) return;
      this.status.textContent =
        err instanceof ApiError && err.code === 'rate_limited' ? 'Searching too fast: wait a moment.' : `Search failed: ${deskProblem(err)}`;
    }
  }

  private option(a: AttendeeHit, i: number): HTMLLIElement {
    const li = h(
      'li',
      {
        id: `search-option-${i}`,
        role: 'option',
        class: 'option',
        'aria-selected': i === this.active ? 'true' : 'false',
        'data-attendee-id': a.id,
      },
      h('span', { class: 'option__name' }, a.name),
      h('span', { class: 'option__meta' }, [a.organization, categoryLabel(a.category), delegationText(a.delegation)].filter((x) => x).join(' · ')),
      h(
        'span',
        { class: `option__status ${a.checkedInAt ? 'option__status--in' : ''}` },
        a.checkedInAt ? `Checked in ${when(this.desk, a.checkedInAt)}` : 'Not checked in yet',
      ),
    );
    li.addEventListener('click', () => this.choose(i));
    return li;
  }

  private render(): void {
    fill(this.list, ...this.options.map((a, i) => this.option(a, i)));
    this.list.hidden = this.options.length === 0;
    this.input.setAttribute('aria-expanded', this.options.length > 0 ? 'true' : 'false');
    if (this.active >= 0) this.input.setAttribute('aria-activedescendant', `search-option-${this.active}`);
    else this.input.removeAttribute('aria-activedescendant');
  }

  private setActive(index: number): void {
    this.active = index;
    this.render();
    document.getElementById(`search-option-${index}`)?.scrollIntoView({ block: 'nearest' });
  }

  private choose(index: number): void {
    const hit = this.options[index];
    if (!hit) return;
    this.close();
    this.onChoose(hit.id);
  }
}
