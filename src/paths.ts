// Where the project's own files are (migrations, the built pages), whether running from src/ under tsx or from dist/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, found by walking up from this module. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'drizzle'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('project root (package.json beside drizzle/) not found');
    dir = parent;
  }
}

export const migrationsFolder = (): string => path.join(projectRoot(), 'drizzle', 'sqlite');
export const pgMigrationsFolder = (): string => path.join(projectRoot(), 'drizzle', 'pg');
export const webBuildFolder = (): string => path.join(projectRoot(), 'dist', 'web');
