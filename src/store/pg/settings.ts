// The event settings port on PostgreSQL: the one event_settings row, JSON kept as text as SQLite keeps it.
import type { SettingsPort } from '../ports.js';
import { stringifyGuids, toSettingsRecord, type SettingsRow } from '../rows.js';
import { rows, type Queryable } from './query.js';

const COLUMNS = `name, time_zone AS "timeZone", days, epoch, created_at AS "createdAt", acronym, conference_url AS "conferenceUrl",
  base_url AS "baseUrl", schedule_time_zone AS "scheduleTimeZone", day_change AS "dayChange", room_guids AS "roomGuids"`;

export function pgSettings(db: Queryable): SettingsPort {
  return {
    *read() {
      const [row] = yield* rows<SettingsRow>(db, 'settings_read', `SELECT ${COLUMNS} FROM event_settings WHERE id = 1`);
      if (row === undefined) return undefined;
      return toSettingsRecord(row);
    },
    *create(s) {
      // Atomic: nodes starting on a new database at once each try; the first insert wins, the others create nothing.
      const created = yield* rows(
        db,
        'settings_create',
        `INSERT INTO event_settings (id, name, time_zone, days, epoch, created_at, acronym, conference_url, base_url, schedule_time_zone, day_change, room_guids)
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [s.name, s.timeZone, JSON.stringify(s.days), s.epoch, s.createdAt, s.acronym, s.conferenceUrl, s.baseUrl, s.scheduleTimeZone, s.dayChange, stringifyGuids(s.roomGuids)],
      );
      return created.length === 1;
    },
    *setTimeZone(timeZone) {
      yield* rows(db, 'settings_time_zone', 'UPDATE event_settings SET time_zone = $1 WHERE id = 1', [timeZone]);
    },
    *setProgramme(p) {
      yield* rows(
        db,
        'settings_programme',
        'UPDATE event_settings SET acronym = $1, conference_url = $2, base_url = $3, schedule_time_zone = $4, day_change = $5, room_guids = $6 WHERE id = 1',
        [p.acronym, p.conferenceUrl, p.baseUrl, p.scheduleTimeZone, p.dayChange, stringifyGuids(p.roomGuids)],
      );
    },
    *setEpoch(epoch) {
      yield* rows(db, 'settings_epoch', 'UPDATE event_settings SET epoch = $1 WHERE id = 1', [epoch]);
    },
  };
}
