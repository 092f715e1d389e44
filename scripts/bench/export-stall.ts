// Benchmark (issue 13 item 5): the worst event-loop stall and the time to stream 100k attendees as CSV and XLSX.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

const TOKEN = 'bench-admin-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: tsx scripts/bench/export-stall.ts [--rows 100000]');
  process.exit(0);
}
const rows = Number(values.rows);

const dir = mkdtempSync(path.join(tmpdir(), 'eventday-export-'));
const app = await buildApp(loadConfig({ EVENTDAY_DB: path.join(dir, 'bench.db'), EVENTDAY_KEY_DIR: path.join(dir, 'keys'), EVENTDAY_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent' }), {
  logger: createLogger('silent'),
});

// Seeded through the importer, as an organiser would: the export then reads real rows with badges.
const lines = ['name,organization,category,delegation,email,flags,externalId'];
for (let i = 0; i < rows; i++) lines.push(`Attendee Number ${i},Organisation ${i % 500},industry,NL,attendee${i}@example.org,vip,ext-${i}`);
const seeded = await app.inject({ method: 'POST', url: '/api/attendees/import', headers: { ...AUTH, 'content-type': 'text/csv' }, payload: lines.join('\n') });
console.log(`seeded ${rows} attendees: ${seeded.statusCode}`);

for (const format of ['csv', 'xlsx'] as const) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  // A request sent while the export runs: how long it waits is what the export costs everyone else.
  let probes = 0;
  let worstProbe = 0;
  let running = true;
  const probe = (async () => {
    while (running) {
      const start = performance.now();
      await app.inject({ method: 'GET', url: '/healthz' });
      worstProbe = Math.max(worstProbe, performance.now() - start);
      probes += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const heapBefore = process.memoryUsage().heapUsed;
  histogram.enable();
  const start = performance.now();
  const res = await app.inject({ method: 'GET', url: `/api/attendees.${format}`, headers: AUTH });
  const ms = performance.now() - start;
  histogram.disable();
  running = false;
  await probe;
  console.log(
    `attendees.${format}: ${res.statusCode}, ${(res.rawPayload.length / 1e6).toFixed(1)} MB in ${(ms / 1000).toFixed(2)} s; ` +
      `event-loop delay p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms, max ${(histogram.max / 1e6).toFixed(1)} ms; ` +
      `${probes} /healthz probes, slowest ${worstProbe.toFixed(1)} ms; heap +${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(0)} MB (inject buffers the body)`,
  );
}

await app.close();
rmSync(dir, { recursive: true, force: true });
