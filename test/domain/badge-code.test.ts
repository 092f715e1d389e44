// Badge codes: round trips, the documented byte layout, and every way a forged or damaged code must fail.
import t from 'tap';
import fc from '../property.js';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { MAX_BADGE_CODE_LENGTH } from '../../src/core/badge-format.js';
import {
  VerifiedCodeCache,
  badgePublicKeys,
  generateBadgeKey,
  signBadgeCode,
  verifyBadgeCode,
  verifyBadgeCodeCached,
} from '../../src/domain/badge-code.js';

const UUID = 'b3c1a0de-59f4-4f2a-9c1e-0123456789ab';
const key1 = generateBadgeKey('k1');
const key2 = generateBadgeKey('k2');
const keys = badgePublicKeys([key1, key2]);
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// The layout documented at the top of badge-code.ts, rebuilt independently so that a
// change to the format cannot pass unnoticed and an offline scanner can be written from it.
function base32(bytes: Buffer): string {
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  bits = bits.padEnd(Math.ceil(bits.length / 5) * 5, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += BASE32[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

function handMade(payload: Buffer, privateKeyPem = key1.privateKeyPem): string {
  const context = Buffer.from('eventday badge code v1\n', 'utf8');
  const signature = sign(null, Buffer.concat([context, payload]), createPrivateKey(privateKeyPem));
  return base32(Buffer.concat([payload, signature]));
}

function uuidPayload(version: number[]): Buffer {
  return Buffer.concat([Buffer.from([0x01, 2]), Buffer.from('k1'), Buffer.from(UUID.replaceAll('-', ''), 'hex'), Buffer.from(version)]);
}

t.test('generateBadgeKey returns an Ed25519 PEM pair under the kid', async (t) => {
  t.equal(key1.kid, 'k1');
  t.match(key1.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  t.match(key1.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  t.equal(keys.get('k1')?.asymmetricKeyType, 'ed25519');
  t.throws(() => generateBadgeKey(''), RangeError);
  t.throws(() => generateBadgeKey('has space'), RangeError);
  t.throws(() => generateBadgeKey('x'.repeat(33)), RangeError);
});

t.test('badgePublicKeys refuses keys that are not Ed25519', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const publicKeyPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  t.throws(() => badgePublicKeys([{ kid: 'r', publicKeyPem }]), TypeError);
});

t.test('a UUID code is 136 base32 characters and round-trips', async (t) => {
  const code = signBadgeCode(key1, { attendeeId: UUID, version: 1 });
  t.equal(code.length, 136);
  t.match(code, /^[A-Z2-7]+$/);
  t.same(verifyBadgeCode(code, keys), { ok: true, attendeeId: UUID, version: 1, kid: 'k1' });
  t.same(verifyBadgeCode(code.toLowerCase(), keys), { ok: true, attendeeId: UUID, version: 1, kid: 'k1' }, 'Caps Lock on a wedge scanner');
  t.equal(code, handMade(uuidPayload([1])), 'matches the documented layout byte for byte');
});

t.test('non-UUID ids are carried as UTF-8 and come back unchanged', async (t) => {
  for (const attendeeId of ['att_123', 'Zoë-42', UUID.toUpperCase(), `{${UUID}}`, 'x'.repeat(64), '東京-7']) {
    const code = signBadgeCode(key2, { attendeeId, version: 3 });
    t.same(verifyBadgeCode(code, keys), { ok: true, attendeeId, version: 3, kid: 'k2' }, attendeeId);
  }
});

t.test('versions are encoded as canonical varints across their range', async (t) => {
  for (const version of [0, 1, 127, 128, 300, 16_383, 16_384, 0xffff_ffff]) {
    const code = signBadgeCode(key1, { attendeeId: UUID, version });
    t.same(verifyBadgeCode(code, keys), { ok: true, attendeeId: UUID, version, kid: 'k1' }, String(version));
  }
  t.equal(signBadgeCode(key1, { attendeeId: UUID, version: 300 }), handMade(uuidPayload([0xac, 0x02])));
});

t.test('signing accepts a KeyObject and refuses what it cannot encode', async (t) => {
  const privateKey = createPrivateKey(key1.privateKeyPem);
  const code = signBadgeCode({ kid: 'k1', privateKey }, { attendeeId: UUID, version: 2 });
  t.equal(verifyBadgeCode(code, keys).ok, true);

  t.throws(() => signBadgeCode(key1, { attendeeId: UUID, version: -1 }), RangeError);
  t.throws(() => signBadgeCode(key1, { attendeeId: UUID, version: 1.5 }), RangeError);
  t.throws(() => signBadgeCode(key1, { attendeeId: UUID, version: 2 ** 32 }), RangeError);
  t.throws(() => signBadgeCode(key1, { attendeeId: '', version: 1 }), RangeError);
  t.throws(() => signBadgeCode(key1, { attendeeId: 'x'.repeat(65), version: 1 }), RangeError);
  t.throws(() => signBadgeCode(key1, { attendeeId: 'bad\ud800', version: 1 }), RangeError, 'lone surrogate');
  t.throws(() => signBadgeCode({ kid: 'a b', privateKeyPem: key1.privateKeyPem }, { attendeeId: UUID, version: 1 }), RangeError);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  t.throws(() => signBadgeCode({ kid: 'r', privateKey: rsa.privateKey }, { attendeeId: UUID, version: 1 }), TypeError);
  t.throws(() => signBadgeCode({ kid: 'k1', privateKey: keys.get('k1') as KeyObject }, { attendeeId: UUID, version: 1 }), TypeError, 'a public key');
});

t.test('verification fails closed', async (t) => {
  const code = signBadgeCode(key1, { attendeeId: UUID, version: 1 });
  const foreign = generateBadgeKey('k1');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const cases: [string, string, Map<string, KeyObject>][] = [
    ['unknown kid', code, badgePublicKeys([key2])],
    ['same kid, other key', signBadgeCode(foreign, { attendeeId: UUID, version: 1 }), keys],
    ['kid mapped to a non-Ed25519 key', code, new Map([['k1', rsa.publicKey]])],
    ['empty', '', keys],
    ['truncated', code.slice(0, -8), keys],
    ['extended', `${code}AAAAAAAA`, keys],
    ['padding', `${code}========`, keys],
    ['foreign characters', `${code.slice(0, -1)}1`, keys],
    ['prefix', `ED1.${code}`, keys],
    ['whitespace', ` ${code}`, keys],
    ['oversize', 'A'.repeat(MAX_BADGE_CODE_LENGTH + 8), keys],
    ['impossible base32 length', code.slice(0, 129), keys],
    ['only a signature', code.slice(-103), keys],
  ];
  for (const [label, candidate, publicKeys] of cases) {
    t.same(verifyBadgeCode(candidate, publicKeys), { ok: false }, label);
  }
  t.same(verifyBadgeCode(42 as unknown as string, keys), { ok: false }, 'not a string');
});

t.test('codes that are validly signed but not canonical are refused', async (t) => {
  t.same(verifyBadgeCode(handMade(uuidPayload([0x81, 0x00])), keys), { ok: false }, 'overlong varint');
  t.same(verifyBadgeCode(handMade(uuidPayload([0x80, 0x80, 0x80, 0x80, 0x10])), keys), { ok: false }, 'version above 2^32-1');
  t.same(verifyBadgeCode(handMade(uuidPayload([])), keys), { ok: false }, 'missing version');
  const textUuid = Buffer.concat([Buffer.from([0x02, 2]), Buffer.from('k1'), Buffer.from([36]), Buffer.from(UUID), Buffer.from([1])]);
  t.same(verifyBadgeCode(handMade(textUuid), keys), { ok: false }, 'a UUID spelled as text');
  const badUtf8 = Buffer.concat([Buffer.from([0x02, 2]), Buffer.from('k1'), Buffer.from([2, 0xc3, 0x28]), Buffer.from([1])]);
  t.same(verifyBadgeCode(handMade(badUtf8), keys), { ok: false }, 'malformed UTF-8 id');
  const badLayout = Buffer.concat([Buffer.from([0x03, 2]), Buffer.from('k1'), Buffer.from(UUID.replaceAll('-', ''), 'hex'), Buffer.from([1])]);
  t.same(verifyBadgeCode(handMade(badLayout), keys), { ok: false }, 'unknown layout byte');
  const badKid = Buffer.concat([Buffer.from([0x01, 2]), Buffer.from('k '), Buffer.from(UUID.replaceAll('-', ''), 'hex'), Buffer.from([1])]);
  t.same(verifyBadgeCode(handMade(badKid), badgePublicKeys([key1]).set('k ', keys.get('k1') as KeyObject)), { ok: false }, 'kid outside its alphabet');
  // 86 bytes leave 2 spare bits in the last of 138 characters; they must be zero.
  const odd = handMade(uuidPayload([0xac, 0x02]));
  const last = BASE32.indexOf(odd.at(-1) ?? 'A');
  t.same(verifyBadgeCode(`${odd.slice(0, -1)}${BASE32[last ^ 1]}`, keys), { ok: false }, 'non-zero spare bits');
});

t.test('property: any claims round-trip', async (t) => {
  fc.assert(
    fc.property(
      fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 20 }).filter((id) => Buffer.byteLength(id) <= 64)),
      fc.integer({ min: 0, max: 0xffff_ffff }),
      (attendeeId, version) => {
        const result = verifyBadgeCode(signBadgeCode(key1, { attendeeId, version }), keys);
        return result.ok && result.attendeeId === attendeeId && result.version === version && result.kid === 'k1';
      },
    ),
    { numRuns: 200 },
  );
  t.pass('round trips');
});

t.test('property: changing any one character breaks the code', async (t) => {
  const code = signBadgeCode(key1, { attendeeId: UUID, version: 5 });
  fc.assert(
    fc.property(fc.nat({ max: code.length - 1 }), fc.integer({ min: 1, max: 31 }), (at, delta) => {
      const replaced = BASE32[(BASE32.indexOf(code[at] ?? 'A') + delta) % 32];
      return !verifyBadgeCode(`${code.slice(0, at)}${replaced}${code.slice(at + 1)}`, keys).ok;
    }),
    { numRuns: 300 },
  );
  t.pass('no single-character change verifies');
});

t.test('property: verification never throws on arbitrary input', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 600 }), fc.stringMatching(/^[A-Za-z2-7]{100,160}$/)), (input) => {
      return verifyBadgeCode(input, keys).ok === false;
    }),
    { numRuns: 500 },
  );
  t.pass('always { ok: false }');
});

t.test('VerifiedCodeCache evicts the least recently used entry', async (t) => {
  t.throws(() => new VerifiedCodeCache(0), RangeError);
  const key = keys.get('k1') as KeyObject;
  const entry = (attendeeId: string) => ({ badge: { ok: true as const, attendeeId, version: 1, kid: 'k1' }, key });
  const cache = new VerifiedCodeCache(2);
  cache.set('a', entry('A'));
  cache.set('b', entry('B'));
  t.equal(cache.get('a')?.badge.attendeeId, 'A', 'touching a makes b the oldest');
  cache.set('c', entry('C'));
  t.equal(cache.size, 2);
  t.equal(cache.get('b'), undefined);
  t.equal(cache.get('a')?.badge.attendeeId, 'A');
  t.equal(cache.get('c')?.badge.attendeeId, 'C');
  cache.set('c', entry('C2'));
  t.equal(cache.size, 2, 'replacing does not grow');
  t.equal(cache.get('c')?.badge.attendeeId, 'C2');
  t.equal(cache.delete('a'), true);
  cache.clear();
  t.equal(cache.size, 0);
});

t.test('verifyBadgeCodeCached caches successes only and follows key changes', async (t) => {
  const cache = new VerifiedCodeCache(10);
  const code = signBadgeCode(key1, { attendeeId: UUID, version: 1 });
  const first = verifyBadgeCodeCached(code, keys, cache);
  t.equal(first.ok, true);
  t.equal(verifyBadgeCodeCached(code, keys, cache), first, 'second call is served from the cache');

  t.same(verifyBadgeCodeCached('JUNK', keys, cache), { ok: false });
  t.equal(cache.size, 1, 'failures are not cached');

  t.same(verifyBadgeCodeCached(code, badgePublicKeys([key2]), cache), { ok: false }, 'kid retired');
  t.equal(cache.size, 0, 'the stale entry is dropped');

  const replaced = badgePublicKeys([{ kid: 'k1', publicKeyPem: generateBadgeKey('k1').publicKeyPem }]);
  verifyBadgeCodeCached(code, keys, cache);
  t.same(verifyBadgeCodeCached(code, replaced, cache), { ok: false }, 'kid now maps to another key');
});
