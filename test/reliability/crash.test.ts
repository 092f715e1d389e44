// Runs scripts/crash-test.ts with 2 rounds: SIGKILL under 16 scanners, restart, nothing acknowledged lost, integrity ok.
import { spawn } from 'node:child_process';
import t from 'tap';
import { ROOT } from '../../scripts/reliability/lib.js';

t.test('crash-test: 2 rounds of SIGKILL under load lose no acknowledged scan', async (t) => {
  // Its own process group: on a timeout the script and the servers it started go together.
  const child = spawn('npx', ['tsx', 'scripts/crash-test.ts', '--rounds', '2'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  t.teardown(killGroup);
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(killGroup, 100_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  t.equal(code, 0, output);
  t.match(output, /^total: 2 rounds, acknowledged [1-9]\d* .*lost 0,/m, 'acknowledged scans, none lost');
  t.notMatch(output, /BROKEN|problem:/);
});
