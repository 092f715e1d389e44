// Badges: public keys that verify codes offline, reprint revokes every earlier code, key rotation and removal, the printable SVG.
import { createPublicKey } from 'node:crypto';
import t from 'tap';
import { badgePublicKeys, verifyBadgeCode } from '../../src/domain/badge-code.js';
import { build, testClock, sqliteOf, storeSql } from '../helper.js';
import { scan, T0, walkIn } from './fixtures.js';

interface KeyList {
  alg: string;
  activeKid: string;
  keys: { kid: string; active: boolean; publicKeyPem: string; jwk: { kty: string; crv: string; x: string; kid: string } }[];
}

t.test('public keys verify badge codes offline, as PEM and as JWK', async (t) => {
  const built = await build(t);
  const { app } = built;
  const first = await app.inject({ method: 'GET', url: '/api/badges/public-key', headers: built.auth('door') });
  t.equal(first.statusCode, 200);
  const list = first.json() as KeyList;
  t.equal(list.alg, 'EdDSA');
  t.equal(list.keys.length, 1, 'a key is created on first need');
  t.equal(list.keys[0]!.kid, list.activeKid);
  t.ok(list.activeKid.length <= 8, 'a short kid keeps the QR small');
  t.notOk(JSON.stringify(list).includes('PRIVATE'), 'never a private key');

  const uma = await walkIn(built, { name: 'Uma' });
  const fromPem = badgePublicKeys(list.keys);
  t.match(verifyBadgeCode(uma.code, fromPem), { ok: true, attendeeId: uma.id, version: 1, kid: list.activeKid });
  const fromJwk = new Map(list.keys.map((k) => [k.kid, createPublicKey({ key: k.jwk, format: 'jwk' })]));
  t.match(verifyBadgeCode(uma.code, fromJwk), { ok: true, attendeeId: uma.id });
  t.notOk(uma.code.includes('Uma'), 'the code carries no personal data');
});

t.test('reprint: a new version, every earlier code revoked', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const { app } = built;
  const vic = await walkIn(built, { name: 'Vic' });
  const current = await app.inject({ method: 'GET', url: `/api/attendees/${vic.id}/badge`, headers: built.auth('desk') });
  t.equal(current.headers['cache-control'], 'no-store', 'the code is a credential: no shared cache keeps it');
  t.same(current.json(), { code: vic.code, version: 1, issuedAt: '2026-02-15T08:00:00Z' });

  const v2 = (await app.inject({ method: 'POST', url: `/api/attendees/${vic.id}/badge`, headers: built.auth('desk') })).json();
  const v3 = await app.inject({ method: 'POST', url: `/api/attendees/${vic.id}/badge`, headers: built.auth('admin') });
  t.equal(v3.statusCode, 201);
  t.match(v3.json(), { version: 3, code: String });
  t.same((await app.inject({ method: 'GET', url: `/api/attendees/${vic.id}/badge`, headers: built.auth('desk') })).json(), v3.json());

  t.match((await scan(built, { code: vic.code })).json(), { result: 'rejected', reason: 'revoked_badge' });
  t.match((await scan(built, { code: v2.code })).json(), { result: 'rejected', reason: 'revoked_badge' });
  t.match((await scan(built, { code: v3.json().code })).json(), { result: 'ok' });
  t.match((await scan(built, { code: v3.json().code.toLowerCase() })).json(), { result: 'warning' }, 'a scanner with Caps Lock inverted still reads it');
  const revoked = await storeSql(app).get('SELECT COUNT(*) AS n FROM badges WHERE attendee_id = ? AND revoked_at IS NOT NULL', vic.id);
  t.same(revoked, { n: 2 });
  t.equal((await app.inject({ method: 'POST', url: '/api/attendees/nobody/badge', headers: built.auth('desk') })).statusCode, 404);
  const event = (await storeSql(app).get<{ payload: string }>("SELECT payload FROM events WHERE name = 'badge.reissued'"))!;
  t.notOk(event.payload.includes(v2.code), 'the event log never holds a code');
});

t.test('rotation: new badges use the new key, old codes verify until their key is removed', async (t) => {
  const built = await build(t, { deps: { clock: testClock(T0) } });
  const { app } = built;
  const old = await walkIn(built, { name: 'Old Key' });
  const before = (await app.inject({ method: 'GET', url: '/api/badges/public-key', headers: built.auth('desk') })).json() as KeyList;
  t.equal((await app.inject({ method: 'POST', url: '/api/badges/keys/rotate', headers: built.auth('desk') })).statusCode, 403);
  const rotated = await app.inject({ method: 'POST', url: '/api/badges/keys/rotate', headers: built.auth('admin') });
  t.equal(rotated.statusCode, 201);
  t.same(rotated.json().retired, [before.activeKid]);
  const after = (await app.inject({ method: 'GET', url: '/api/badges/public-key', headers: built.auth('desk') })).json() as KeyList;
  t.equal(after.keys.length, 2);
  t.equal(after.activeKid, rotated.json().kid);
  t.same(after.keys.filter((k) => k.active).map((k) => k.kid), [rotated.json().kid]);

  const fresh = await walkIn(built, { name: 'New Key' });
  t.match(verifyBadgeCode(fresh.code, badgePublicKeys(after.keys)), { ok: true, kid: rotated.json().kid });
  t.match((await scan(built, { code: old.code })).json(), { result: 'ok' }, 'a retired key still verifies');
  t.match((await scan(built, { code: fresh.code })).json(), { result: 'ok' });

  const active = await app.inject({ method: 'DELETE', url: `/api/badges/keys/${after.activeKid}`, headers: built.auth('admin') });
  t.equal(active.statusCode, 409);
  t.equal(active.json().code, 'key_active');
  const removed = await app.inject({ method: 'DELETE', url: `/api/badges/keys/${before.activeKid}`, headers: built.auth('admin') });
  t.same(removed.json(), { kid: before.activeKid, badgesAffected: 1 });
  t.match((await scan(built, { code: old.code })).json(), { result: 'rejected', reason: 'invalid_code' }, 'a removed key verifies nothing, cached or not');
  t.equal((await app.inject({ method: 'DELETE', url: `/api/badges/keys/${before.activeKid}`, headers: built.auth('admin') })).statusCode, 404);

  const reprint = await app.inject({ method: 'POST', url: `/api/attendees/${old.id}/badge`, headers: built.auth('desk') });
  t.match((await scan(built, { code: reprint.json().code })).json(), { result: 'warning', reason: 'already_checked_in' }, 'a reprint puts them back in business');
});

t.test('badge.svg: printable, with name, organization and category band', async (t) => {
  const built = await build(t);
  const { app } = built;
  const wen = await walkIn(built, { name: 'Wen <Li> & Co', organization: 'Acme "Labs"', category: 'media', delegation: 'CN' });
  const res = await app.inject({ method: 'GET', url: `/api/attendees/${wen.id}/badge.svg`, headers: built.auth('desk') });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^image\/svg\+xml/);
  t.equal(res.headers['cache-control'], 'no-store');
  t.match(res.body, /^<svg|^<\?xml/);
  t.match(res.body, 'Wen &lt;Li&gt; &amp; Co');
  t.match(res.body, 'MEDIA');
  t.notMatch(res.body, '<Li>');
  t.equal((await app.inject({ method: 'GET', url: '/api/attendees/nobody/badge.svg', headers: built.auth('desk') })).statusCode, 404);
  t.equal((await app.inject({ method: 'GET', url: `/api/attendees/${wen.id}/badge.svg`, headers: built.auth('door') })).statusCode, 403);
});

t.test('private keys live in the key dir only, never in the database; a restart with the same key dir keeps signing and verifying', async (t) => {
  const { readFileSync, readdirSync, statSync } = await import('node:fs');
  const path = await import('node:path');
  const first = await build(t, { close: false, deps: { clock: testClock(T0) } });
  const ida = await walkIn(first, { name: 'Ida' });
  const keyDir = path.join(first.dir, 'keys');
  const list = (await first.app.inject({ method: 'GET', url: '/api/badges/public-key', headers: first.auth('desk') })).json() as KeyList;
  const keyFile = path.join(keyDir, `badge-${list.activeKid}.key`);
  t.equal(statSync(keyDir).mode & 0o777, 0o700, 'the key dir is 0700');
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'the key file is 0600');
  t.match(readFileSync(keyFile, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  const stored = await storeSql(first.app).get<{ n: number }>('SELECT COUNT(*) AS n FROM badge_keys WHERE private_key_pem IS NOT NULL');
  t.equal(stored!.n, 0, 'the database holds no private key');
  await first.app.close();

  const second = await build(t, { dir: first.dir, deps: { clock: testClock(T0) } });
  t.match((await scan(second, { code: ida.code })).json(), { result: 'ok' }, 'a badge from before the restart verifies');
  const again = (await second.app.inject({ method: 'GET', url: '/api/badges/public-key', headers: second.auth('desk') })).json() as KeyList;
  t.equal(again.activeKid, list.activeKid, 'the same key signs after the restart');
  const jo = await walkIn(second, { name: 'Jo' });
  t.match(verifyBadgeCode(jo.code, badgePublicKeys(again.keys)), { ok: true, kid: list.activeKid });

  const rotated = (await second.app.inject({ method: 'POST', url: '/api/badges/keys/rotate', headers: second.auth('admin') })).json();
  t.same(readdirSync(keyDir).filter((f) => f.startsWith('badge-')).sort(), [`badge-${rotated.kid}.key`], 'a retired key keeps no private file');
  t.match((await scan(second, { code: jo.code })).json(), { result: 'ok' }, 'its badges still verify');
});

t.test('a backup of the SQLite file holds no private key bytes', async (t) => {
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const { backupDatabase } = await import('../../src/services/maintenance.js');
  // On SQLite: the bytes of the backup file are the subject.
  const built = await build(t, { store: 'sqlite', deps: { clock: testClock(T0) } });
  await walkIn(built, { name: 'Ida' });
  const list = (await built.app.inject({ method: 'GET', url: '/api/badges/public-key', headers: built.auth('desk') })).json() as KeyList;
  const pem = readFileSync(path.join(built.dir, 'keys', `badge-${list.activeKid}.key`), 'utf8');
  const backup = path.join(built.dir, 'backup.db');
  await backupDatabase(built.config.dbFile, backup);
  const bytes = readFileSync(backup);
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  t.notOk(bytes.includes('PRIVATE KEY'), 'no PEM private key in the backup');
  t.notOk(bytes.includes(der.subarray(-32)), 'not even the raw 32 key bytes');
  t.notOk(bytes.includes(der.toString('base64').slice(-40)), 'nor their base64');
});

t.test('a database that still holds private keys moves them to the key dir at start and scrubs them from its file', async (t) => {
  const { existsSync, readFileSync, rmSync } = await import('node:fs');
  const path = await import('node:path');
  // On SQLite: the legacy layout is an old SQLite file's, and the scrub is checked in its bytes.
  const first = await build(t, { store: 'sqlite', close: false, deps: { clock: testClock(T0) } });
  const kim = await walkIn(first, { name: 'Kim' });
  const { kid } = sqliteOf(first.app).sqlite.prepare('SELECT kid FROM badge_keys').get() as { kid: string };
  const keyFile = path.join(first.dir, 'keys', `badge-${kid}.key`);
  const pem = readFileSync(keyFile, 'utf8');
  // The legacy layout: the private key in the row, no file.
  sqliteOf(first.app).sqlite.prepare('UPDATE badge_keys SET private_key_pem = ? WHERE kid = ?').run(pem, kid);
  await first.app.close();
  rmSync(keyFile);

  const second = await build(t, { store: 'sqlite', dir: first.dir, deps: { clock: testClock(T0) } });
  t.equal(readFileSync(keyFile, 'utf8'), pem, 'moved to the key dir');
  const row = sqliteOf(second.app).sqlite.prepare('SELECT private_key_pem AS pem FROM badge_keys WHERE kid = ?').get(kid) as { pem: string | null };
  t.equal(row.pem, null, 'and nulled in the database');
  for (const f of [second.config.dbFile, `${second.config.dbFile}-wal`]) {
    if (existsSync(f)) t.notOk(readFileSync(f).includes('PRIVATE KEY'), `no private key bytes left in ${path.basename(f)}`);
  }
  t.match((await scan(second, { code: kim.code })).json(), { result: 'ok' }, 'its badges still verify');
  const lee = await walkIn(second, { name: 'Lee' });
  t.match(verifyBadgeCode(lee.code, badgePublicKeys((await second.app.inject({ method: 'GET', url: '/api/badges/public-key', headers: second.auth('desk') })).json().keys)), { ok: true, kid });
});
