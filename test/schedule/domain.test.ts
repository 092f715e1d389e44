// Pure schedule rules: change kinds, the status clock, now/next per room, local days in a zone, and the import diff.
import t from 'tap';
import {
  changedFields,
  classifyChange,
  clockStatus,
  daysSpanned,
  diffProgramme,
  localDayBounds,
  nowAndNext,
  primaryKind,
  themeFromTrack,
  type ExistingSession,
  type IncomingSession,
  type ScheduleFacts,
  type Slotted,
} from '../../src/domain/schedule.js';

const at = (iso: string): number => Date.parse(iso);
const base: ScheduleFacts = {
  title: 'Opening',
  roomId: 'a',
  startsAt: at('2026-02-15T09:00:00Z'),
  endsAt: at('2026-02-15T10:00:00Z'),
  delayMinutes: 0,
  status: 'scheduled',
};

t.test('each change kind, and several at once with the most important first', async (t) => {
  t.same(classifyChange(base, { ...base, roomId: 'b' }), ['moved']);
  t.same(classifyChange(base, { ...base, startsAt: base.startsAt + 60_000 }), ['retimed']);
  t.same(classifyChange(base, { ...base, endsAt: base.endsAt + 60_000 }), ['retimed'], 'a new end is a new time too');
  t.same(classifyChange(base, { ...base, delayMinutes: 15 }), ['delayed']);
  t.same(classifyChange(base, { ...base, title: 'Welcome' }), ['renamed']);
  t.same(classifyChange(base, { ...base, status: 'cancelled' }), ['cancelled']);
  t.same(classifyChange({ ...base, status: 'cancelled' }, { ...base, status: 'scheduled' }), ['restored']);
  t.same(classifyChange({ ...base, status: 'cancelled' }, { ...base, status: 'live' }), ['restored'], 'restored straight into live');
  t.same(classifyChange(base, { ...base, status: 'live' }), [], 'the clock moving is not a schedule change');
  const both = classifyChange(base, { ...base, roomId: 'b', startsAt: base.startsAt + 1, title: 'X' });
  t.same(both, ['moved', 'retimed', 'renamed']);
  t.equal(primaryKind(both), 'moved');
  t.equal(primaryKind(classifyChange(base, { ...base, status: 'cancelled', roomId: 'b' })), 'cancelled');
  t.equal(primaryKind([]), 'edited');
});

t.test('changedFields keeps only what differs, comparing arrays and objects by content', async (t) => {
  const a = { title: 'A', speakers: ['x', 'y'], access: { policy: 'open' }, delayMinutes: 0 };
  const b = { title: 'A', speakers: ['x', 'y'], access: { policy: 'open' }, delayMinutes: 5 };
  t.same(changedFields(a, b, ['title', 'speakers', 'access', 'delayMinutes']), { before: { delayMinutes: 0 }, after: { delayMinutes: 5 } });
  t.same(changedFields(a, { ...a, speakers: ['y', 'x'] }, ['speakers']).after, { speakers: ['y', 'x'] }, 'order of speakers matters');
});

t.test('the status clock: live at start + delay, ended at end + delay, cancelled never goes live', async (t) => {
  const s = { startsAt: base.startsAt, endsAt: base.endsAt, delayMinutes: 10, cancelled: false };
  t.equal(clockStatus(s, base.startsAt), 'scheduled');
  t.equal(clockStatus(s, base.startsAt + 10 * 60_000 - 1), 'scheduled');
  t.equal(clockStatus(s, base.startsAt + 10 * 60_000), 'live');
  t.equal(clockStatus(s, base.endsAt + 10 * 60_000 - 1), 'live');
  t.equal(clockStatus(s, base.endsAt + 10 * 60_000), 'ended');
  t.equal(clockStatus({ ...s, cancelled: true }, base.startsAt + 20 * 60_000), 'cancelled');
});

t.test('now and next per room: delays applied, cancelled skipped, overlaps resolved to the latest start', async (t) => {
  const h = (n: number): number => at('2026-02-15T00:00:00Z') + n * 3_600_000;
  const s = (id: string, roomId: string, from: number, to: number, extra: Partial<Slotted> = {}): Slotted => ({
    id,
    roomId,
    startsAt: h(from),
    endsAt: h(to),
    delayMinutes: 0,
    status: 'scheduled',
    ...extra,
  });
  const list = [
    s('a1', 'A', 9, 10),
    s('a2', 'A', 10, 11, { delayMinutes: 30 }),
    s('a3', 'A', 11, 12, { status: 'cancelled' }),
    s('a4', 'A', 12, 13),
    s('b1', 'B', 8, 12),
    s('b2', 'B', 10, 11),
  ];
  const at1015 = nowAndNext(list, h(10.25));
  t.equal(at1015.get('A')?.current?.id, undefined, 'a1 is over and a2 is delayed to 10:30');
  t.equal(at1015.get('A')?.next?.id, 'a2');
  t.equal(at1015.get('B')?.current?.id, 'b2', 'of two overlapping sessions, the one that started last is on');
  const at1045 = nowAndNext(list, h(10.75));
  t.equal(at1045.get('A')?.current?.id, 'a2');
  t.equal(at1045.get('A')?.next?.id, 'a4', 'the cancelled a3 is skipped');
  const late = nowAndNext(list, h(13));
  t.notOk(late.has('A'), 'nothing left in A');
});

t.test('local day bounds in the event zone, across a DST change', async (t) => {
  t.same(localDayBounds('2026-02-15', 'Europe/Amsterdam'), { start: at('2026-02-14T23:00:00Z'), end: at('2026-02-15T23:00:00Z') });
  const spring = localDayBounds('2026-03-29', 'Europe/Amsterdam')!;
  t.equal(spring.end - spring.start, 23 * 3_600_000, 'the spring-forward day has 23 hours');
  t.same(localDayBounds('2026-02-15', 'Asia/Kolkata'), { start: at('2026-02-14T18:30:00Z'), end: at('2026-02-15T18:30:00Z') });
  t.equal(localDayBounds('2026-02-30', 'UTC'), null);
});

t.test('days spanned by a programme, in the event zone', async (t) => {
  t.same(daysSpanned([], 'UTC'), []);
  t.same(
    daysSpanned(
      [
        { startsAt: at('2026-02-14T23:30:00Z'), endsAt: at('2026-02-15T00:30:00Z') },
        { startsAt: at('2026-02-16T10:00:00Z'), endsAt: at('2026-02-16T23:00:00Z') },
      ],
      'Europe/Amsterdam',
    ),
    ['2026-02-15', '2026-02-16'],
    'a session ending at local midnight does not add a day',
  );
});

t.test('import diff: new, changed, unchanged, missing and returning sessions', async (t) => {
  const e = (key: string, extra: Partial<ExistingSession> = {}): ExistingSession => ({
    id: `id-${key}`,
    externalKey: key,
    title: key,
    roomId: 'A',
    startsAt: 1000,
    endsAt: 2000,
    type: 'talk',
    speakers: [],
    description: null,
    language: null,
    theme: null,
    cancelled: false,
    ...extra,
  });
  const i = (key: string, extra: Partial<IncomingSession> = {}): IncomingSession => ({
    key,
    title: key,
    roomId: 'A',
    startsAt: 1000,
    endsAt: 2000,
    type: 'talk',
    speakers: [],
    description: null,
    language: null,
    theme: undefined,
    cancelled: false,
    ...extra,
  });
  const existing = [e('same', { theme: 2 }), e('moved'), e('gone'), e('back', { cancelled: true }), e('gone-already', { cancelled: true })];
  const plan = diffProgramme(existing, [i('same'), i('moved', { roomId: 'B' }), i('back'), i('new')]);
  t.same(plan.create.map((s) => s.key), ['new']);
  t.same(plan.update.map((u) => u.existing.externalKey), ['moved', 'back']);
  t.equal(plan.update[0]?.next.roomId, 'B');
  t.equal(plan.update[1]?.next.cancelled, false, 'a session back in the file is restored');
  t.same(plan.cancel.map((s) => s.externalKey), ['gone'], 'missing → cancelled, once');
  t.same(diffProgramme(existing.slice(0, 1), [i('same')]), { create: [], update: [], cancel: [] }, 'an unreadable theme keeps the current one');
});

t.test('a theme comes back from the track eventday exports', async (t) => {
  t.equal(themeFromTrack('Theme 2'), 2);
  t.equal(themeFromTrack('theme 3 '), 3);
  t.equal(themeFromTrack('Theme 4'), undefined);
  t.equal(themeFromTrack('Security'), undefined);
  t.equal(themeFromTrack(null), undefined);
});
