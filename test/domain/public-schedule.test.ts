// The pure rule for closed-door sessions on public surfaces: hidden, or listed in the placeholder room; changes without the room.
import t from 'tap';
import { UNPUBLISHED_ROOM } from '../../src/contract/rooms.js';
import { publicChange, publicProgramme, publicSession } from '../../src/domain/public-schedule.js';

const open = { id: 'a', roomId: 'r1', access: { policy: 'open' as const } };
const closed = { id: 'b', roomId: 'r2', access: { policy: 'categories' as const, categories: ['government' as const] } };

t.test('a session: open ones unchanged, closed-door ones hidden or without their room', async (t) => {
  t.equal(publicSession(open, 'hidden'), open);
  t.equal(publicSession(open, 'listed'), open);
  t.equal(publicSession(closed, 'hidden'), null);
  t.same(publicSession(closed, 'listed'), { ...closed, roomId: UNPUBLISHED_ROOM.id });
});

t.test('a programme: the placeholder room is added only when a session is listed in it', async (t) => {
  const rooms = [{ id: 'r1', name: 'Hall' }, { id: 'r2', name: 'Annex' }];
  const hidden = publicProgramme(rooms, [open, closed], new Set(['b']), 'hidden');
  t.same(hidden.sessions.map((s) => s.id), ['a']);
  t.same(hidden.rooms, rooms);
  const listed = publicProgramme(rooms, [open, closed], new Set(['b']), 'listed');
  t.same(listed.sessions.map((s) => s.roomId), ['r1', UNPUBLISHED_ROOM.id]);
  t.same(listed.rooms.at(-1), UNPUBLISHED_ROOM);
  t.same(publicProgramme(rooms, [open], new Set(), 'listed').rooms, rooms, 'no closed-door session, no placeholder');
});

t.test('a change: hidden, or listed without the room; a bare move says nothing', async (t) => {
  const retimedAndMoved = {
    kind: 'moved' as const,
    kinds: ['moved' as const, 'retimed' as const],
    before: { roomId: 'r2', startsAt: '2026-02-15T09:00:00.000Z' },
    after: { roomId: 'r3', startsAt: '2026-02-15T10:00:00.000Z' },
  };
  t.equal(publicChange(retimedAndMoved, false, 'hidden'), retimedAndMoved, 'an open session: as it is');
  t.equal(publicChange(retimedAndMoved, true, 'hidden'), null);
  t.same(publicChange(retimedAndMoved, true, 'listed'), {
    kind: 'retimed',
    kinds: ['retimed'],
    before: { startsAt: '2026-02-15T09:00:00.000Z' },
    after: { startsAt: '2026-02-15T10:00:00.000Z' },
  });
  t.equal(publicChange({ kind: 'moved' as const, kinds: ['moved' as const], before: { roomId: 'r2' }, after: { roomId: 'r3' } }, true, 'listed'), null);
});
