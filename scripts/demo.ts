// npm run demo: seeds the demo conference into its own database (once), prints fresh device tokens and page URLs, and serves it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { roles, type Role } from '../src/core/vocabulary.js';
import { localDateOf } from '../src/core/time.js';
import { createLogger } from '../src/logger.js';
import { parseCommandLine } from './cli.js';
import { demoAttendeesCsv, demoProgramme, demoRooms } from './demo-data.js';

const USAGE = `usage: npm run demo

Seeds the demo conference into EVENTDAY_DB (default ./data/demo.db) once, replaces the demo
devices, prints their tokens and the page URLs, and serves it until SIGTERM/SIGINT.
Exit 0 after a clean shutdown; 1 when seeding or starting fails; 2 on a wrong command line.`;
parseCommandLine(USAGE, { options: {} });

const DEMO_DEVICE_PREFIX = 'Demo ';

const config = loadConfig({ ...process.env, EVENTDAY_DB: process.env.EVENTDAY_DB ?? './data/demo.db' });
const logger = createLogger(config.logLevel);
const app = await buildApp(config, { logger });

async function call(method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: unknown, contentType?: string): Promise<unknown> {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
    ...(payload === undefined ? {} : { payload: payload as string }),
  });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.body.length > 0 ? res.json() : null;
}

/** Tokens are kept only as hashes, so each run replaces the demo devices and shows the new tokens. */
async function freshDevices(server: FastifyInstance): Promise<Record<Role, string>> {
  const devices = server.services.devices;
  for (const d of devices.list()) {
    if (d.name.startsWith(DEMO_DEVICE_PREFIX) && d.revokedAt === null) await devices.revoke(null, d.id);
  }
  const tokens = {} as Record<Role, string>;
  for (const role of roles) {
    tokens[role] = (await devices.create(null, `${DEMO_DEVICE_PREFIX}${role}`, role)).token;
  }
  return tokens;
}

async function seedProgramme(admin: string): Promise<void> {
  const sessions = (await call('GET', '/api/sessions', admin)) as unknown[];
  if (sessions.length > 0) return;
  const firstDay = localDateOf(app.clock(), { kind: 'iana', name: config.timeZone });
  const { schedule, extras } = demoProgramme(firstDay, config.timeZone);
  // The programme goes in the way an organiser's would: as a schedule.json file through the importer.
  const file = path.join(path.dirname(path.resolve(config.dbFile)), 'demo-schedule.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(schedule, null, 2));
  await call('POST', '/api/schedule/import', admin, JSON.stringify(schedule), 'application/json');

  const rooms = (await call('GET', '/api/rooms', admin)) as { id: string; name: string }[];
  for (const room of rooms) {
    const spec = demoRooms.find((r) => r.name === room.name);
    if (spec) await call('PATCH', `/api/rooms/${room.id}`, admin, { capacity: spec.capacity, features: spec.features });
  }
  // What schedule.json cannot carry (theme, access, expected attendance, features) is set per session.
  const byStart = new Map<string, ReturnType<typeof extras.get>>();
  const days = (schedule.schedule as { conference: { days: { rooms: Record<string, { title: string; date: string; guid: string }[]> }[] } })
    .conference.days;
  for (const day of days) {
    for (const events of Object.values(day.rooms)) {
      for (const e of events) byStart.set(`${e.title}|${Date.parse(e.date)}`, extras.get(`guid:${e.guid}`));
    }
  }
  const imported = (await call('GET', '/api/sessions', admin)) as { id: string; title: string; startsAt: string; version: number }[];
  for (const s of imported) {
    const extra = byStart.get(`${s.title}|${Date.parse(s.startsAt)}`);
    if (extra) await call('PATCH', `/api/sessions/${s.id}`, admin, { version: s.version, ...extra });
  }
}

async function seedAttendees(admin: string): Promise<void> {
  const found = (await call('GET', '/api/attendees?q=ministry&limit=1', admin)) as unknown[];
  if (found.length > 0) return;
  const report = (await call('POST', '/api/attendees/import', admin, demoAttendeesCsv(), 'text/csv')) as { created: number; errors: unknown[] };
  if (report.errors.length > 0) throw new Error(`demo attendees did not import cleanly: ${JSON.stringify(report.errors.slice(0, 3))}`);
}

const tokens = await freshDevices(app);
await seedProgramme(tokens.admin);
await seedAttendees(tokens.admin);

closeWithGrace({ delay: 10_000, logger }, async () => {
  await app.close();
});
await app.listen({ port: config.port, host: config.host });

const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
const out = [
  '',
  `eventday demo: ${config.dbFile}`,
  '',
  ...roles.map((role) => `  ${role.padEnd(6)} token  ${tokens[role]}`),
  '',
  `  kiosk      ${base}/kiosk#token=${tokens.kiosk}`,
  `  desk       ${base}/desk#token=${tokens.desk}`,
  `  dashboard  ${base}/dashboard#token=${tokens.ops}`,
  `  API docs   ${base}/docs`,
  '',
  'Tokens are shown only now: every run of npm run demo replaces the demo devices.',
  '',
];
process.stdout.write(out.join('\n'));
