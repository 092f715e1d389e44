// Opens the SQLite file with the pragmas eventday relies on and applies the migrations.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrationsFolder } from '../paths.js';
import * as schema from './schema.js';

export type Sqlite = Database.Database;
export type Db = BetterSQLite3Database<typeof schema>;

export interface Store {
  sqlite: Sqlite;
  db: Db;
}

/**
 * better-sqlite3 reopens a WAL database with synchronous=NORMAL without a word, which can lose
 * acknowledged commits on power loss: set FULL on every open and refuse to run otherwise.
 */
export function applyPragmas(sqlite: Sqlite): void {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('wal_autocheckpoint = 0');
  const mode = sqlite.pragma('journal_mode', { simple: true });
  const sync = sqlite.pragma('synchronous', { simple: true });
  const fk = sqlite.pragma('foreign_keys', { simple: true });
  if (mode !== 'wal' || sync !== 2 || fk !== 1) {
    throw new Error(`SQLite pragmas not in force (journal_mode=${String(mode)}, synchronous=${String(sync)}, foreign_keys=${String(fk)})`);
  }
}

export function openStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  try {
    applyPragmas(sqlite);
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: migrationsFolder() });
    return { sqlite, db };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

/** Moves the WAL into the main file without blocking writers; run from a timer, not a request. */
export function checkpoint(sqlite: Sqlite): void {
  sqlite.pragma('wal_checkpoint(PASSIVE)');
}
