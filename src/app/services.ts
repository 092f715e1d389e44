// The use cases, built once on the store and the Writer, and how they feed each other.
import fp from 'fastify-plugin';
import { AllocationService } from '../services/allocation.js';
import { solveAllocation } from '../services/allocation-solver.js';
import { AnnouncementService } from '../services/announcements.js';
import { AttendeeService } from '../services/attendees.js';
import { KeyDir } from '../keys/key-dir.js';
import { BadgeService } from '../services/badges.js';
import { CheckinService, FAILED_SCANS_PER_WINDOW, FAILURE_WINDOW_MS } from '../services/checkins.js';
import { pgFailureBudget } from '../store/pg/rate-windows.js';
import { DeviceService } from '../services/devices.js';
import { HeadcountService } from '../services/headcount.js';
import { afterImportPart } from '../services/import-pacing.js';
import { OccupancyService } from '../services/occupancy.js';
import { OfflineListService } from '../services/offline-list.js';
import { RoomService } from '../services/rooms.js';
import { PublicScheduleService } from '../services/public-schedule.js';
import { ScheduleService } from '../services/schedule.js';
import { SessionService } from '../services/sessions.js';

export interface Services {
  devices: DeviceService;
  announcements: AnnouncementService;
  occupancy: OccupancyService;
  rooms: RoomService;
  sessions: SessionService;
  schedule: ScheduleService;
  publicSchedule: PublicScheduleService;
  badges: BadgeService;
  attendees: AttendeeService;
  checkins: CheckinService;
  offlineList: OfflineListService;
  headcounts: HeadcountService;
  allocation: AllocationService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export default fp(
  async (app) => {
    const { store, writer, newId, clock, settings } = app;
    // Between the parts of a big import: a turn for other requests, and on SQLite a WAL checkpoint.
    const afterPart = (part: number): Promise<void> => afterImportPart(store.kind === 'sqlite' ? store.sqlite : null, part);
    const devices = new DeviceService(store.reader, writer, newId);
    const announcements = new AnnouncementService(store.reader, writer, newId, clock);
    const occupancy = new OccupancyService(writer);
    const rooms = new RoomService(store.reader, writer, newId, app.log);
    const sessions = new SessionService(store.reader, writer, newId, clock);
    const schedule = new ScheduleService(store.reader, writer, sessions, newId, clock, settings, afterPart);
    const publicSchedule = new PublicScheduleService(store.reader, schedule, clock, app.appConfig.publicRestricted);
    const badges = new BadgeService(store.reader, writer, new KeyDir(app.appConfig.keyDir));
    const checkins = new CheckinService(
      store.reader,
      writer,
      badges,
      occupancy,
      newId,
      settings.timeZone,
      (err) => app.log.error({ err }, 'check-in stats publication failed'),
      // Several nodes count a device's failed scans together; one node counts them in memory.
      store.kind === 'postgres' ? pgFailureBudget(store.pg.pool, FAILED_SCANS_PER_WINDOW, FAILURE_WINDOW_MS) : undefined,
    );
    const offlineList = new OfflineListService(store.reader, badges, clock);
    const attendees = new AttendeeService(store.reader, writer, badges, newId, afterPart);
    const headcounts = new HeadcountService(writer, occupancy);
    const allocation = new AllocationService({
      store,
      writer,
      clock,
      newId,
      timeZone: settings.timeZone,
      solve: (input, signal) => solveAllocation(input, {}, { signal }),
    });
    // A proposal is advice: the room service logs a listener's failure and never undoes the room change.
    rooms.onOutOfService(async (room) => {
      await allocation.proposeForRoomFailure(room.id);
    });
    // Once per database, before any request: private keys of an old SQLite file moved to the key dir, attendees of an old file indexed for search.
    await badges.moveKeysOutOfDatabase();
    await attendees.backfillSearch();
    app.decorate('services', { devices, announcements, occupancy, rooms, sessions, schedule, publicSchedule, badges, attendees, checkins, offlineList, headcounts, allocation });
  },
  { name: 'eventday-services', dependencies: ['eventday-writer'] },
);
