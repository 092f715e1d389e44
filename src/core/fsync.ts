// Durability for files outside SQLite: a written file or a renamed entry is on disk only once it (or its folder) is fsynced.
import { closeSync, fsyncSync, openSync } from 'node:fs';

export function fsyncPath(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
