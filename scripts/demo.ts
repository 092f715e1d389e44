// npm run demo: seeds the demo conference into its own database (once), sets the demo's clock (--at), prints one block of links with tokens, and serves it.
import type { AddressInfo } from 'node:net';
import closeWithGrace from 'close-with-grace';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { parseTimeOfDay, toWallClock, formatTimeOfDay } from '../src/core/time.js';
import { roles, type Role } from '../src/core/vocabulary.js';
import { createLogger } from '../src/logger.js';
import { newToken } from '../src/services/devices.js';
import { parseCommandLine, usageExit } from './cli.js';
import { DEFAULT_AT, Demo } from './demo-seed.js';
import { readTokens, tokensFile, writeTokens } from './demo-tokens.js';

const USAGE = `usage: npm run demo [-- --at HH:MM]

Seeds the demo conference into EVENTDAY_DB (default ./data/demo.db) once and serves it until
SIGTERM/SIGINT. --at HH:MM (or EVENTDAY_DEMO_AT) makes that local time of the conference's first
day "now" in the demo, whatever the real hour; without it the real time of day is used when
something is on then, else ${DEFAULT_AT}. The device tokens are kept in <db>.demo-tokens.json
(0600, demo only) so that a rerun prints the same links.
Exit 0 after a clean shutdown; 1 when seeding or starting fails; 2 on a wrong command line.`;
const { values } = parseCommandLine(USAGE, { options: { at: { type: 'string' } } });
const atOption = values.at ?? process.env.EVENTDAY_DEMO_AT;
if (atOption !== undefined && parseTimeOfDay(atOption) === null) usageExit(USAGE, `--at wants a time of day as HH:MM, not "${atOption}"`);

const DEMO_DEVICE_PREFIX = 'Demo ';
const dbFile = process.env.EVENTDAY_DB ?? './data/demo.db';
const file = tokensFile(dbFile);
const kept = readTokens(file);
const config = loadConfig({ ...process.env, EVENTDAY_DB: dbFile, EVENTDAY_ADMIN_TOKEN: kept.admin ?? process.env.EVENTDAY_ADMIN_TOKEN ?? newToken() });
// Quiet unless asked: the block of links below is what a person starting the demo needs to see.
const logger = createLogger(process.env.LOG_LEVEL === undefined ? 'warn' : config.logLevel);
let offset = 0;
const app = await buildApp(config, { logger, clock: () => Date.now() + offset });

/** The kept tokens that still work; a new device for each role that has none. */
async function demoTokens(): Promise<Record<Role, string>> {
  const devices = app.services.devices;
  const tokens = {} as Record<Role, string>;
  for (const role of roles) {
    const candidate = role === 'admin' ? (kept.admin ?? config.adminToken) : kept[role];
    if (candidate !== undefined && (await devices.authenticate(candidate))?.role === role) tokens[role] = candidate;
    else tokens[role] = (await devices.create(null, `${DEMO_DEVICE_PREFIX}${role}`, role)).token;
  }
  writeTokens(file, tokens);
  return tokens;
}

const tokens = await demoTokens();
const demo = new Demo(app, tokens.admin, config.timeZone);
const firstDay = await demo.firstDay(Date.now());
const realTimeOfDay = formatTimeOfDay(toWallClock(Date.now(), demo.zone));
const setNow = (hhmm: string): void => {
  offset = demo.instant(firstDay, hhmm) - Date.now();
};
setNow(atOption ?? realTimeOfDay);
const seeded = await demo.seedProgramme(config.dbFile, firstDay);
if (atOption === undefined && !(await demo.somethingOnAt(firstDay, realTimeOfDay))) setNow(DEFAULT_AT);
if (seeded) await demo.seedChanges(firstDay);
await demo.seedAttendees();
await demo.fillRooms(app.clock());

closeWithGrace({ delay: 10_000, logger }, async () => {
  await app.close();
});
await app.listen({ port: config.port, host: config.host });

const { port } = app.server.address() as AddressInfo;
const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
const rooms = await demo.rooms();
const plenary = rooms.find((r) => r.name === 'Plenary Hall') ?? rooms[0];
const nowWall = toWallClock(app.clock(), demo.zone);
const out = [
  '',
  `eventday demo — now in the demo: ${firstDay} ${formatTimeOfDay(nowWall)} (${config.timeZone})`,
  '',
  `  start page   ${base}/`,
  `  kiosk        ${base}/kiosk#token=${tokens.kiosk}`,
  ...(plenary ? [`  door screen  ${base}/kiosk?roomIds=${plenary.id}#token=${tokens.kiosk}`] : []),
  `  desk         ${base}/desk#token=${tokens.desk}`,
  `  dashboard    ${base}/dashboard#token=${tokens.ops}`,
  `  API docs     ${base}/docs`,
  '',
  `  admin token  ${tokens.admin}`,
  '',
  `  database ${config.dbFile}; tokens kept in ${file} (demo only) for the next run`,
  '',
  '',
];
process.stdout.write(out.join('\n'));
