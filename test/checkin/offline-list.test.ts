// GET /api/checkins/offline-list: roles, fields per audience (never email, no delegation for a door), keys that verify the codes, revocations, cancellations and arrivals.
import { createPublicKey, verify } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import t from 'tap';
import type { Role } from '../../src/core/vocabulary.js';
import { build } from '../helper.js';
import { walkIn } from './fixtures.js';

const get = (built: Awaited<ReturnType<typeof build>>, role: Role) =>
  built.app.inject({ method: 'GET', url: '/api/checkins/offline-list', headers: built.auth(role) });

/** Splits a badge code (base32) into its signed bytes and signature, as an offline scanner does. */
function decodeCode(code: string): { payload: Buffer; signature: Buffer; kid: string } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of code.toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  const bytes = Buffer.from(out);
  const kidLength = bytes[1]!;
  return { payload: bytes.subarray(0, bytes.length - 64), signature: bytes.subarray(bytes.length - 64), kid: bytes.toString('latin1', 2, 2 + kidLength) };
}

t.test('desk and door only; 401 without a token', async (t) => {
  const built = await build(t);
  t.equal((await built.app.inject({ method: 'GET', url: '/api/checkins/offline-list' })).statusCode, 401);
  for (const role of ['admin', 'ops', 'kiosk'] as const) {
    const res = await get(built, role);
    t.equal(res.statusCode, 403, role);
    t.equal(res.json().code, 'forbidden');
  }
  t.equal((await get(built, 'desk')).statusCode, 200);
  t.equal((await get(built, 'door')).statusCode, 200);
});

t.test('fields: never email; a door gets no delegation; the listed key verifies a code', async (t) => {
  const built = await build(t);
  const someone = await walkIn(built, { name: 'Offline Person', delegation: 'NL', email: 'offline@example.org', flags: ['vip'] });
  const desk = get(built, 'desk');
  const deskList = (await desk).json();
  t.same(Object.keys(deskList).sort(), ['attendees', 'generatedAt', 'keys', 'seq']);
  t.ok(Number.isInteger(deskList.seq) && deskList.seq > 0);
  t.notMatch((await desk).body, /offline@example\.org/);
  t.equal((await desk).headers['cache-control'], 'no-store', 'personal data: no shared cache keeps it');
  const person = deskList.attendees.find((a: { id: string }) => a.id === someone.id);
  t.same(Object.keys(person).sort(), ['badgeVersion', 'category', 'checkedInAt', 'delegation', 'flags', 'id', 'name', 'organization', 'status']);
  t.match(person, { name: 'Offline Person', delegation: 'NL', flags: ['vip'], status: 'registered', checkedInAt: null, badgeVersion: 1 });

  const doorRes = await get(built, 'door');
  t.notMatch(doorRes.body, /offline@example\.org/);
  const doorPerson = doorRes.json().attendees.find((a: { id: string }) => a.id === someone.id);
  t.notOk('delegation' in doorPerson, 'a door gets no delegation');
  t.notOk('email' in doorPerson);

  const { payload, signature, kid } = decodeCode(someone.code);
  const key = deskList.keys.find((k: { kid: string }) => k.kid === kid);
  t.ok(key, 'the code names a listed key');
  t.match(key.publicKey, /^-----BEGIN PUBLIC KEY-----/);
  const publicKey = createPublicKey(key.publicKey);
  t.equal(publicKey.asymmetricKeyType, 'ed25519');
  t.ok(verify(null, Buffer.concat([Buffer.from('eventday badge code v1\n'), payload]), publicKey, signature), 'the signature verifies with the listed key');
  const forged = Buffer.from(signature);
  forged[0] = (forged[0] ?? 0) ^ 1;
  t.notOk(verify(null, Buffer.concat([Buffer.from('eventday badge code v1\n'), payload]), publicKey, forged));
});

t.test('revocations, cancellations and arrivals are listed, and the cache follows the event log', async (t) => {
  const built = await build(t);
  const reprinted = await walkIn(built, { name: 'Reprinted Person' });
  const cancelled = await walkIn(built, { name: 'Cancelled Person' });
  const arrived = await walkIn(built, { name: 'Arrived Person' });
  const first = (await get(built, 'desk')).json();
  t.same((await get(built, 'desk')).json(), first, 'unchanged while nothing happened');

  await built.app.inject({ method: 'POST', url: `/api/attendees/${reprinted.id}/badge`, headers: built.auth('desk') });
  await built.app.inject({ method: 'PATCH', url: `/api/attendees/${cancelled.id}`, headers: built.auth('desk'), payload: { status: 'cancelled' } });
  await built.app.inject({ method: 'POST', url: '/api/checkins', headers: built.auth('desk'), payload: { scanId: randomUUID(), code: arrived.code } });

  for (const role of ['desk', 'door'] as const) {
    const list = (await get(built, role)).json();
    t.ok(list.seq > first.seq, `${role}: a newer list`);
    const byId = new Map(list.attendees.map((a: { id: string }) => [a.id, a]));
    t.match(byId.get(reprinted.id), { badgeVersion: 2 }, `${role}: the reprint revokes version 1`);
    t.match(byId.get(cancelled.id), { status: 'cancelled' }, `${role}: the cancellation`);
    t.match(byId.get(arrived.id), { checkedInAt: /^\d{4}-\d\d-\d\dT/ }, `${role}: who is already in`);
  }
});
