// Benchmark (issue 12 item 3): /healthz latency while desks flood POST /api/checkins/batch with forged codes, on a real server process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, numericFlags, quantile, sleep, startServer } from '../reliability/lib.js';

const USAGE = 'usage: npx tsx scripts/bench/batch-flood.ts [--seconds 10] [--flooders 4] [--batch 500] [--health-rate 50]';
const opts = numericFlags(process.argv.slice(2), { seconds: 10, flooders: 4, batch: 500, 'health-rate': 50 }, USAGE);
const ADMIN = 'bench-admin-token-0123456789abcdef';

const dir = mkdtempSync(path.join(tmpdir(), 'eventday-flood-'));
const server = await startServer({ dbFile: path.join(dir, 'flood.db'), adminToken: ADMIN, env: { LOG_LEVEL: 'error' } });
try {
  const admin = new Client(server.port, 4);
  const desks: string[] = [];
  for (let i = 0; i < opts.flooders; i++) {
    desks.push((await admin.json<{ token: string }>('POST', '/api/devices', { token: ADMIN, body: { name: `Flooder ${i}`, role: 'desk' } })).token);
  }
  const deadline = performance.now() + opts.seconds * 1000;
  let batches = 0;
  let refused = 0;
  let items = 0;
  const reasons = new Map<string, number>();
  const flood = async (token: string, n: number) => {
    const client = new Client(server.port, 1, 60_000);
    // One body, sent again and again: building 500 scans per request would load this process, not the server.
    const raw = JSON.stringify({ scans: Array.from({ length: opts.batch }, (_, i) => ({ scanId: `f${n}-${i}`, code: `FORGED${n}X${i}` })) });
    while (performance.now() < deadline) {
      const reply = await client.request('POST', '/api/checkins/batch', { token, raw });
      batches += 1;
      if (reply.status === 429) {
        refused += 1;
        continue;
      }
      for (const r of (JSON.parse(reply.body) as { results: { reason: string | null }[] }).results) {
        items += 1;
        reasons.set(r.reason ?? 'ok', (reasons.get(r.reason ?? 'ok') ?? 0) + 1);
      }
    }
    client.close();
  };
  const health = async () => {
    const client = new Client(server.port, 1);
    const latencies: number[] = [];
    while (performance.now() < deadline) {
      latencies.push((await client.request('GET', '/healthz')).ms);
      await sleep(1000 / opts['health-rate']);
    }
    client.close();
    return latencies;
  };
  const [latencies] = await Promise.all([health(), ...desks.map((token, n) => flood(token, n))]);
  const seconds = opts.seconds;
  process.stdout.write(
    [
      `batch flood: ${opts.flooders} desks × batches of ${opts.batch} forged codes for ${seconds} s`,
      `  batches sent: ${batches}, ${refused} refused whole (429, the per-device batch limit); items judged: ${(items / seconds).toFixed(0)}/s; reasons: ${[...reasons].map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `  /healthz: n=${latencies.length} p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms (goal p99 < 50 ms)`,
      '',
    ].join('\n'),
  );
  admin.close();
} finally {
  server.child.kill('SIGTERM');
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
}
