// Every route plugin of the API, one per resource, registered in this order by buildApp.
import type { FastifyPluginAsync } from 'fastify';
import allocation from './allocation.js';
import announcements from './announcements.js';
import attendees from './attendees.js';
import badges from './badges.js';
import checkins from './checkins.js';
import devices from './devices.js';
import exportRoutes from './exports.js';
import headcount from './headcount.js';
import live from './live.js';
import ops from './ops.js';
import rooms from './rooms.js';
import schedule from './schedule.js';
import sessions from './sessions.js';

export const routePlugins: FastifyPluginAsync[] = [ops, devices, rooms, sessions, schedule, announcements, headcount, allocation, attendees, badges, checkins, exportRoutes, live];
