// /readyz asks the database: a node whose store does not answer takes no traffic, while /healthz still says the process lives.
import t from 'tap';
import { build } from '../helper.js';

t.test('/readyz is 200 while the database answers and 503 database_unavailable once it does not', async (t) => {
  const b = await build(t, { close: false });
  t.teardown(() => b.app.close().catch(() => undefined));
  const ready = await b.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ready' });

  // The connection is gone (as a database server that went away would leave it): SQLite's file, or PostgreSQL's pool.
  const store = b.app.store;
  if (store.kind === 'sqlite') store.sqlite.close();
  else await store.pg.close();
  const down = await b.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(down.statusCode, 503);
  t.equal(down.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(down.json().code, 'database_unavailable');
  t.notMatch(down.body, /not open|sqlite|pool/i, 'the driver message stays in the log');
  t.equal((await b.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'liveness is the process, not the database');
});
