// npm run bench: the benchmarks of issue 15 one after another, each in its own process, then one table of figure, goal, met or not.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Figure } from './lib.js';

const USAGE = `usage: npm run bench [-- --quick] [-- --only checkin,fanout,allocation,schedule,imports]
  --quick  smaller runs (about 2 minutes in all): the figures are rougher, the table the same
  --only   run only these benchmarks`;

interface Step {
  name: string;
  script: string;
  full: string[];
  quick: string[];
}

const STEPS: Step[] = [
  {
    name: 'checkin',
    script: 'checkin.ts',
    full: [],
    quick: ['--seconds', '5', '--warmup', '1', '--attendees', '5000', '--search-attendees', '20000', '--search-queries', '1000'],
  },
  {
    name: 'fanout',
    script: 'fanout.ts',
    full: ['--sockets', '5000,10000,20000', '--rates', '2,10', '--max-minutes', '30'],
    quick: ['--quick', '--rates', '10', '--seconds', '4', '--drain', '2', '--max-minutes', '3'],
  },
  { name: 'allocation', script: 'allocation.ts', full: [], quick: ['--quick'] },
  { name: 'schedule', script: 'schedule.ts', full: [], quick: ['--quick'] },
  { name: 'imports', script: 'import-stall.ts', full: ['--rows', '20000'], quick: ['--rows', '20000', '--sessions', '5000'] },
];

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const only = values.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((name) => !STEPS.some((s) => s.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown benchmark: ${unknown.join(', ')}\n${USAGE}`);
  process.exit(2);
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs one benchmark with its output shown as it comes; resolves with its exit code. */
function runStep(step: Step, json: string): Promise<number> {
  const args = ['--import', 'tsx', path.join(here, step.script), ...(values.quick ? step.quick : step.full), '--json', json];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const work = mkdtempSync(path.join(tmpdir(), 'eventday-bench-all-'));
const started = performance.now();
const load = loadavg()[0]!;
const rows: (Figure & { bench: string })[] = [];
const failed: string[] = [];
try {
  for (const step of STEPS) {
    if (only && !only.includes(step.name)) continue;
    console.log(`\n=== ${step.name} (scripts/bench/${step.script}${values.quick ? ', quick' : ''})\n`);
    const json = path.join(work, `${step.name}.jsonl`);
    const code = await runStep(step, json);
    if (code !== 0) failed.push(`${step.name} (exit ${code})`);
    let text = '';
    try {
      text = readFileSync(json, 'utf8');
    } catch {
      // A benchmark that stopped before its figures wrote none: it shows as failed below.
    }
    for (const line of text.split('\n')) if (line.trim() !== '') rows.push({ bench: step.name, ...(JSON.parse(line) as Figure) });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const format = (f: Figure): string => `${f.value >= 100 ? f.value.toFixed(0) : f.value.toFixed(2)}${f.unit === '×' ? '×' : ` ${f.unit}`}`;
const table = [
  ['benchmark', 'figure', 'measured', 'goal', 'met'],
  ...rows.map((r) => [r.bench, r.figure, format(r), r.goal, r.met ? 'yes' : 'NO']),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
const print = (row: string[]): string => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
console.log(`\n=== issue 15 goals${values.quick ? ' (quick run: rough figures)' : ''}; load average ${load.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, ${cpus().length} cores, Node ${process.version}, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
console.log(print(table[0]!));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table.slice(1)) console.log(print(row));
console.log(`\n${rows.filter((r) => r.met).length} of ${rows.length} met`);
if (failed.length > 0) {
  console.log(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
