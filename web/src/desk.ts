// Registration desk page: badge scans with a big result, an offline outbox, name search, walk-ins, badge printing and undo.
import { ApiError, type ApiClient } from './live-client.js';
import { categoryLabel, CATEGORY_LABELS, flagLabel, isRecord } from './model.js';
import { byId, confirmTwice, debounce, errorText, fill, h, keepFocus, loadConference, startPage, type Page } from './page.js';
import { openScanQueue, type QueuedScan, type ScanQueue } from './scan-queue.js';
import { DEFAULT_ZONE, dayOf, longDateOf, timeOf } from './time.js';

const BATCH_LIMIT = 500;
const RECENT_LIMIT = 15;
const FLUSH_EVERY_MS = 15_000;
const SEARCH_DELAY_MS = 250;

interface AttendeeBrief {
  id: string;
  name: string;
  organization: string;
  category: string;
  delegation: string | null;
  flags: string[];
}

interface CheckinAnswer {
  result: 'ok' | 'warning' | 'rejected';
  reason: string | null;
  replayed: boolean;
  checkinId: string | null;
  attendee: AttendeeBrief | null;
  firstCheckinAt: string | null;
}

interface AttendeeSummary {
  id: string;
  name: string;
  organization: string;
  category: string;
  delegation: string | null;
  checkedInAt: string | null;
}

interface Attendee extends AttendeeSummary {
  email: string | null;
  flags: string[];
  status: string;
}

type RecentState =
  | { kind: 'pending' }
  | { kind: 'sending' }
  | { kind: 'answered'; answer: CheckinAnswer; undone: boolean }
  | { kind: 'failed'; message: string };

interface RecentScan {
  scanId: string;
  scannedAt: string;
  state: RecentState;
}

const REJECT_REASONS: Record<string, string> = {
  invalid_code: 'Not a badge of this event (unreadable or not genuine)',
  unknown_attendee: 'This badge belongs to no registered attendee',
  revoked_badge: 'Old badge: it was replaced by a reprint. Ask for the new badge, or reprint.',
  registration_cancelled: 'This registration was cancelled',
  not_allowed: 'Not admitted to this session',
  room_full: 'The room is full',
  room_closed: 'The room is closed',
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function readBrief(v: unknown): AttendeeBrief | null {
  if (!isRecord(v) || typeof v.id !== 'string') return null;
  return {
    id: v.id,
    name: str(v.name),
    organization: str(v.organization),
    category: str(v.category),
    delegation: strOrNull(v.delegation),
    flags: strings(v.flags),
  };
}

function readAnswer(v: unknown): CheckinAnswer | null {
  if (!isRecord(v)) return null;
  const result = v.result;
  if (result !== 'ok' && result !== 'warning' && result !== 'rejected') return null;
  return {
    result,
    reason: strOrNull(v.reason),
    replayed: v.replayed === true,
    checkinId: isRecord(v.checkin) && typeof v.checkin.id === 'string' ? v.checkin.id : null,
    attendee: readBrief(v.attendee),
    firstCheckinAt: strOrNull(v.firstCheckinAt),
  };
}

function readSummary(v: unknown): AttendeeSummary | null {
  if (!isRecord(v) || typeof v.id !== 'string') return null;
  return {
    id: v.id,
    name: str(v.name),
    organization: str(v.organization),
    category: str(v.category),
    delegation: strOrNull(v.delegation),
    checkedInAt: strOrNull(v.checkedInAt),
  };
}

function readAttendee(v: unknown): Attendee | null {
  const summary = readSummary(v);
  if (!summary || !isRecord(v)) return null;
  return { ...summary, email: strOrNull(v.email), flags: strings(v.flags), status: str(v.status) || 'registered' };
}

const regionNames = ((): Intl.DisplayNames | null => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' });
  } catch {
    return null;
  }
})();

function delegationText(code: string | null): string | null {
  if (!code) return null;
  let name: string | undefined;
  try {
    name = regionNames?.of(code.toUpperCase());
  } catch {
    name = undefined;
  }
  return name && name !== code ? `${name} (${code.toUpperCase()})` : code.toUpperCase();
}

/** crypto.randomUUID exists only in secure contexts; a desk on plain http inside a venue LAN still needs ids. */
function newScanId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let zone = DEFAULT_ZONE;

function when(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const today = dayOf(Date.now(), zone);
  return dayOf(ms, zone) === today ? `today at ${timeOf(ms, zone)}` : `${longDateOf(ms, zone)} at ${timeOf(ms, zone)}`;
}

function personBlock(a: AttendeeBrief | null): HTMLElement | null {
  if (!a) return null;
  const delegation = delegationText(a.delegation);
  return h(
    'div',
    { class: 'person' },
    h('p', { class: 'person__name', 'data-testid': 'result-name' }, a.name),
    a.organization ? h('p', { class: 'person__org' }, a.organization) : null,
    h(
      'p',
      { class: 'person__meta' },
      categoryLabel(a.category),
      delegation ? ` · Delegation: ${delegation}` : '',
    ),
    a.flags.length > 0
      ? h(
          'ul',
          { class: 'flags', 'aria-label': 'Flags' },
          ...a.flags.map((f) => h('li', { class: `flag flag--${f}` }, flagLabel(f))),
        )
      : null,
  );
}

function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('could not read the badge'));
    reader.readAsDataURL(blob);
  });
}

class Desk {
  private readonly recent = new Map<string, RecentScan>();
  private readonly inFlight = new Set<string>();
  private flushing = false;
  private lastScanId: string | null = null;
  private selected: Attendee | null = null;
  private searchSeq = 0;
  private searchAbort: AbortController | null = null;
  private options: AttendeeSummary[] = [];
  private activeOption = -1;

  private readonly scanInput = byId('scan', HTMLInputElement);
  private readonly result = byId('result', HTMLElement);

  constructor(
    private readonly page: Page,
    private readonly api: ApiClient,
    private readonly queue: ScanQueue,
  ) {}

  async start(): Promise<void> {
    this.wireFocus();
    this.wireScan();
    this.wireSearch();
    this.wireWalkIn();
    byId('queue-volatile', HTMLElement).hidden = this.queue.persistent;
    for (const scan of await this.queue.all()) this.remember(scan.scanId, scan.scannedAt, { kind: 'pending' });
    await this.refreshQueued();
    window.setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    void this.flush();
  }

  focusScan(): void {
    if (document.activeElement !== this.scanInput) this.scanInput.focus({ preventScroll: true });
  }

  // USB scanners type into whatever has focus, so the scan field takes focus back after any pointer
  // click outside a form; forms (search, walk-in) keep it so staff can type there, and keyboard
  // users keep theirs on the control they activated.
  private wireFocus(): void {
    document.addEventListener('click', (e) => {
      const target = e.target;
      if (e.detail === 0) return;
      if (target instanceof Element && target.closest('form:not(#scan-form), [data-keep-focus]')) return;
      this.focusScan();
    });
    this.scanInput.addEventListener('blur', (e) => {
      if (e.relatedTarget === null) window.setTimeout(() => this.focusScan(), 0);
    });
    window.addEventListener('focus', () => this.focusIfLost());
    // A focused control that is re-rendered away leaves focus on <body>, where a scan would vanish.
    window.setInterval(() => this.focusIfLost(), 1000);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        this.closeOptions();
        this.focusScan();
      }
    });
    this.focusScan();
  }

  private focusIfLost(): void {
    if (document.activeElement === document.body || document.activeElement === null) this.focusScan();
  }

  private wireScan(): void {
    byId('scan-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      const code = this.scanInput.value.trim();
      this.scanInput.value = '';
      if (code) void this.scan(code);
    });
  }

  private remember(scanId: string, scannedAt: string, state: RecentState): void {
    this.recent.delete(scanId);
    this.recent.set(scanId, { scanId, scannedAt, state });
    while (this.recent.size > RECENT_LIMIT) {
      const oldest = this.recent.keys().next().value;
      if (oldest === undefined) break;
      this.recent.delete(oldest);
    }
    this.renderRecent();
  }

  private update(scanId: string, state: RecentState): void {
    const entry = this.recent.get(scanId);
    if (!entry) return;
    entry.state = state;
    this.renderRecent();
  }

  async scan(code: string): Promise<void> {
    const scan: QueuedScan = { scanId: newScanId(), code, kind: 'entry', roomId: null, scannedAt: new Date().toISOString() };
    this.lastScanId = scan.scanId;
    // Marked in flight before it is stored, so that a flush running meanwhile does not send it too.
    this.inFlight.add(scan.scanId);
    // Stored first: if the page dies while the request is out, the scan is still uploaded later
    // (the scanId makes a second delivery harmless).
    let stored = true;
    try {
      await this.queue.put(scan);
    } catch {
      stored = false;
    }
    if (!this.page.online()) {
      this.inFlight.delete(scan.scanId);
      if (!stored) {
        this.showFailure('No connection, and this device could not store the scan. Scan again when the connection is back.');
        return;
      }
      this.remember(scan.scanId, scan.scannedAt, { kind: 'pending' });
      await this.refreshQueued();
      this.showQueued();
      return;
    }
    this.remember(scan.scanId, scan.scannedAt, { kind: 'sending' });
    this.showSending();
    try {
      const answer = readAnswer(await this.api.api<unknown>('/api/checkins', { method: 'POST', json: scan }));
      await this.queue.remove([scan.scanId]);
      if (!answer) throw new Error('unexpected answer from the server');
      this.update(scan.scanId, { kind: 'answered', answer, undone: false });
      if (this.lastScanId === scan.scanId) this.showAnswer(scan.scanId, answer);
    } catch (err) {
      if (err instanceof ApiError && err.retryable && stored) {
        this.update(scan.scanId, { kind: 'pending' });
        if (this.lastScanId === scan.scanId) this.showQueued();
      } else {
        await this.queue.remove([scan.scanId]);
        const message = this.problemText(err);
        this.update(scan.scanId, { kind: 'failed', message });
        if (this.lastScanId === scan.scanId) this.showFailure(message);
      }
    } finally {
      this.inFlight.delete(scan.scanId);
      await this.refreshQueued();
    }
  }

  private problemText(err: unknown): string {
    if (err instanceof ApiError) {
      if (err.code === 'rate_limited') return 'Too many failed scans from this desk. Wait a minute, then scan again.';
      if (err.code === 'validation_failed') return 'The scanner sent something that is not a badge code.';
      return err.detail ? `${err.title}: ${err.detail}` : err.title;
    }
    return errorText(err);
  }

  private async refreshQueued(): Promise<void> {
    const all = await this.queue.all();
    const queued = all.filter((s) => !this.inFlight.has(s.scanId)).length;
    const pending = byId('pending', HTMLElement);
    pending.dataset.count = String(queued);
    pending.hidden = queued === 0;
    pending.textContent = queued === 1 ? '1 scan waiting to upload' : `${queued} scans waiting to upload`;
  }

  /** Uploads the outbox with /api/checkins/batch; each answer replaces the scan's pending mark. */
  async flush(): Promise<void> {
    if (this.flushing || !this.page.online()) return;
    this.flushing = true;
    let uploaded = 0;
    const tally = { ok: 0, warning: 0, rejected: 0 };
    try {
      const waiting = (await this.queue.all()).filter((s) => !this.inFlight.has(s.scanId));
      for (let i = 0; i < waiting.length; i += BATCH_LIMIT) {
        const chunk = waiting.slice(i, i + BATCH_LIMIT);
        for (const s of chunk) this.inFlight.add(s.scanId);
        try {
          const body = await this.api.api<unknown>('/api/checkins/batch', {
            method: 'POST',
            json: { scans: chunk },
          });
          const results = isRecord(body) && Array.isArray(body.results) ? body.results : [];
          chunk.forEach((s, n) => {
            const answer = readAnswer(results[n]);
            if (!this.recent.has(s.scanId)) this.remember(s.scanId, s.scannedAt, { kind: 'pending' });
            if (answer) {
              tally[answer.result] += 1;
              this.update(s.scanId, { kind: 'answered', answer, undone: false });
            } else {
              this.update(s.scanId, { kind: 'failed', message: 'The server did not decide this scan.' });
            }
          });
          await this.queue.remove(chunk.map((s) => s.scanId));
          uploaded += chunk.length;
        } finally {
          for (const s of chunk) this.inFlight.delete(s.scanId);
        }
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.retryable)) {
        this.say(`Queued scans could not be uploaded: ${this.problemText(err)}. They stay queued.`);
      }
    } finally {
      this.flushing = false;
      await this.refreshQueued();
    }
    if (uploaded > 0) {
      this.say(
        `Uploaded ${uploaded} queued ${uploaded === 1 ? 'scan' : 'scans'}: ${tally.ok} ok, ${tally.warning} warnings, ${tally.rejected} rejected.`,
      );
    }
  }

  private say(message: string): void {
    byId('desk-message', HTMLElement).textContent = message;
  }

  private showSending(): void {
    this.result.dataset.result = 'sending';
    fill(this.result, h('p', { class: 'result__heading' }, 'Checking…'));
  }

  private showQueued(): void {
    this.result.dataset.result = 'queued';
    fill(
      this.result,
      h('p', { class: 'result__heading' }, h('span', { 'aria-hidden': 'true' }, '↻ '), 'Saved offline'),
      h(
        'p',
        { class: 'result__reason' },
        'No connection: this scan is queued and will be checked as soon as the connection is back. Let the person in only if the badge looks right.',
      ),
    );
  }

  private showFailure(message: string): void {
    this.result.dataset.result = 'error';
    fill(
      this.result,
      h('p', { class: 'result__heading' }, h('span', { 'aria-hidden': 'true' }, '✕ '), 'Scan not processed'),
      h('p', { class: 'result__reason' }, message),
    );
  }

  private showAnswer(scanId: string, answer: CheckinAnswer): void {
    this.result.dataset.result = answer.result;
    let heading: string;
    let icon: string;
    let reason: string | null = null;
    if (answer.result === 'ok') {
      icon = '✓ ';
      heading = 'Checked in';
    } else if (answer.result === 'warning') {
      icon = '! ';
      heading = answer.reason === 'already_checked_in' ? 'Already checked in' : 'Checked in, with a warning';
      reason =
        answer.reason === 'already_checked_in'
          ? answer.firstCheckinAt
            ? `First checked in ${when(answer.firstCheckinAt)}.`
            : 'This person was checked in before.'
          : (answer.reason ?? null);
    } else {
      icon = '✕ ';
      heading = 'Rejected';
      reason = REJECT_REASONS[answer.reason ?? ''] ?? answer.reason ?? 'Not admitted';
    }
    const undo =
      answer.result !== 'rejected' && answer.checkinId
        ? h('button', { type: 'button', class: 'button', 'data-testid': 'undo-scan' }, 'Undo this scan')
        : null;
    undo?.addEventListener('click', () => void this.undo(scanId));
    fill(
      this.result,
      h('p', { class: 'result__heading' }, h('span', { 'aria-hidden': 'true' }, icon), heading),
      reason ? h('p', { class: 'result__reason' }, reason) : null,
      personBlock(answer.attendee),
      answer.replayed ? h('p', { class: 'result__note' }, 'This scan had already reached the server; nothing new was recorded.') : null,
      undo,
    );
  }

  async undo(scanId: string): Promise<void> {
    const entry = this.recent.get(scanId);
    if (!entry || entry.state.kind !== 'answered' || !entry.state.answer.checkinId) return;
    const { answer } = entry.state;
    try {
      await this.api.api(`/api/checkins/${encodeURIComponent(answer.checkinId ?? '')}`, { method: 'DELETE' });
      this.update(scanId, { kind: 'answered', answer, undone: true });
      this.result.dataset.result = 'undone';
      fill(
        this.result,
        h('p', { class: 'result__heading' }, h('span', { 'aria-hidden': 'true' }, '↶ '), 'Scan undone'),
        h('p', { class: 'result__reason' }, `${answer.attendee?.name ?? 'The attendee'}: this check-in no longer counts.`),
      );
    } catch (err) {
      this.say(`Could not undo the scan: ${this.problemText(err)}`);
    }
  }

  private renderRecent(): void {
    const list = byId('recent', HTMLElement);
    const entries = [...this.recent.values()].reverse();
    keepFocus(list, () =>
      fill(
        list,
        ...entries.map((e) => {
          let status: string;
          let detail = '';
          let undo: HTMLButtonElement | null = null;
          switch (e.state.kind) {
            case 'pending':
              status = 'Pending upload';
              break;
            case 'sending':
              status = 'Checking…';
              break;
            case 'failed':
              status = 'Not processed';
              detail = e.state.message;
              break;
            case 'answered': {
              const a = e.state.answer;
              status = e.state.undone
                ? 'Undone'
                : a.result === 'ok'
                  ? 'OK'
                  : a.result === 'warning'
                    ? 'Already checked in'
                    : 'Rejected';
              detail = [a.attendee?.name, a.result === 'rejected' ? REJECT_REASONS[a.reason ?? ''] ?? a.reason : null]
                .filter((x) => x)
                .join(' — ');
              if (!e.state.undone && a.result !== 'rejected' && a.checkinId) {
                undo = h('button', { type: 'button', class: 'button button--small', 'data-focus-key': `undo-${e.scanId}` }, 'Undo');
                undo.addEventListener('click', () => void this.undo(e.scanId));
              }
              break;
            }
          }
          const kind = e.state.kind === 'answered' ? (e.state.undone ? 'undone' : e.state.answer.result) : e.state.kind;
          return h(
            'li',
            { class: `recent recent--${kind}`, 'data-scan-id': e.scanId, 'data-state': kind },
            h('span', { class: 'recent__time' }, timeOf(Date.parse(e.scannedAt), zone)),
            ' ',
            h('strong', { class: 'recent__status' }, status),
            detail ? h('span', { class: 'recent__detail' }, ` ${detail}`) : null,
            undo ? ' ' : null,
            undo,
          );
        }),
      ),
    );
  }

  // Search: a combobox whose options are navigated with the arrow keys and chosen with Enter.
  private wireSearch(): void {
    const input = byId('search', HTMLInputElement);
    const run = debounce(() => void this.search(input.value.trim()), SEARCH_DELAY_MS);
    input.addEventListener('input', run);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        if (this.options.length === 0) return;
        const step = e.key === 'ArrowDown' ? 1 : -1;
        this.setActive((this.activeOption + step + this.options.length) % this.options.length);
      }
    });
    byId('search-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      const index = this.activeOption >= 0 ? this.activeOption : this.options.length === 1 ? 0 : -1;
      if (index >= 0) void this.choose(index);
      else void this.search(input.value.trim());
    });
  }

  private async search(q: string): Promise<void> {
    const seq = ++this.searchSeq;
    this.searchAbort?.abort();
    const status = byId('search-status', HTMLElement);
    if (q.length < 2) {
      this.options = [];
      this.renderOptions();
      status.textContent = q.length === 0 ? '' : 'Type at least two letters.';
      return;
    }
    const controller = new AbortController();
    this.searchAbort = controller;
    try {
      const list = await this.api.api<unknown>(`/api/attendees?${new URLSearchParams({ q, limit: '20' }).toString()}`, {
        signal: controller.signal,
      });
      if (seq !== this.searchSeq) return;
      this.options = Array.isArray(list) ? list.map(readSummary).filter((a): a is AttendeeSummary => a !== null) : [];
      this.activeOption = -1;
      this.renderOptions();
      status.textContent =
        this.options.length === 0
          ? `No one found for “${q}”.`
          : `${this.options.length} found. Use the arrow keys and Enter to choose.`;
    } catch (err) {
      if (seq !== this.searchSeq || (err instanceof Error && err.name === 'AbortError')) return;
      status.textContent =
        err instanceof ApiError && err.code === 'rate_limited'
          ? 'Searching too fast: wait a moment.'
          : `Search failed: ${this.problemText(err)}`;
    }
  }

  private renderOptions(): void {
    const input = byId('search', HTMLInputElement);
    const list = byId('search-results', HTMLElement);
    fill(
      list,
      ...this.options.map((a, i) => {
        const li = h(
          'li',
          {
            id: `search-option-${i}`,
            role: 'option',
            class: 'option',
            'aria-selected': i === this.activeOption ? 'true' : 'false',
            'data-attendee-id': a.id,
          },
          h('span', { class: 'option__name' }, a.name),
          h(
            'span',
            { class: 'option__meta' },
            [a.organization, categoryLabel(a.category), delegationText(a.delegation)].filter((x) => x).join(' · '),
          ),
          h(
            'span',
            { class: `option__status ${a.checkedInAt ? 'option__status--in' : ''}` },
            a.checkedInAt ? `Checked in ${when(a.checkedInAt)}` : 'Not checked in yet',
          ),
        );
        li.addEventListener('click', () => void this.choose(i));
        return li;
      }),
    );
    list.hidden = this.options.length === 0;
    input.setAttribute('aria-expanded', this.options.length > 0 ? 'true' : 'false');
    if (this.activeOption >= 0) input.setAttribute('aria-activedescendant', `search-option-${this.activeOption}`);
    else input.removeAttribute('aria-activedescendant');
  }

  private setActive(index: number): void {
    this.activeOption = index;
    this.renderOptions();
    document.getElementById(`search-option-${index}`)?.scrollIntoView({ block: 'nearest' });
  }

  private closeOptions(): void {
    this.options = [];
    this.activeOption = -1;
    this.renderOptions();
  }

  private async choose(index: number): Promise<void> {
    const summary = this.options[index];
    if (!summary) return;
    this.closeOptions();
    await this.showAttendee(summary.id);
  }

  private async showAttendee(id: string, badgeDataUrl: string | null = null, heading = 'Attendee'): Promise<void> {
    const panel = byId('attendee', HTMLElement);
    try {
      const attendee = readAttendee(await this.api.api<unknown>(`/api/attendees/${encodeURIComponent(id)}`));
      if (!attendee) throw new Error('unexpected answer from the server');
      this.selected = attendee;
      this.renderAttendee(heading, badgeDataUrl);
    } catch (err) {
      fill(panel, h('p', { class: 'error' }, `Could not load the attendee: ${this.problemText(err)}`));
      panel.hidden = false;
    }
  }

  private renderAttendee(heading: string, badgeDataUrl: string | null): void {
    const panel = byId('attendee', HTMLElement);
    const a = this.selected;
    if (!a) {
      panel.hidden = true;
      return;
    }
    const print = h('button', { type: 'button', class: 'button', 'data-testid': 'print-badge' }, 'Print badge');
    print.addEventListener('click', () => {
      // Opened inside the click so that pop-up blockers let it through; filled once the badge arrives.
      const win = window.open('', 'eventday-badge', 'popup,width=640,height=900');
      void this.printBadge(a, win);
    });
    const reprint = h('button', { type: 'button', class: 'button', 'data-testid': 'reprint-badge' }, 'Reprint badge');
    confirmTwice(reprint, 'Confirm reprint: the old badge stops working', () => {
      void (async () => {
        try {
          await this.api.api(`/api/attendees/${encodeURIComponent(a.id)}/badge`, { method: 'POST' });
          this.say(`New badge issued for ${a.name}; the old one no longer works. Press Print badge.`);
          await this.showAttendee(a.id, await this.badgeDataUrl(a.id), 'Badge reissued');
        } catch (err) {
          this.say(`Reprint failed: ${this.problemText(err)}`);
        }
      })();
    });
    fill(
      panel,
      h('h2', { class: 'panel__title' }, heading),
      personBlock(a),
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Registration'),
        h('dd', null, a.status === 'cancelled' ? 'Cancelled' : 'Registered'),
        h('dt', null, 'Check-in'),
        h('dd', null, a.checkedInAt ? `Checked in ${when(a.checkedInAt)}` : 'Not checked in yet'),
        a.email ? h('dt', null, 'Email') : null,
        a.email ? h('dd', null, a.email) : null,
      ),
      h('div', { class: 'actions' }, print, reprint),
      badgeDataUrl ? h('img', { class: 'badge-preview', src: badgeDataUrl, alt: `Badge for ${a.name}` }) : null,
    );
    panel.hidden = false;
  }

  private async badgeDataUrl(id: string): Promise<string | null> {
    try {
      return await blobToDataUrl(await this.api.blob(`/api/attendees/${encodeURIComponent(id)}/badge.svg`));
    } catch {
      return null;
    }
  }

  // The badge is fetched with the auth header (a plain link could not carry it) and shown as a
  // data: image, which the page's Content-Security-Policy allows, in a window of its own to print.
  private async printBadge(a: Attendee, win: Window | null): Promise<void> {
    const url = await this.badgeDataUrl(a.id);
    if (!url) {
      win?.close();
      this.say(`Could not fetch the badge of ${a.name}.`);
      return;
    }
    if (!win || win.closed) {
      this.renderAttendee('Attendee', url);
      this.say('The print window was blocked: allow pop-ups for this page, or print the badge shown here.');
      return;
    }
    const doc = win.document;
    doc.title = `Badge: ${a.name}`;
    doc.body.style.margin = '0';
    const img = doc.createElement('img');
    img.alt = `Badge for ${a.name}`;
    img.style.width = '100%';
    img.style.display = 'block';
    img.addEventListener('load', () => {
      win.focus();
      win.print();
    });
    win.addEventListener('afterprint', () => win.close());
    img.src = url;
    doc.body.replaceChildren(img);
  }

  private wireWalkIn(): void {
    const form = byId('walkin-form', HTMLFormElement);
    const category = byId('walkin-category', HTMLSelectElement);
    fill(category, ...Object.entries(CATEGORY_LABELS).map(([value, label]) => h('option', { value }, label)));
    category.value = 'other';
    const message = byId('walkin-message', HTMLElement);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const field = (name: string): string => String(data.get(name) ?? '').trim();
      const body: Record<string, unknown> = {
        name: field('name'),
        organization: field('organization'),
        category: field('category'),
      };
      if (field('delegation')) body.delegation = field('delegation').toUpperCase();
      if (field('email')) body.email = field('email');
      const flags = data.getAll('flags').map(String);
      if (flags.length > 0) body.flags = flags;
      message.textContent = 'Registering…';
      void (async () => {
        try {
          const created = await this.api.api<unknown>('/api/attendees', { method: 'POST', json: body });
          const attendee = isRecord(created) ? readAttendee(created.attendee) : null;
          if (!attendee) throw new Error('unexpected answer from the server');
          form.reset();
          category.value = 'other';
          message.textContent = `${attendee.name} is registered. Print the badge, then scan it to check in.`;
          await this.showAttendee(attendee.id, await this.badgeDataUrl(attendee.id), 'New registration');
          byId('walkin', HTMLDetailsElement).open = false;
          this.focusScan();
        } catch (err) {
          message.textContent =
            err instanceof ApiError && err.errors.length > 0
              ? `Check the form: ${err.errors.map((x) => `${x.field} ${x.message}`).join('; ')}`
              : `Registration failed: ${this.problemText(err)}`;
        }
      })();
    });
  }

  applyStats(stats: unknown): void {
    if (isRecord(stats) && typeof stats.total === 'number') {
      byId('arrivals-total', HTMLElement).textContent = `${stats.total} checked in`;
    }
  }
}

async function main(): Promise<void> {
  const page = startPage('desk', ' Scans are queued on this device.');
  if (!page) return;
  const queue = await openScanQueue();
  const desk = new Desk(page, page.api, queue);
  await desk.start();
  void loadConference(page.api).then((found) => {
    if (found.zone) zone = found.zone;
  });
  let statsLoaded = false;
  const loadStats = async (): Promise<void> => {
    try {
      desk.applyStats(await page.api.api<unknown>('/api/checkins/stats'));
      statsLoaded = true;
    } catch {
      // The counter is a convenience; it fills in with the next stats event.
    }
  };
  page.live({
    topics: ['checkins'],
    hasState: () => statsLoaded,
    onSnapshot: () => void loadStats(),
    onEvent: (event) => {
      if (event.name === 'checkins.stats') desk.applyStats(event.data);
    },
    onStatus: (status) => {
      if (status === 'online') void desk.flush();
    },
  });
}

void main();
