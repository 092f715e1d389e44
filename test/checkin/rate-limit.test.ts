// Rate limits keyed by device: failed scans and searches are limited, valid scans and batch uploads never.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build, testClock } from '../helper.js';
import { countRows, minutes, scan, T0, walkIn } from './fixtures.js';

t.test('the 11th failed scan in a minute is 429; valid scans, other devices and batches pass', async (t) => {
  const clock = testClock(T0);
  const built = await build(t, { deps: { clock } });
  const { app } = built;
  const mia = await walkIn(built, { name: 'Mia' });
  const firstFailure = randomUUID();

  for (let i = 0; i < 10; i++) {
    const res = await scan(built, { scanId: i === 0 ? firstFailure : randomUUID(), code: `WRONG${i}` });
    t.equal(res.json().reason, 'invalid_code', `failure ${i + 1} is answered`);
    clock.advance(1_000);
  }
  const rows = countRows(app, 'checkins');
  const limited = await scan(built, { code: 'WRONG10' });
  t.equal(limited.statusCode, 429);
  t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(limited.json().code, 'rate_limited');
  t.equal(countRows(app, 'checkins'), rows, 'a refused scan writes nothing');

  const valid = await scan(built, { code: mia.code });
  t.equal(valid.statusCode, 200, 'a valid scan from the same device is never limited');
  t.equal(valid.json().result, 'ok');
  const replay = await scan(built, { scanId: firstFailure, code: 'WRONG0' });
  t.equal(replay.statusCode, 200, 'a resent failed scan gets its first answer');
  t.equal(replay.json().replayed, true);

  const other = await scan(built, { code: 'WRONG-ELSEWHERE' }, 'door');
  t.equal(other.statusCode, 200, 'limits are per device, never per IP');

  const batch = await app.inject({
    method: 'POST',
    url: '/api/checkins/batch',
    headers: built.auth('desk'),
    payload: { scans: Array.from({ length: 500 }, (_, i) => ({ scanId: randomUUID(), code: i % 2 === 0 ? mia.code : `BAD${i}` })) },
  });
  t.equal(batch.statusCode, 200, 'a 500-scan upload passes, failures and all');
  t.equal((batch.json().results as { reason: string | null }[]).filter((r) => r.reason === 'invalid_code').length, 250);

  clock.advance(minutes(1));
  const later = await scan(built, { code: 'WRONG11' });
  t.equal(later.statusCode, 200, 'the window slides');
  t.equal(later.json().reason, 'invalid_code');
});

t.test('unknown_attendee counts as a failed scan too', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const { app } = built;
  await walkIn(built, { name: 'Key maker' });
  const { signBadgeCode } = await import('../../src/domain/badge-code.js');
  const key = app.store.sqlite.prepare('SELECT kid, private_key_pem AS privateKeyPem FROM badge_keys').get() as { kid: string; privateKeyPem: string };
  for (let i = 0; i < 10; i++) {
    const res = await scan(built, { code: signBadgeCode(key, { attendeeId: randomUUID(), version: 1 }) }, 'door');
    t.equal(res.json().reason, 'unknown_attendee');
  }
  const limited = await scan(built, { code: signBadgeCode(key, { attendeeId: randomUUID(), version: 1 }) }, 'door');
  t.equal(limited.statusCode, 429);
});

t.test('search: about 60 a minute per device, then 429', async (t) => {
  const built = await build(t);
  const { app } = built;
  const search = (role: 'desk' | 'door') => app.inject({ method: 'GET', url: '/api/attendees?q=an', headers: built.auth(role) });
  for (let i = 0; i < 60; i++) {
    const res = await search('desk');
    if (res.statusCode !== 200) t.fail(`search ${i + 1} answered ${res.statusCode}`);
  }
  const limited = await search('desk');
  t.equal(limited.statusCode, 429);
  t.equal(limited.json().code, 'rate_limited');
  t.equal((await search('door')).statusCode, 200, 'another device is not affected');
});
