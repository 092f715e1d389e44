// The event's settings row: name, time zone, days, and the database epoch that live clients compare.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Store } from '../db/open.js';
import { eventSettings } from '../db/schema.js';

export interface EventSettings {
  name: string;
  timeZone: string;
  days: string[];
  epoch: string;
}

/** Creates the row for a new database (a fresh epoch); the configured time zone is always the one in force. */
export function ensureSettings(store: Store, timeZone: string, now: number): EventSettings {
  const existing = store.db.select().from(eventSettings).where(eq(eventSettings.id, 1)).get();
  if (!existing) {
    const row = { id: 1, name: 'eventday', timeZone, days: [], epoch: randomUUID(), createdAt: now };
    store.db.insert(eventSettings).values(row).run();
    return { name: row.name, timeZone, days: [], epoch: row.epoch };
  }
  if (existing.timeZone !== timeZone) {
    store.db.update(eventSettings).set({ timeZone }).where(eq(eventSettings.id, 1)).run();
  }
  return { name: existing.name, timeZone, days: existing.days, epoch: existing.epoch };
}

export function readSettings(store: Store): EventSettings {
  const row = store.db.select().from(eventSettings).where(eq(eventSettings.id, 1)).get();
  if (!row) throw new Error('event settings missing: the database was not initialised');
  return { name: row.name, timeZone: row.timeZone, days: row.days, epoch: row.epoch };
}

/** What the last imported programme said about the conference, for the exports. */
export interface ProgrammeSettings {
  acronym: string | null;
  conferenceUrl: string | null;
  baseUrl: string | null;
  /** The programme's own zone; null: the event's. */
  scheduleTimeZone: string | null;
  dayChange: string | null;
  roomGuids: Record<string, string>;
}

export function readProgrammeSettings(store: Store): ProgrammeSettings {
  const row = store.db.select().from(eventSettings).where(eq(eventSettings.id, 1)).get();
  if (!row) throw new Error('event settings missing: the database was not initialised');
  return {
    acronym: row.acronym,
    conferenceUrl: row.conferenceUrl,
    baseUrl: row.baseUrl,
    scheduleTimeZone: row.scheduleTimeZone,
    dayChange: row.dayChange,
    roomGuids: row.roomGuids ?? {},
  };
}

export function writeProgrammeSettings(store: Store, next: ProgrammeSettings): void {
  store.db.update(eventSettings).set(next).where(eq(eventSettings.id, 1)).run();
}

/** A restored or copied database must not look like the one clients knew: give it a new epoch. */
export function renewEpoch(store: Store): string {
  const epoch = randomUUID();
  store.db.update(eventSettings).set({ epoch }).where(eq(eventSettings.id, 1)).run();
  return epoch;
}
