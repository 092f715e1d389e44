// Opens the SQLite file with the pragmas eventday relies on and applies the migrations.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrationsFolder } from '../paths.js';
import * as schema from './schema.js';
import type { StorePorts, StoreReader } from '../store/ports.js';
import { sqlitePorts, sqliteReader } from '../store/sqlite/ports.js';

export type Sqlite = Database.Database;
export type Db = BetterSQLite3Database<typeof schema>;

export interface Store {
  sqlite: Sqlite;
  db: Db;
  /** The ports on this connection, for the Writer's units of work. */
  ports: StorePorts;
  /** Reads outside a unit of work. */
  reader: StoreReader;
}

export interface PragmaOptions {
  /**
   * `'wal'` (the default) for the service's database; `'delete'` for a file meant to travel
   * alone (a backup, a restore copy): no -wal beside it to lose.
   */
  journalMode?: 'wal' | 'delete';
  /** Freed pages are overwritten with zeros (a purge), instead of being left for reuse. */
  secureDelete?: boolean;
}

/**
 * The pragmas of every connection that writes, the service's and the maintenance scripts' alike.
 * better-sqlite3 reopens a WAL database with synchronous=NORMAL without a word, which can lose
 * acknowledged commits on power loss: set FULL on every open and refuse to run otherwise.
 */
export function applyPragmas(sqlite: Sqlite, options: PragmaOptions = {}): void {
  const journalMode = options.journalMode ?? 'wal';
  sqlite.pragma(`journal_mode = ${journalMode === 'wal' ? 'WAL' : 'DELETE'}`);
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('wal_autocheckpoint = 0');
  if (options.secureDelete === true) sqlite.pragma('secure_delete = ON');
  const mode = sqlite.pragma('journal_mode', { simple: true });
  const sync = sqlite.pragma('synchronous', { simple: true });
  const fk = sqlite.pragma('foreign_keys', { simple: true });
  const secure = options.secureDelete === true ? sqlite.pragma('secure_delete', { simple: true }) : 1;
  if (mode !== journalMode || sync !== 2 || fk !== 1 || secure !== 1) {
    throw new Error(
      `SQLite pragmas not in force (journal_mode=${String(mode)}, synchronous=${String(sync)}, foreign_keys=${String(fk)}, secure_delete=${String(secure)})`,
    );
  }
}

export function openStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  try {
    applyPragmas(sqlite);
    migrate(drizzle(sqlite, { schema }), { migrationsFolder: migrationsFolder() });
    return storeOn(sqlite);
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

/** The store on a connection whose schema is current: the drizzle handle, the ports and the reader. */
export function storeOn(sqlite: Sqlite): Store {
  const db = drizzle(sqlite, { schema });
  const ports = sqlitePorts(sqlite, db);
  return { sqlite, db, ports, reader: sqliteReader(ports) };
}

/** Moves the WAL into the main file without blocking writers; run from a timer, not a request. */
export function checkpoint(sqlite: Sqlite): void {
  sqlite.pragma('wal_checkpoint(PASSIVE)');
}
