// Every route plugin of the API, one per resource, registered in this order by buildApp.
import type { FastifyPluginAsync } from 'fastify';
import announcements from './announcements.js';
import devices from './devices.js';
import live from './live.js';
import ops from './ops.js';

export const routePlugins: FastifyPluginAsync[] = [ops, devices, announcements, live];
