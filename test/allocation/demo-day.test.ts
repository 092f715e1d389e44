// Allocation must be safe to apply: over the demo conference's day, a plan moves no break, plenary or zero-attendance session, and every move buys seats or a room.
import t, { type Test } from 'tap';
import { build, testClock, type Built } from '../helper.js';
import { demoProgramme, demoRooms } from '../../scripts/demo-data.js';

const DAY = '2026-02-16';
const EARLY = Date.parse(`${DAY}T05:00:00Z`); // 06:00 in Amsterdam: nothing is on or about to start

interface Session {
  id: string;
  title: string;
  type: string;
  roomId: string;
  startsAt: string;
  endsAt: string;
  version: number;
  expectedAttendance: number;
  requiredFeatures: string[];
}
interface Room {
  id: string;
  name: string;
  capacity: number;
}
interface Plan {
  assignments: { sessionId: string; fromRoomId: string | null; toRoomId: string }[];
  unplaced: { sessionId: string; reason: string }[];
  objective: { moves: number; seatsShort: number; seatsIdle: number };
}

/** The demo conference as scripts/demo.ts builds it: rooms, the programme through the importer, then the extras per session. */
async function demoConference(t: Test): Promise<Built> {
  const built = await build(t, { deps: { clock: testClock(EARLY) } });
  const { app, auth } = built;
  const { schedule, extras } = demoProgramme(DAY, 'Europe/Amsterdam');
  const imported = await app.inject({ method: 'POST', url: '/api/schedule/import', headers: auth('admin'), payload: schedule });
  t.equal(imported.statusCode, 200, imported.body.slice(0, 200));
  const rooms = (await app.inject({ method: 'GET', url: '/api/rooms', headers: auth('admin') })).json() as Room[];
  for (const room of rooms) {
    const spec = demoRooms.find((r) => r.name === room.name)!;
    await app.inject({ method: 'PATCH', url: `/api/rooms/${room.id}`, headers: auth('admin'), payload: { capacity: spec.capacity, features: spec.features } });
  }
  const byStart = new Map<string, ReturnType<typeof extras.get>>();
  const days = (schedule.schedule as { conference: { days: { rooms: Record<string, { title: string; date: string; guid: string }[]> }[] } }).conference.days;
  for (const day of days) for (const events of Object.values(day.rooms)) for (const e of events) byStart.set(`${e.title}|${Date.parse(e.date)}`, extras.get(`guid:${e.guid}`));
  for (const s of (await app.inject({ method: 'GET', url: '/api/sessions', headers: auth('admin') })).json() as Session[]) {
    const extra = byStart.get(`${s.title}|${Date.parse(s.startsAt)}`);
    const res = await app.inject({ method: 'PATCH', url: `/api/sessions/${s.id}`, headers: auth('admin'), payload: { version: s.version, ...extra } });
    if (res.statusCode !== 200) throw new Error(res.body);
  }
  return built;
}

async function state(built: Built): Promise<{ sessions: Map<string, Session>; rooms: Map<string, Room> }> {
  const get = async <T>(url: string): Promise<T> => (await built.app.inject({ method: 'GET', url, headers: built.auth('ops') })).json() as T;
  return {
    sessions: new Map((await get<Session[]>(`/api/sessions?day=${DAY}`)).map((s) => [s.id, s])),
    rooms: new Map((await get<Room[]>('/api/rooms')).map((r) => [r.id, r])),
  };
}

async function plan(built: Built, body: object = { day: DAY }): Promise<Plan> {
  const res = await built.app.inject({ method: 'POST', url: '/api/allocation/plans', headers: built.auth('ops'), payload: body });
  if (res.statusCode !== 201) throw new Error(`plan answered ${res.statusCode}: ${res.body}`);
  return res.json() as Plan;
}

const anchored = (s: Session): boolean => s.type === 'break' || s.type === 'plenary' || s.expectedAttendance === 0;
const short = (s: Session, r: Room): number => Math.max(0, s.expectedAttendance - r.capacity);

t.test('a plan over the demo day moves no break, plenary or zero-attendance session', async (t) => {
  const built = await demoConference(t);
  const { sessions, rooms } = await state(built);
  const breaks = [...sessions.values()].filter((s) => s.type === 'break');
  t.ok(breaks.length >= 4, 'the demo day has its registration, coffee and lunch breaks');
  const p = await plan(built);
  t.same(p.unplaced, [], 'everything is placed');
  for (const a of p.assignments) {
    const s = sessions.get(a.sessionId)!;
    if (anchored(s)) t.equal(a.toRoomId, a.fromRoomId, `${s.title} (${s.type}, ${s.expectedAttendance} expected) stays`);
  }
  for (const a of p.assignments.filter((x) => x.toRoomId !== x.fromRoomId)) {
    const s = sessions.get(a.sessionId)!;
    const from = rooms.get(a.fromRoomId!)!;
    const to = rooms.get(a.toRoomId)!;
    const freesRoom = p.assignments.some((b) => b.toRoomId === from.id && b.fromRoomId !== from.id);
    t.ok(short(s, to) < short(s, from) || freesRoom, `moving ${s.title} from ${from.name} to ${to.name} buys seats or a room, not idle seats`);
  }
});

t.test('a closed room lets its breaks move; zero-attendance sessions in a room that serves them stay', async (t) => {
  const built = await demoConference(t);
  const { sessions, rooms } = await state(built);
  const hall = [...rooms.values()].find((r) => r.name === 'Plenary Hall')!;
  const lunch = [...sessions.values()].find((s) => s.title === 'Lunch')!;
  const panel = [...sessions.values()].find((s) => s.type === 'panel' && s.expectedAttendance > 0)!;
  // A panel nobody has an estimate for is no reason to move it to a smaller room.
  const zero = await built.app.inject({ method: 'PATCH', url: `/api/sessions/${panel.id}`, headers: built.auth('ops'), payload: { version: panel.version, expectedAttendance: 0 } });
  t.equal(zero.statusCode, 200);
  const closed = await built.app.inject({ method: 'PATCH', url: `/api/rooms/${hall.id}`, headers: built.auth('ops'), payload: { status: 'closed' } });
  t.equal(closed.statusCode, 200);
  const p = await plan(built);
  const lunchTo = p.assignments.find((a) => a.sessionId === lunch.id)?.toRoomId;
  t.not(lunchTo, hall.id, 'the lunch leaves the closed hall');
  t.equal(p.assignments.find((a) => a.sessionId === panel.id)?.toRoomId, panel.roomId, 'a zero-attendance panel stays');
});
