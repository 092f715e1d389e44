// Check-in test fixtures: rooms and sessions written straight to the store, walk-ins and scans through the API.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AccessPolicy, Category } from '../../src/core/vocabulary.js';
import { toIso } from '../../src/core/time.js';
import type { Built } from '../helper.js';
import { storeSql } from '../helper.js';

export const T0 = Date.parse('2026-02-15T08:00:00Z');
export const minutes = (n: number): number => n * 60_000;
export const iso = (ms: number): string => toIso(ms);

/** Rooms and sessions belong to other features; the tests put them in place through the store's ports, without their routes (and their events). */
export async function addRoom(app: FastifyInstance, opts: { name?: string; capacity?: number; status?: 'open' | 'closed' | 'out_of_service' } = {}): Promise<string> {
  const id = randomUUID();
  await app.writer.submit(null, function* (tx) {
    yield* tx.store.rooms.insert({
      id,
      name: opts.name ?? `Room ${id.slice(0, 6)}`,
      capacity: opts.capacity ?? 100,
      features: [],
      status: opts.status ?? 'open',
      occupancy: 0,
      alertLevel: 'normal',
      sortOrder: 0,
      createdAt: tx.now,
      updatedAt: tx.now,
    });
  });
  return id;
}

export async function addSession(
  app: FastifyInstance,
  opts: { roomId: string; startsAt: number; endsAt: number; access?: AccessPolicy; status?: 'scheduled' | 'live' | 'ended' | 'cancelled'; delayMinutes?: number },
): Promise<string> {
  const id = randomUUID();
  await app.writer.submit(null, function* (tx) {
    yield* tx.store.sessions.insert({
      id,
      externalKey: null,
      title: `Session ${id.slice(0, 6)}`,
      theme: null,
      type: 'panel',
      startsAt: opts.startsAt,
      endsAt: opts.endsAt,
      roomId: opts.roomId,
      speakers: [],
      status: opts.status ?? 'scheduled',
      delayMinutes: opts.delayMinutes ?? 0,
      access: opts.access ?? { policy: 'open' },
      expectedAttendance: 0,
      requiredFeatures: [],
      description: null,
      language: null,
      version: 1,
      changeNote: null,
      createdAt: tx.now,
      updatedAt: tx.now,
    });
  });
  return id;
}

export interface WalkIn {
  id: string;
  code: string;
}

export async function walkIn(
  built: Built,
  body: { name: string; organization?: string; category?: Category; delegation?: string | null; email?: string | null; flags?: string[] },
): Promise<WalkIn> {
  const res = await built.app.inject({
    method: 'POST',
    url: '/api/attendees',
    headers: built.auth('desk'),
    payload: { organization: 'Org', category: 'industry', ...body },
  });
  if (res.statusCode !== 201) throw new Error(`walk-in failed: ${res.statusCode} ${res.body}`);
  const json = res.json() as { attendee: { id: string }; badge: { code: string } };
  return { id: json.attendee.id, code: json.badge.code };
}

export interface ScanBody {
  scanId?: string;
  code: string;
  kind?: 'entry' | 'exit';
  roomId?: string | null;
  scannedAt?: string;
  force?: boolean;
}

export function scan(built: Built, body: ScanBody, role: 'desk' | 'door' | 'admin' = 'desk', headers: Record<string, string> = {}) {
  return built.app.inject({
    method: 'POST',
    url: '/api/checkins',
    headers: { ...built.auth(role), ...headers },
    payload: { scanId: randomUUID(), ...body },
  });
}

export async function occupancyOf(app: FastifyInstance, roomId: string): Promise<number> {
  return (await storeSql(app).get<{ occupancy: number }>('SELECT occupancy FROM rooms WHERE id = ?', roomId))!.occupancy;
}

export async function presenceOf(app: FastifyInstance, attendeeId: string): Promise<string | null> {
  const row = await storeSql(app).get<{ roomId: string }>('SELECT room_id AS "roomId" FROM presence WHERE attendee_id = ?', attendeeId);
  return row?.roomId ?? null;
}

export async function checkedInAt(app: FastifyInstance, attendeeId: string): Promise<number | null> {
  return (await storeSql(app).get<{ t: number | null }>('SELECT checked_in_at AS t FROM attendees WHERE id = ?', attendeeId))!.t;
}

export async function countRows(app: FastifyInstance, table: string): Promise<number> {
  return (await storeSql(app).get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n;
}
