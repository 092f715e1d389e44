// Rate limits keyed by device: failed scans (single or in a batch) and searches are limited, valid scans never.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build, testClock } from '../helper.js';
import { countRows, minutes, scan, T0, walkIn } from './fixtures.js';

t.test('the 11th failed scan in a minute is 429; valid scans and other devices pass; a batch shares the budget', async (t) => {
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
  const rows = await countRows(app, 'checkins');
  const limited = await scan(built, { code: 'WRONG10' });
  t.equal(limited.statusCode, 429);
  t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(limited.json().code, 'rate_limited');
  t.equal(await countRows(app, 'checkins'), rows, 'a refused scan writes nothing');

  const valid = await scan(built, { code: mia.code });
  t.equal(valid.statusCode, 200, 'a valid scan from the same device is never limited');
  t.equal(valid.json().result, 'ok');
  const replay = await scan(built, { scanId: firstFailure, code: 'WRONG0' });
  t.equal(replay.statusCode, 200, 'a resent failed scan gets its first answer');
  t.equal(replay.json().replayed, true);

  const other = await scan(built, { code: 'WRONG-ELSEWHERE' }, 'door');
  t.equal(other.statusCode, 200, 'limits are per device, never per IP');

  // Issue 12: a batch of forged codes used to bypass the budget (1,737 forged scans/s recorded and broadcast).
  const beforeBatch = await countRows(app, 'checkins');
  const batch = await app.inject({
    method: 'POST',
    url: '/api/checkins/batch',
    headers: built.auth('desk'),
    payload: { scans: Array.from({ length: 500 }, (_, i) => ({ scanId: randomUUID(), code: i % 2 === 0 ? mia.code : `BAD${i}` })) },
  });
  t.equal(batch.statusCode, 200, 'a 500-scan upload is answered per item');
  const reasons = (batch.json().results as { result: string; reason: string | null }[]).map((r) => r.reason);
  t.equal(reasons.filter((r) => r === 'invalid_code').length, 0, 'no forged code is judged past the budget');
  t.equal(reasons.filter((r) => r === 'rate_limited').length, 250, 'each failed item past the budget answers rate_limited');
  t.equal(reasons.filter((r) => r === null || r === 'already_checked_in').length, 250, 'the valid scans in the same batch are still decided');
  t.equal(await countRows(app, 'checkins'), beforeBatch + 250, 'rate-limited items are not recorded, so they can be sent again');

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
  // The signing key lives in the key folder, not the database: the service hands the test its signer.
  const key = await app.services.badges.signingKey();
  for (let i = 0; i < 10; i++) {
    const res = await scan(built, { code: signBadgeCode(key, { attendeeId: randomUUID(), version: 1 }) }, 'door');
    t.equal(res.json().reason, 'unknown_attendee');
  }
  const limited = await scan(built, { code: signBadgeCode(key, { attendeeId: randomUUID(), version: 1 }) }, 'door');
  t.equal(limited.statusCode, 429);
});

t.test('search: about 60 a minute per device (API.md), then 429', async (t) => {
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
