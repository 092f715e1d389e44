// Every port on one SQLite connection, and reads through them outside a unit of work.
import type { Database } from 'better-sqlite3';
import { runNow, type Op } from '../op.js';
import type { StorePorts, StoreReader } from '../ports.js';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as schema from '../../db/schema.js';
import { sqliteAnnouncements } from './announcements.js';
import { sqliteCheckins } from './checkins.js';
import { sqliteOccupancy } from './occupancy.js';
import { sqliteAttendees } from './attendees.js';
import { sqliteBadges } from './badges.js';
import { sqliteDevices } from './devices.js';
import { sqliteLog } from './log.js';
import { sqliteRooms } from './rooms.js';
import { sqliteSessions } from './sessions.js';
import { sqliteProgramme } from './programme.js';
import { sqliteSettings } from './settings.js';
import { sqlitePlans } from './plans.js';
import { sqliteExports } from './exports.js';

export function sqlitePorts(sqlite: Database, db: BetterSQLite3Database<typeof schema>): StorePorts {
  return { log: sqliteLog(sqlite), checkins: sqliteCheckins(sqlite), occupancy: sqliteOccupancy(sqlite), attendees: sqliteAttendees(sqlite), badges: sqliteBadges(sqlite), devices: sqliteDevices(sqlite), announcements: sqliteAnnouncements(db), rooms: sqliteRooms(sqlite), sessions: sqliteSessions(sqlite), programme: sqliteProgramme(sqlite), settings: sqliteSettings(sqlite), plans: sqlitePlans(sqlite), exports: sqliteExports(sqlite) };
}

/**
 * One connection serves reads and the Writer: every unit of work runs synchronously, so a read
 * never lands inside an open transaction and always sees the last commit.
 */
export function sqliteReader(ports: StorePorts): StoreReader {
  return {
    async read<T>(body: (store: StorePorts) => Op<T>): Promise<T> {
      return runNow(body(ports));
    },
  };
}
