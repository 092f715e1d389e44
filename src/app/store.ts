// The store the configuration names (an SQLite file, or a PostgreSQL database shared by several nodes) and the event settings; registered first, so its onClose runs last.
import fp from 'fastify-plugin';
import { openStore, type Store } from '../db/open.js';
import { ensureSettingsIn, type EventSettings } from '../services/settings.js';
import { runAwaiting, runNow } from '../store/op.js';
import type { StoreReader } from '../store/ports.js';
import { PgEventLog, withTransaction } from '../store/pg/event-log.js';
import { openPgStore, type PgStore } from '../store/pg/open.js';
import { pgPorts, pgReader } from '../store/pg/ports.js';

/** The embedded default: one node on one file. */
export interface SqliteAppStore extends Store {
  readonly kind: 'sqlite';
}

/** Several nodes on one database: this node's pool, and the log every node appends to. */
export interface PgAppStore {
  readonly kind: 'postgres';
  /** The database's URL, for the connections that are not pooled (the log tail's listener, the leader's lock). */
  readonly url: string;
  readonly reader: StoreReader;
  readonly pg: PgStore;
  readonly log: PgEventLog;
}

export type AppStore = SqliteAppStore | PgAppStore;

declare module 'fastify' {
  interface FastifyInstance {
    store: AppStore;
    settings: EventSettings;
  }
}

export default fp(
  async (app) => {
    const database = app.appConfig.database;
    const timeZone = app.appConfig.timeZone;
    if (database.kind === 'sqlite') {
      const store = openStore(database.file);
      try {
        app.decorate('settings', store.sqlite.transaction(() => runNow(ensureSettingsIn(store.ports, timeZone, app.clock())))());
      } catch (err) {
        store.sqlite.close();
        throw err;
      }
      app.decorate<AppStore>('store', { kind: 'sqlite', ...store });
      app.addHook('onClose', async () => {
        store.sqlite.close();
      });
      return;
    }
    const pgStore = await openPgStore(database.url, { schema: database.schema, max: database.poolSize });
    const log = new PgEventLog(pgStore.pool, database.schema);
    try {
      // Nodes starting on a new database at once each try to create the one settings row; one insert wins and all read it.
      app.decorate(
        'settings',
        await withTransaction(pgStore.pool, (client) => runAwaiting(ensureSettingsIn(pgPorts(client, log), timeZone, app.clock()))),
      );
    } catch (err) {
      await pgStore.close();
      throw err;
    }
    app.decorate<AppStore>('store', { kind: 'postgres', url: database.url, reader: pgReader(pgStore.pool, log), pg: pgStore, log });
    app.addHook('onClose', async () => {
      await pgStore.close();
    });
  },
  { name: 'eventday-store', dependencies: ['eventday-context'] },
);
