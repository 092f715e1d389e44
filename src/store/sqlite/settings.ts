// The event settings port on SQLite: the one event_settings row, its statements prepared once.
import type { Database } from 'better-sqlite3';
import { known } from '../op.js';
import type { SettingsPort } from '../ports.js';
import { stringifyGuids, toSettingsRecord, type SettingsRow } from '../rows.js';

const COLUMNS = `name, time_zone AS timeZone, days, epoch, created_at AS createdAt, acronym, conference_url AS conferenceUrl,
  base_url AS baseUrl, schedule_time_zone AS scheduleTimeZone, day_change AS dayChange, room_guids AS roomGuids`;

export function sqliteSettings(sqlite: Database): SettingsPort {
  const read = sqlite.prepare(`SELECT ${COLUMNS} FROM event_settings WHERE id = 1`);
  const create = sqlite.prepare(
    `INSERT INTO event_settings (id, name, time_zone, days, epoch, created_at, acronym, conference_url, base_url, schedule_time_zone, day_change, room_guids)
     VALUES (1, @name, @timeZone, @days, @epoch, @createdAt, @acronym, @conferenceUrl, @baseUrl, @scheduleTimeZone, @dayChange, @roomGuids)
     ON CONFLICT (id) DO NOTHING`,
  );
  const setTimeZone = sqlite.prepare('UPDATE event_settings SET time_zone = ? WHERE id = 1');
  const setProgramme = sqlite.prepare(
    `UPDATE event_settings SET acronym = @acronym, conference_url = @conferenceUrl, base_url = @baseUrl,
       schedule_time_zone = @scheduleTimeZone, day_change = @dayChange, room_guids = @roomGuids WHERE id = 1`,
  );
  const setEpoch = sqlite.prepare('UPDATE event_settings SET epoch = ? WHERE id = 1');
  return {
    read: () => {
      const row = read.get() as SettingsRow | undefined;
      return known(row === undefined ? undefined : toSettingsRecord(row));
    },
    create: (row) => known(create.run({ ...row, days: JSON.stringify(row.days), roomGuids: stringifyGuids(row.roomGuids) }).changes === 1),
    setTimeZone: (timeZone) => known(void setTimeZone.run(timeZone)),
    setProgramme: (p) =>
      known(
        void setProgramme.run({
          acronym: p.acronym,
          conferenceUrl: p.conferenceUrl,
          baseUrl: p.baseUrl,
          scheduleTimeZone: p.scheduleTimeZone,
          dayChange: p.dayChange,
          roomGuids: stringifyGuids(p.roomGuids),
        }),
      ),
    setEpoch: (epoch) => known(void setEpoch.run(epoch)),
  };
}
