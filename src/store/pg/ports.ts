// Every port on PostgreSQL, bound to a transaction's client or to the pool, and reads through them outside a unit of work.
import type pg from 'pg';
import { runAwaiting, type Op } from '../op.js';
import type { StorePorts, StoreReader } from '../ports.js';
import { pgAnnouncements } from './announcements.js';
import { pgCheckins } from './checkins.js';
import { pgOccupancy } from './occupancy.js';
import { pgAttendees } from './attendees.js';
import { pgBadges } from './badges.js';
import { pgDevices } from './devices.js';
import type { PgEventLog } from './event-log.js';
import { pgLog } from './log.js';
import type { Queryable } from './query.js';
import { pgRooms } from './rooms.js';
import { pgSessions } from './sessions.js';
import { pgProgramme } from './programme.js';
import { pgSettings } from './settings.js';
import { pgPlans } from './plans.js';
import { pgExports } from './exports.js';

export function pgPorts(db: Queryable, log: PgEventLog): StorePorts {
  return { log: pgLog(log, db), checkins: pgCheckins(db), occupancy: pgOccupancy(db), attendees: pgAttendees(db), badges: pgBadges(db), devices: pgDevices(db), announcements: pgAnnouncements(db), rooms: pgRooms(db), sessions: pgSessions(db), programme: pgProgramme(db), settings: pgSettings(db), plans: pgPlans(db), exports: pgExports(db) };
}

/** Reads outside a unit of work go to the pool: each statement sees the last commit (READ COMMITTED). */
export function pgReader(pool: pg.Pool, log: PgEventLog): StoreReader {
  const ports = pgPorts(pool, log);
  return { read: <T>(body: (store: StorePorts) => Op<T>): Promise<T> => runAwaiting(body(ports)) };
}
