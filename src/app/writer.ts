// The event log and the Writer on top of it: the one write path, one transaction and its events per use case.
import fp from 'fastify-plugin';
import { EventLog } from '../live/event-log.js';
import { Writer } from '../store/sqlite/writer.js';

declare module 'fastify' {
  interface FastifyInstance {
    eventLog: EventLog;
    writer: Writer;
  }
}

export default fp(
  async (app) => {
    const log = new EventLog(app.store.sqlite, app.settings.epoch);
    app.decorate('eventLog', log);
    app.decorate('writer', new Writer(app.store, log, app.clock));
  },
  { name: 'eventday-writer', dependencies: ['eventday-store'] },
);
