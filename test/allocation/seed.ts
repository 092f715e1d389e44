// Test data for rooms and allocation tests: rooms and sessions created through the API, and a fingerprint of what is stored.
import type { FastifyInstance } from 'fastify';
import type { Built } from '../helper.js';
import { storeSql } from '../helper.js';

export const MIN = 60_000;

export interface RoomOut {
  id: string;
  name: string;
}

export interface SessionOut {
  id: string;
  roomId: string;
  version: number;
  startsAt: string;
  status: string;
}

export async function addRoom(
  built: Built,
  room: { name: string; capacity: number; features?: string[]; status?: 'open' | 'closed' | 'out_of_service' },
): Promise<RoomOut> {
  const res = await built.app.inject({ method: 'POST', url: '/api/rooms', headers: built.auth('admin'), payload: room });
  if (res.statusCode !== 201) throw new Error(`POST /api/rooms answered ${res.statusCode}: ${res.body}`);
  return res.json() as RoomOut;
}

export async function addSession(
  built: Built,
  session: { title: string; startsAt: number; endsAt: number; roomId: string; expectedAttendance?: number; requiredFeatures?: string[] },
): Promise<SessionOut> {
  // Seeds build the starting schedules plans must repair, clashes included: forced past the room-conflict check.
  const payload = { ...session, startsAt: iso(session.startsAt), endsAt: iso(session.endsAt), force: true };
  const res = await built.app.inject({ method: 'POST', url: '/api/sessions', headers: built.auth('admin'), payload });
  if (res.statusCode !== 201) throw new Error(`POST /api/sessions answered ${res.statusCode}: ${res.body}`);
  return res.json() as SessionOut;
}

export async function patchSession(built: Built, id: string, changes: Record<string, unknown>): Promise<SessionOut> {
  const current = await built.app.inject({ method: 'GET', url: '/api/sessions', headers: built.auth('ops') });
  const version = (current.json() as SessionOut[]).find((s) => s.id === id)?.version;
  const res = await built.app.inject({ method: 'PATCH', url: `/api/sessions/${id}`, headers: built.auth('ops'), payload: { version, ...changes } });
  if (res.statusCode !== 200) throw new Error(`PATCH /api/sessions/${id} answered ${res.statusCode}: ${res.body}`);
  return res.json() as SessionOut;
}

export async function sessionsById(built: Built): Promise<Map<string, SessionOut>> {
  const res = await built.app.inject({ method: 'GET', url: '/api/sessions', headers: built.auth('ops') });
  return new Map((res.json() as SessionOut[]).map((s) => [s.id, s]));
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Everything a request could have written: compare before and after to prove a refusal wrote nothing. */
export async function fingerprint(app: FastifyInstance): Promise<Record<string, unknown>> {
  const sql = storeSql(app);
  return {
    events: await sql.all('SELECT seq, name FROM events ORDER BY seq'),
    rooms: await sql.all('SELECT id, occupancy, alert_level, status, capacity FROM rooms ORDER BY id'),
    sessions: await sql.all('SELECT id, room_id, version, change_note FROM sessions ORDER BY id'),
    plans: await sql.all('SELECT id, applied_at FROM allocation_plans ORDER BY id'),
  };
}
