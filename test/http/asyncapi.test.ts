// The AsyncAPI 3 document of /api/live: served without a token, valid for @asyncapi/parser, every catalogued event per audience and role.
import t from 'tap';
import { Parser } from '@asyncapi/parser';
import { eventCatalogue, eventNames } from '../../src/contract/events.js';
import { build } from '../helper.js';

type Json = Record<string, unknown>;
/** Spectral's severities as numbers: 0 error, 1 warning. */
const ERROR = 0;
const WARNING = 1;
interface Doc {
  asyncapi: string;
  channels: { live: { address: string; messages: Record<string, Json> } };
  operations: Record<string, { action: string; messages: { $ref: string }[] }>;
  components: { messages: Record<string, { name: string; payload: Json; 'x-eventday-roles'?: string[]; 'x-eventday-audience'?: string }> };
}

t.test('/docs/asyncapi.json is public, AsyncAPI 3.0 and valid', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/docs/asyncapi.json' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  const doc = res.json() as Doc;
  t.equal(doc.asyncapi, '3.0.0');
  t.equal(doc.channels.live.address, '/api/live');
  const diagnostics = await new Parser().validate(res.body);
  const errors = diagnostics.filter((d) => Number(d.severity) === ERROR);
  t.same(errors.map((d) => `${d.code} ${d.message} ${d.path.join('/')}`), [], 'no parser errors');
  t.comment(`@asyncapi/parser: ${errors.length} errors, ${diagnostics.filter((d) => Number(d.severity) === WARNING).length} warnings`);
});

t.test('welcome, snapshot, subscribe and every event of the catalogue, per audience, with the roles that receive it', async (t) => {
  const { app } = await build(t);
  const doc = (await app.inject({ method: 'GET', url: '/docs/asyncapi.json' })).json() as Doc;
  const messages = doc.components.messages;
  for (const key of ['welcome', 'snapshot.public', 'snapshot.staff', 'subscribe']) t.ok(messages[key], `${key} message`);
  t.equal(doc.operations.sendSubscribe!.action, 'send');
  t.same(messages['snapshot.public']!['x-eventday-roles'], ['kiosk']);
  for (const name of eventNames) {
    const op = doc.operations[`receive.${name}`];
    t.ok(op, `operation for ${name}`);
    const audiences = Object.keys(eventCatalogue[name].audiences).sort();
    const keys = op!.messages.map((m) => m.$ref.split('/').pop()!);
    t.same(keys.map((k) => messages[k]!['x-eventday-audience']).sort(), audiences, `${name}: one message per audience`);
    for (const k of keys) {
      t.equal(messages[k]!.name, name);
      t.ok(doc.channels.live.messages[k], `${k} is a message of the channel`);
      const props = (messages[k]!.payload.properties ?? {}) as Record<string, Json>;
      t.same(props.name, { type: 'string', const: name }, `${k} names its event`);
      t.ok(props.data, `${k} has its data schema`);
    }
  }
  const roleOf = (k: string): string[] => messages[k]!['x-eventday-roles'] ?? [];
  t.same(roleOf('checkin.recorded.door'), ['door']);
  t.same(roleOf('session.created.public'), ['kiosk']);
  const kioskGets = Object.keys(messages).filter((k) => roleOf(k).includes('kiosk')).map((k) => messages[k]!.name);
  t.notOk(kioskGets.some((n) => n.startsWith('checkin') || n.startsWith('attendee')), 'kiosks get no per-attendee events');
  const doorGets = Object.keys(messages).filter((k) => roleOf(k).includes('door')).map((k) => messages[k]!.name);
  t.notOk(doorGets.some((n) => n.startsWith('attendee.')), 'doors get no attendee.* events');
});
