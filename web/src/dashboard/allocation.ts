// The dashboard's allocation panel: request a plan for a day, review its moves and figures, apply it (refused when stale).
import type { AppliedPlan, Plan, PlanRequestBody, SessionWire } from '../../../src/contract/index.js';
import { ApiError } from '../api.js';
import { byId, fill, h } from '../dom.js';
import { problemText } from '../page.js';
import { sessionEnd, sessionStart, timeOf } from '../time.js';
import { ask } from './ask.js';
import type { Dash } from './context.js';
import { dayLabel } from './days.js';

const UNPLACED_REASONS: Record<string, string> = {
  no_compatible_room: 'no open room has the features it needs',
  all_compatible_rooms_busy: 'every suitable room is taken at that time',
};

interface Shown {
  plan: Plan;
  state: 'proposed' | 'applied' | 'stale';
}

class AllocationPanel {
  private shown: Shown | null = null;
  private activity = '';
  /** Sessions ops keep where they are: sent as `pinned` with every plan request. */
  private readonly pinned = new Set<string>();
  private readonly message = byId('plan-message', HTMLElement);

  constructor(private readonly dash: Dash) {}

  async request(): Promise<void> {
    const day = byId('plan-day', HTMLSelectElement).value || this.dash.view.day;
    const changeover = Number(byId('plan-changeover', HTMLInputElement).value);
    this.message.textContent = 'Solving…';
    try {
      const body: PlanRequestBody = { day, ...(this.pinned.size > 0 ? { pinned: [...this.pinned] } : {}) };
      if (Number.isFinite(changeover) && changeover >= 0) body.changeoverMinutes = changeover;
      const plan = await this.dash.api.api<Plan>('/api/allocation/plans', { method: 'POST', json: body });
      this.shown = { plan, state: 'proposed' };
      this.activity = '';
      this.message.textContent = `Plan ready for ${dayLabel(day)}.`;
    } catch (err) {
      this.message.textContent = `No plan: ${problemText(err)}`;
    }
    this.dash.invalidate('plan');
  }

  /** Pins a session (or unpins it) and asks for a new plan that keeps it where it is. */
  async pin(sessionId: string): Promise<void> {
    if (this.pinned.has(sessionId)) this.pinned.delete(sessionId);
    else this.pinned.add(sessionId);
    await this.request();
  }

  async apply(): Promise<void> {
    const shown = this.shown;
    if (!shown || shown.state !== 'proposed') return;
    const moves = shown.plan.assignments.filter((a) => a.fromRoomId !== a.toRoomId);
    const rooms = new Set(moves.flatMap((m) => (m.fromRoomId === null ? [m.toRoomId] : [m.fromRoomId, m.toRoomId])));
    const names = [...rooms].map((id) => this.dash.ctx.roomName(id)).sort();
    const yes = await ask({
      title: 'Apply this plan?',
      text:
        moves.length === 0
          ? 'The plan moves no session: nothing on the screens will change.'
          : `${moves.length} ${moves.length === 1 ? 'session moves' : 'sessions move'}: the screens of ${rooms.size} ${rooms.size === 1 ? 'room' : 'rooms'} will change at once (${names.join(', ')}), and each move shows as a change on the kiosks.`,
      items: moves.map((m) => `${this.dash.ctx.sessionTitle(m.sessionId) ?? m.sessionId}: ${m.fromRoomId === null ? 'no room' : this.dash.ctx.roomName(m.fromRoomId)} → ${this.dash.ctx.roomName(m.toRoomId)}`),
      confirm: moves.length === 0 ? 'Apply' : `Apply ${moves.length} ${moves.length === 1 ? 'move' : 'moves'}`,
    });
    if (!yes) {
      this.message.textContent = 'Not applied.';
      return;
    }
    this.message.textContent = 'Applying…';
    try {
      const result = await this.dash.api.api<AppliedPlan>(`/api/allocation/plans/${encodeURIComponent(shown.plan.id)}/apply`, { method: 'POST' });
      shown.state = 'applied';
      this.dash.store.putSessions(result.changes);
      const n = result.changes.length;
      this.message.textContent = `Plan applied: ${n} ${n === 1 ? 'session' : 'sessions'} changed.`;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'stale_plan') {
        shown.state = 'stale';
        this.message.textContent =
          'Not applied: the schedule or the rooms changed after this plan was made (stale plan). Nothing was changed. Request a new plan.';
      } else {
        this.message.textContent = `Not applied: ${problemText(err)}`;
      }
    }
    this.dash.invalidate('plan');
  }

  /** Plans made or applied elsewhere (another dashboard, or the service after a room failure). */
  heard(id: string, verb: 'proposed' | 'applied', at: string): void {
    if (this.shown && id === this.shown.plan.id) {
      if (verb === 'applied') this.shown.state = 'applied';
    } else {
      this.activity = `Another allocation plan was ${verb} at ${timeOf(Date.parse(at), this.dash.ctx.zone)}.`;
    }
    this.dash.invalidate('plan');
  }

  private figures(plan: Plan): HTMLElement[] {
    const o = plan.objective;
    const figure = (label: string, value: string, key: string | null = label): HTMLElement =>
      h('div', { class: 'figure', 'data-figure': key }, h('dt', null, label), h('dd', null, value));
    return [
      figure('Unplaced sessions', String(o.unplaced)),
      figure('Seats short', String(o.seatsShort)),
      figure('Moves', String(o.moves)),
      figure('Seats idle', String(o.seatsIdle)),
      figure('Solution', plan.optimal ? 'Optimal' : 'Not proven optimal', null),
      figure('Solve time', `${plan.solveMs} ms`, null),
    ];
  }

  render(): void {
    const { dash } = this;
    const section = byId('plan', HTMLElement);
    byId('plan-activity', HTMLElement).textContent = this.activity;
    const shown = this.shown;
    if (!shown) {
      section.hidden = true;
      return;
    }
    const { plan } = shown;
    section.hidden = false;
    section.dataset.planId = plan.id;
    section.dataset.state = shown.state;
    fill(byId('plan-figures', HTMLElement), ...this.figures(plan));
    const { sessions, rooms } = dash.store.state;
    const title = (id: string): string => sessions.get(id)?.title ?? id;
    const when = (id: string): string => {
      const s = sessions.get(id);
      return s ? `${timeOf(sessionStart(s), dash.ctx.zone)}–${timeOf(sessionEnd(s), dash.ctx.zone)}` : '';
    };
    const moves = plan.assignments.filter((a) => a.fromRoomId !== a.toRoomId);
    const side = (s: SessionWire | undefined, roomId: string | null, cls: string): HTMLElement => {
      const room = roomId === null ? undefined : rooms.get(roomId);
      const short = s && room?.capacity !== undefined ? Math.max(0, s.expectedAttendance - room.capacity) : 0;
      return h(
        'td',
        { class: `diff ${cls}` },
        h('strong', null, roomId === null ? 'no room' : dash.ctx.roomName(roomId)),
        room?.capacity !== undefined ? ` · ${room.capacity} seats` : '',
        short > 0 ? h('span', { class: 'diff__short' }, ` · ${short} short`) : '',
      );
    };
    fill(
      byId('plan-moves', HTMLElement),
      ...(moves.length === 0
        ? [h('tr', null, h('td', { colspan: 4 }, 'No session needs to move.'))]
        : moves.map((m) => {
            const s = sessions.get(m.sessionId);
            const pin = h('button', { type: 'button', class: 'button button--small', 'data-pin': m.sessionId }, 'Keep here');
            pin.addEventListener('click', () => void this.pin(m.sessionId));
            return h(
              'tr',
              { 'data-session-id': m.sessionId },
              h('td', null, when(m.sessionId), h('br'), h('span', { class: 'muted' }, title(m.sessionId)), s ? h('span', { class: 'muted' }, ` · ${s.expectedAttendance} expected`) : ''),
              side(s, m.fromRoomId, 'diff--before'),
              side(s, m.toRoomId, 'diff--after'),
              h('td', null, pin),
            );
          })),
    );
    const pinnedList = byId('plan-pinned', HTMLElement);
    fill(
      pinnedList,
      ...[...this.pinned].map((id) => {
        const unpin = h('button', { type: 'button', class: 'button button--small', 'data-unpin': id }, 'Unpin');
        unpin.addEventListener('click', () => void this.pin(id));
        return h('li', null, `${title(id)} stays in ${sessions.get(id) ? dash.ctx.roomName(sessions.get(id)!.roomId) : 'its room'} `, unpin);
      }),
    );
    pinnedList.hidden = this.pinned.size === 0;
    byId('plan-unplaced-section', HTMLElement).hidden = plan.unplaced.length === 0;
    fill(
      byId('plan-unplaced', HTMLElement),
      ...plan.unplaced.map((u) =>
        h('li', { 'data-session-id': u.sessionId }, h('strong', null, title(u.sessionId)), `: ${UNPLACED_REASONS[u.reason] ?? u.reason.replace(/_/g, ' ')}`),
      ),
    );
    const apply = byId('plan-apply', HTMLButtonElement);
    apply.disabled = shown.state !== 'proposed';
    apply.textContent = shown.state === 'applied' ? 'Applied' : shown.state === 'stale' ? 'Out of date' : 'Apply plan';
    byId('plan-stale', HTMLElement).hidden = !(shown.state === 'proposed' && dash.store.state.scheduleSeq > plan.basedOnSeq);
  }
}

export function allocationPanel(dash: Dash): void {
  const panel = new AllocationPanel(dash);
  byId('plan-form', HTMLFormElement).addEventListener('submit', (e) => {
    e.preventDefault();
    void panel.request();
  });
  byId('plan-apply', HTMLButtonElement).addEventListener('click', () => void panel.apply());
  dash.store.subscribe(({ event }) => {
    if (event?.name === 'allocation.proposed') panel.heard(event.data.id, 'proposed', event.at);
    else if (event?.name === 'allocation.applied') panel.heard(event.data.planId, 'applied', event.at);
  });
  dash.panel(['plan', 'sessions', 'rooms', 'event'], () => panel.render());
}
