// The event's settings row: name, time zone, days, and the database epoch that live clients compare.
import { randomUUID } from 'node:crypto';
import type { Op } from '../store/op.js';
import type { SettingsRecord, StorePorts } from '../store/ports.js';

export interface EventSettings {
  name: string;
  timeZone: string;
  days: string[];
  epoch: string;
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

/** Creates the row for a new database (a fresh epoch); the configured time zone is always the one in force. */
export function* ensureSettingsIn(store: StorePorts, timeZone: string, now: number): Op<EventSettings> {
  let existing = yield* store.settings.read();
  if (!existing) {
    const row: SettingsRecord = {
      name: 'eventday',
      timeZone,
      days: [],
      epoch: randomUUID(),
      createdAt: now,
      acronym: null,
      conferenceUrl: null,
      baseUrl: null,
      scheduleTimeZone: null,
      dayChange: null,
      roomGuids: null,
    };
    if (yield* store.settings.create(row)) return { name: row.name, timeZone, days: [], epoch: row.epoch };
    // Another node created it between the read and the insert: its epoch is the database's.
    existing = yield* requireSettings(store);
  }
  if (existing.timeZone !== timeZone) yield* store.settings.setTimeZone(timeZone);
  return { name: existing.name, timeZone, days: existing.days, epoch: existing.epoch };
}

export function* eventSettingsIn(store: StorePorts): Op<EventSettings> {
  const row = yield* requireSettings(store);
  return { name: row.name, timeZone: row.timeZone, days: row.days, epoch: row.epoch };
}

export function* programmeSettingsIn(store: StorePorts): Op<ProgrammeSettings> {
  const row = yield* requireSettings(store);
  return {
    acronym: row.acronym,
    conferenceUrl: row.conferenceUrl,
    baseUrl: row.baseUrl,
    scheduleTimeZone: row.scheduleTimeZone,
    dayChange: row.dayChange,
    roomGuids: row.roomGuids ?? {},
  };
}

/** A restored or copied database must not look like the one clients knew: give it a new epoch. */
export function* renewEpochIn(store: StorePorts): Op<string> {
  const epoch = randomUUID();
  yield* store.settings.setEpoch(epoch);
  return epoch;
}

function* requireSettings(store: StorePorts): Op<SettingsRecord> {
  const row = yield* store.settings.read();
  if (!row) throw new Error('event settings missing: the database was not initialised');
  return row;
}
