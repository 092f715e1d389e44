// The event settings port on SQLite: the one event_settings row, its statements prepared once.
import type { Database } from 'better-sqlite3';
import { known } from '../op.js';
import type { SettingsPort, SettingsRecord } from '../ports.js';

const COLUMNS = `name, time_zone AS timeZone, days, epoch, created_at AS createdAt, acronym, conference_url AS conferenceUrl,
  base_url AS baseUrl, schedule_time_zone AS scheduleTimeZone, day_change AS dayChange, room_guids AS roomGuids`;

type Row = Omit<SettingsRecord, 'days' | 'roomGuids'> & { days: string; roomGuids: string | null };

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
      const row = read.get() as Row | undefined;
      return known(row === undefined ? undefined : { ...row, days: JSON.parse(row.days) as string[], roomGuids: parseGuids(row.roomGuids) });
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

const parseGuids = (text: string | null): Record<string, string> | null => (text === null ? null : (JSON.parse(text) as Record<string, string>));
const stringifyGuids = (guids: Record<string, string> | null): string | null => (guids === null ? null : JSON.stringify(guids));
