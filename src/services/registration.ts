// Wires the attendee, badge and check-in services onto app.services once, with their snapshot block and timers.
import type { FastifyInstance } from 'fastify';
import { AttendeeService } from './attendees.js';
import { BadgeService } from './badges.js';
import { CheckinService } from './checkins.js';

export interface RegistrationServices {
  attendees: AttendeeService;
  badges: BadgeService;
  checkins: CheckinService;
}

declare module '../app.js' {
  interface Services {
    /** Attendees, badges and check-ins; set when their route plugins are registered. */
    registration?: RegistrationServices;
  }
}

/**
 * Called by each route plugin of the feature: the first call builds the services (plugins are
 * registered before the app serves anything), the others get the same ones. buildApp stays
 * unaware of the feature beyond the optional Services field declared above.
 */
export function registrationServices(app: FastifyInstance): RegistrationServices {
  const existing = app.services.registration;
  if (existing) return existing;
  const badges = new BadgeService(app.store, app.writer);
  const checkins = new CheckinService(app.store, app.writer, badges, app.services.occupancy, app.newId, app.settings.timeZone, (err) =>
    app.log.error({ err }, 'check-in stats publication failed'),
  );
  const attendees = new AttendeeService(app.store, app.writer, badges, app.newId, () => checkins.arrivalsChanged());
  const registration = { attendees, badges, checkins };
  app.services.registration = registration;
  app.snapshotExtras.push(() => ({ checkinStats: checkins.stats() }));
  app.addHook('onClose', async () => checkins.stop());
  return registration;
}
