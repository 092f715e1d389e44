// The live event catalogue: every event name, its topic, the payload stored in the log, and what each audience receives.
import { z } from 'zod';
import { audiences, type Audience, type Visibility } from '../core/vocabulary.js';
import { allocationAppliedSchema, planDetailSchema } from './allocation.js';
import { announcementRemovedSchema, announcementSchema } from './announcements.js';
import { checkpointEventSchema } from './audit.js';
import { attendeeSchema, attendeesImportedSchema, badgeReissuedSchema } from './attendees.js';
import { keyCreatedSchema, removedKeySchema } from './badges.js';
import {
  checkinRecordedSchema,
  checkinStatsSchema,
  checkinUndoneSchema,
  deskCheckinRecordedSchema,
  doorCheckinRecordedSchema,
  doorCheckinUndoneSchema,
} from './checkins.js';
import { deviceEventSchema } from './devices.js';
import { alertEventSchema, headcountEventSchema, occupancyEventSchema, publicRoomSchema } from './rooms.js';
import { sessionEventSchema } from './sessions.js';

export const topics = ['schedule', 'announcements', 'occupancy', 'checkins', 'attendees', 'badges', 'devices', 'allocation', 'maintenance', 'imports'] as const;
export type Topic = (typeof topics)[number];

/** What one audience receives of an event: the schema that shapes it, and when it is sent at all. */
export interface Delivery<P = never> {
  schema: z.ZodType;
  /** Absent: every event of this name. */
  when?: (payload: P) => boolean;
}

export interface EventDef<P extends z.ZodType = z.ZodType> {
  topic: Topic;
  /** The payload as stored in the log; the admin audience receives it as stored. */
  payload: P;
  /** Every audience that receives the event, each with its own shape; an audience not listed receives nothing. */
  audiences: Partial<Record<Audience, Delivery<z.output<P>>>>;
}

type Shaped<P extends z.ZodType> = Partial<Record<Exclude<Audience, 'admin'>, z.ZodType | Delivery<z.output<P>>>>;
type Deliveries<P extends z.ZodType, S extends Shaped<P>> = { admin: { schema: P } } & {
  [A in keyof S]: S[A] extends z.ZodType ? { schema: S[A] } : S[A];
};

function event<P extends z.ZodType, S extends Shaped<P>>(topic: Topic, payload: P, shaped: S): { topic: Topic; payload: P; audiences: Deliveries<P, S> } {
  const list: Partial<Record<Audience, Delivery<z.output<P>>>> = { admin: { schema: payload } };
  for (const audience of audiences) {
    const d = (shaped as Partial<Record<Audience, z.ZodType | Delivery<z.output<P>>>>)[audience];
    if (d !== undefined) list[audience] = d instanceof z.ZodType ? { schema: d } : d;
  }
  return { topic, payload, audiences: list as Deliveries<P, S> };
}

/** The same payload for every audience: the public schedule. */
const everyone = <S extends z.ZodType>(schema: S) => ({ public: schema, staff: schema, desk: schema, door: schema });
/** Staff figures: counts and alerts, for every staff role. */
const staffRoles = <S extends z.ZodType>(schema: S) => ({ staff: schema, desk: schema, door: schema });
const roomScan = (p: { checkin: { roomId: string | null } } | { roomId: string | null }): boolean =>
  ('checkin' in p ? p.checkin.roomId : p.roomId) !== null;

const maintenanceSchema = z.record(z.string(), z.unknown());

/** Payload of `import.progress`: an import applied in parts reports each part; `done` of `total` rows or sessions. */
export const importProgressSchema = z.object({
  importId: z.string(),
  kind: z.enum(['attendees', 'schedule']),
  done: z.number().int(),
  total: z.number().int(),
});

/**
 * Payload of `session.hidden`: kiosks drop this session. The hub sends it to public sockets in
 * place of the change that made an open session closed-door, while EVENTDAY_PUBLIC_RESTRICTED is
 * `hidden`; it is not emitted by a use case.
 */
export const sessionHiddenSchema = z.object({ sessionId: z.string() });

export const eventCatalogue = {
  'session.created': event('schedule', sessionEventSchema, everyone(sessionEventSchema)),
  'session.updated': event('schedule', sessionEventSchema, everyone(sessionEventSchema)),
  'session.hidden': event('schedule', sessionHiddenSchema, { public: sessionHiddenSchema }),
  'room.created': event('schedule', publicRoomSchema, everyone(publicRoomSchema)),
  'room.updated': event('schedule', publicRoomSchema, everyone(publicRoomSchema)),
  'announcement.created': event('announcements', announcementSchema, everyone(announcementSchema)),
  'announcement.removed': event('announcements', announcementRemovedSchema, everyone(announcementRemovedSchema)),
  'room.occupancy': event('occupancy', occupancyEventSchema, staffRoles(occupancyEventSchema)),
  'room.alert': event('occupancy', alertEventSchema, staffRoles(alertEventSchema)),
  // Ops see a counted number in their change feed; desks and doors have no use for it.
  'room.headcount': event('occupancy', headcountEventSchema, { staff: headcountEventSchema }),
  'checkins.stats': event('checkins', checkinStatsSchema, staffRoles(checkinStatsSchema)),
  // A scan names a person: the desk sees what it acts on, a door only the scans at rooms, never an email.
  'checkin.recorded': event('checkins', checkinRecordedSchema, {
    desk: deskCheckinRecordedSchema,
    door: { schema: doorCheckinRecordedSchema, when: roomScan },
  }),
  'checkin.undone': event('checkins', checkinUndoneSchema, {
    desk: checkinUndoneSchema,
    door: { schema: doorCheckinUndoneSchema, when: roomScan },
  }),
  // Attendee records are for the desk and the organiser: doors get no attendee.* events.
  'attendee.created': event('attendees', attendeeSchema, { desk: attendeeSchema }),
  'attendee.updated': event('attendees', attendeeSchema, { desk: attendeeSchema }),
  'attendee.cancelled': event('attendees', attendeeSchema, { desk: attendeeSchema }),
  'attendee.restored': event('attendees', attendeeSchema, { desk: attendeeSchema }),
  'attendees.imported': event('attendees', attendeesImportedSchema, { desk: attendeesImportedSchema }),
  'badge.reissued': event('attendees', badgeReissuedSchema, { desk: badgeReissuedSchema }),
  'badge.key_created': event('badges', keyCreatedSchema, {}),
  'badge.key_removed': event('badges', removedKeySchema, {}),
  'device.created': event('devices', deviceEventSchema, {}),
  'device.revoked': event('devices', deviceEventSchema, {}),
  'allocation.planned': event('allocation', planDetailSchema, { staff: planDetailSchema }),
  'allocation.proposed': event('allocation', planDetailSchema, { staff: planDetailSchema }),
  'allocation.applied': event('allocation', allocationAppliedSchema, { staff: allocationAppliedSchema }),
  'database.restored': event('maintenance', maintenanceSchema, {}),
  'data.purged': event('maintenance', maintenanceSchema, {}),
  'audit.checkpoint': event('maintenance', checkpointEventSchema, {}),
  'import.progress': event('imports', importProgressSchema, {}),
};

type Catalogue = typeof eventCatalogue;
export type EventName = keyof Catalogue;
export const eventNames = Object.keys(eventCatalogue) as EventName[];

/** What a use case passes to `tx.emit` for an event of this name. */
export type EventPayload<N extends EventName> = z.input<Catalogue[N]['payload']>;

/** What an audience receives as `data` of an event of this name (never: it receives none). */
export type AudiencePayload<N extends EventName, A extends Audience> = Catalogue[N]['audiences'] extends Record<A, { schema: infer S extends z.ZodType }>
  ? z.output<S>
  : never;

/** The event names an audience receives at all. */
export type EventNameFor<A extends Audience> = { [N in EventName]: AudiencePayload<N, A> extends never ? never : N }[EventName];

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(eventCatalogue, name);
}

export function eventDef(name: EventName): EventDef {
  return eventCatalogue[name] as unknown as EventDef;
}

/** The class an event is stored with: public when kiosks get it, staff when only counts, personal when it names someone, else admin. */
export function visibilityOf(name: EventName): Visibility {
  const list = eventDef(name).audiences;
  if (list.public) return 'public';
  if (list.staff && (list.desk || list.door)) return 'staff';
  if (list.desk || list.door) return 'personal';
  if (list.staff) return 'staff';
  return 'admin';
}
