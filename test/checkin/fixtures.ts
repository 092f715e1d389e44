// Check-in test fixtures: rooms and sessions written straight to the store, walk-ins and scans through the API.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AccessPolicy, Category } from '../../src/core/vocabulary.js';
import { rooms, sessions } from '../../src/db/schema.js';
import { toIso } from '../../src/core/time.js';
import type { Built } from '../helper.js';

export const T0 = Date.parse('2026-02-15T08:00:00Z');
export const minutes = (n: number): number => n * 60_000;
export const iso = (ms: number): string => toIso(ms);

/** Rooms and sessions belong to other features; the tests put them in place without their routes. */
export function addRoom(app: FastifyInstance, opts: { name?: string; capacity?: number; status?: 'open' | 'closed' | 'out_of_service' } = {}): string {
  const id = randomUUID();
  app.writer.run(null, (tx) => {
    app.store.db
      .insert(rooms)
      .values({ id, name: opts.name ?? `Room ${id.slice(0, 6)}`, capacity: opts.capacity ?? 100, status: opts.status ?? 'open', createdAt: tx.now, updatedAt: tx.now })
      .run();
  });
  return id;
}

export function addSession(
  app: FastifyInstance,
  opts: { roomId: string; startsAt: number; endsAt: number; access?: AccessPolicy; status?: 'scheduled' | 'live' | 'ended' | 'cancelled'; delayMinutes?: number },
): string {
  const id = randomUUID();
  app.writer.run(null, (tx) => {
    app.store.db
      .insert(sessions)
      .values({
        id,
        title: `Session ${id.slice(0, 6)}`,
        roomId: opts.roomId,
        startsAt: opts.startsAt,
        endsAt: opts.endsAt,
        access: opts.access ?? { policy: 'open' },
        status: opts.status ?? 'scheduled',
        delayMinutes: opts.delayMinutes ?? 0,
        createdAt: tx.now,
        updatedAt: tx.now,
      })
      .run();
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

export function occupancyOf(app: FastifyInstance, roomId: string): number {
  return (app.store.sqlite.prepare('SELECT occupancy FROM rooms WHERE id = ?').get(roomId) as { occupancy: number }).occupancy;
}

export function presenceOf(app: FastifyInstance, attendeeId: string): string | null {
  const row = app.store.sqlite.prepare('SELECT room_id AS roomId FROM presence WHERE attendee_id = ?').get(attendeeId) as { roomId: string } | undefined;
  return row?.roomId ?? null;
}

export function checkedInAt(app: FastifyInstance, attendeeId: string): number | null {
  return (app.store.sqlite.prepare('SELECT checked_in_at AS t FROM attendees WHERE id = ?').get(attendeeId) as { t: number | null }).t;
}

export function countRows(app: FastifyInstance, table: string): number {
  return (app.store.sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}
