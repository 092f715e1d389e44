// Builds the floor pages: bundles web/src/{kiosk,desk,dashboard}.ts with esbuild and copies the html and css next to them.
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webRoot = path.join(repoRoot, 'web');

export const PAGES = ['kiosk', 'desk', 'dashboard'] as const;

/**
 * Writes `<outDir>/{kiosk,desk,dashboard}.html` and `<outDir>/assets/` (scripts, source maps, css).
 * A relative outDir is taken from the repository root, so the result does not depend on the cwd.
 */
export async function buildWeb(outDir = 'dist/web'): Promise<void> {
  const out = path.resolve(repoRoot, outDir);
  const assets = path.join(out, 'assets');
  // Only the assets folder is cleared: outDir may be shared, and stale bundles must not linger.
  await rm(assets, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });

  await build({
    entryPoints: PAGES.map((p) => path.join(webRoot, 'src', `${p}.ts`)),
    outdir: assets,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    charset: 'utf8',
    tsconfig: path.join(webRoot, 'tsconfig.json'),
    logLevel: 'warning',
  });

  // index.html is the landing page at /: no script of its own.
  await Promise.all([...PAGES, 'index'].map((p) => copyFile(path.join(webRoot, `${p}.html`), path.join(out, `${p}.html`))));
  const styles = (await readdir(path.join(webRoot, 'styles'))).filter((f) => f.endsWith('.css'));
  await Promise.all(styles.map((f) => copyFile(path.join(webRoot, 'styles', f), path.join(assets, f))));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const outDir = process.argv[2] ?? 'dist/web';
  buildWeb(outDir).then(
    () => process.stdout.write(`web pages built into ${path.resolve(repoRoot, outDir)}\n`),
    (err: unknown) => {
      process.stderr.write(`web build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
