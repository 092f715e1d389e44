// npm start's build step: rebuilds (npm run build) only when an input changed since the last build, judged by a stamp of input paths, sizes and mtimes in dist/.build-stamp.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What the build reads: the sources, the pages, the migrations and the build's own configuration. */
export const BUILD_INPUTS = ['src', 'web', 'scripts', 'drizzle', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
/** What the build writes and npm start needs. */
export const BUILD_OUTPUTS = ['dist/src/server.js', 'dist/web/kiosk.html'];
export const STAMP_FILE = 'dist/.build-stamp';

function walk(root: string, rel: string, out: string[]): void {
  const full = path.join(root, rel);
  if (!existsSync(full)) return;
  const stat = statSync(full);
  if (!stat.isDirectory()) {
    out.push(`${rel}\t${stat.size}\t${Math.trunc(stat.mtimeMs)}`);
    return;
  }
  for (const name of readdirSync(full).sort()) walk(root, path.join(rel, name), out);
}

/** A hash of every input's path, size and modification time under `root`. */
export function inputsStamp(root: string, inputs: readonly string[] = BUILD_INPUTS): string {
  const lines: string[] = [];
  for (const input of inputs) walk(root, input, lines);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Whether the outputs exist and were built from exactly these inputs. */
export function upToDate(root: string): boolean {
  const stampFile = path.join(root, STAMP_FILE);
  if (!existsSync(stampFile) || BUILD_OUTPUTS.some((f) => !existsSync(path.join(root, f)))) return false;
  return readFileSync(stampFile, 'utf8').trim() === inputsStamp(root);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  if (upToDate(root)) {
    process.stdout.write('build is up to date\n');
  } else {
    const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) process.exit(built.status ?? 1);
    writeFileSync(path.join(root, STAMP_FILE), `${inputsStamp(root)}\n`);
  }
}
