// The SQLite store and the event settings; registered first, so its onClose (closing the file) runs last.
import fp from 'fastify-plugin';
import { openStore, type Store } from '../db/open.js';
import { ensureSettings, type EventSettings } from '../services/settings.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    settings: EventSettings;
  }
}

export default fp(
  async (app) => {
    const store = openStore(app.appConfig.dbFile);
    try {
      app.decorate('settings', store.sqlite.transaction(() => ensureSettings(store, app.appConfig.timeZone, app.clock()))());
    } catch (err) {
      store.sqlite.close();
      throw err;
    }
    app.decorate('store', store);
    app.addHook('onClose', async () => {
      store.sqlite.close();
    });
  },
  { name: 'eventday-store', dependencies: ['eventday-context'] },
);
