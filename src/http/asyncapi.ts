// The AsyncAPI 3 document of GET /api/live, generated from the contract: welcome, snapshot, subscribe and every catalogued event per audience.
import { z } from 'zod';
import { eventDef, eventNames, type EventName } from '../contract/events.js';
import { eventEnvelopeSchema, liveQuery, publicSnapshotDataSchema, staffSnapshotDataSchema, subscribeSchema, welcomeSchema } from '../contract/live.js';
import { audienceOfRole, audiences, isStaffRole, roles, type Audience, type Role } from '../core/vocabulary.js';

type Json = Record<string, unknown>;

export const ASYNCAPI_PATH = '/docs/asyncapi.json';

const rolesOf = (audience: Audience): Role[] => roles.filter((r) => audienceOfRole[r] === audience);

/** JSON Schema (draft-07, which AsyncAPI's schema format extends) with named contract schemas hoisted into components. */
class SchemaSet {
  readonly schemas: Record<string, Json> = {};
  private readonly named = new Map<z.ZodType, string>();

  constructor(private readonly io: 'input' | 'output' = 'output') {}

  /** The JSON Schema of a zod schema; its `.meta({ id })` parts become `#/components/schemas/<id>` references. */
  json(schema: z.ZodType, io = this.io): Json {
    const out = z.toJSONSchema(schema, { target: 'draft-07', io, unrepresentable: 'any' }) as Json;
    delete out.$schema;
    const defs = (out.definitions ?? {}) as Record<string, Json>;
    delete out.definitions;
    for (const [id, def] of Object.entries(defs)) this.schemas[id] ??= rewriteRefs(def) as Json;
    return rewriteRefs(out) as Json;
  }

  /** A component reference for this schema, named once (by its contract id, else by `name`). */
  ref(schema: z.ZodType, name: string): Json {
    let id = this.named.get(schema);
    if (id === undefined) {
      const json = this.json(schema);
      if (typeof json.$ref === 'string' && Object.keys(json).length === 1) return json;
      id = name;
      this.schemas[id] = json;
      this.named.set(schema, id);
    }
    return { $ref: `#/components/schemas/${id}` };
  }
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\/(definitions|\$defs)\//, '#/components/schemas/') : rewriteRefs(v);
  }
  return out;
}

const messageRef = (key: string): Json => ({ $ref: `#/channels/live/messages/${key}` });

/** Every event name with each audience that receives it and that audience's roles. */
export function deliveries(): { name: string; topic: string; audience: Audience; roles: Role[]; schema: z.ZodType; conditional: boolean }[] {
  const list = [];
  for (const name of eventNames) {
    const def = eventDef(name);
    for (const audience of audiences) {
      const d = def.audiences[audience];
      if (d) list.push({ name, topic: def.topic, audience, roles: rolesOf(audience), schema: d.schema, conditional: d.when !== undefined });
    }
  }
  return list;
}

export function buildAsyncApi(opts: { version: string; openApiUrl: string }): Json {
  const set = new SchemaSet();
  const messages: Record<string, Json> = {};
  const channelMessages: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  const addMessage = (key: string, message: Json): void => {
    messages[key] = message;
    channelMessages[key] = { $ref: `#/components/messages/${key}` };
  };

  addMessage('welcome', {
    name: 'welcome',
    title: 'Welcome',
    summary: 'The first message on every socket: the role, the log head `seq` and the `epoch`',
    payload: set.json(welcomeSchema),
    'x-eventday-roles': [...roles],
  });
  const staffRoles = roles.filter(isStaffRole);
  const publicRoles = roles.filter((r) => !isStaffRole(r));
  for (const [key, data, to, summary] of [
    ['snapshot.public', publicSnapshotDataSchema, publicRoles, 'The public snapshot (event, public rooms, sessions, announcements, nowNext)'],
    ['snapshot.staff', staffSnapshotDataSchema, staffRoles, 'The staff snapshot: rooms with occupancy, also checkinStats and the rooms alerting now'],
  ] as const) {
    addMessage(key, {
      name: 'snapshot',
      title: `Snapshot (${to.join(', ')})`,
      summary: `${summary}; sent after welcome when the client cannot be replayed (no since, another epoch, or too far behind)`,
      payload: {
        type: 'object',
        properties: { type: { type: 'string', const: 'snapshot' }, seq: { type: 'integer' }, data: set.ref(data, key.replace('.', '-') + '-data') },
        required: ['type', 'seq', 'data'],
        additionalProperties: false,
      },
      'x-eventday-roles': [...to],
    });
  }
  addMessage('subscribe', {
    name: 'subscribe',
    title: 'Subscribe',
    summary: 'Narrow what this socket receives from now on: an absent list keeps the current one, an empty list means all',
    payload: set.json(subscribeSchema, 'input'),
  });

  operations.receiveWelcome = { action: 'receive', channel: { $ref: '#/channels/live' }, summary: 'Welcome, first on every socket', messages: [messageRef('welcome')] };
  operations.receiveSnapshot = {
    action: 'receive',
    channel: { $ref: '#/channels/live' },
    summary: 'Snapshot instead of a replay',
    messages: [messageRef('snapshot.public'), messageRef('snapshot.staff')],
  };
  operations.sendSubscribe = { action: 'send', channel: { $ref: '#/channels/live' }, summary: 'Narrow the topics and rooms', messages: [messageRef('subscribe')] };

  const byEvent = new Map<string, string[]>();
  for (const d of deliveries()) {
    const key = `${d.name}.${d.audience}`;
    const envelope = set.json(eventEnvelopeSchema.extend({ topic: z.literal(d.topic), name: z.literal(d.name) }));
    const properties = { ...(envelope.properties as Json), data: set.ref(d.schema, d.schema === eventDef(d.name as EventName).payload ? d.name : key) };
    const required = new Set([...((envelope.required as string[] | undefined) ?? []), 'data']);
    addMessage(key, {
      name: d.name,
      title: `${d.name} (${d.audience})`,
      summary:
        `The ${d.name} event as the ${d.audience} audience receives it (roles: ${d.roles.join(', ')})` +
        (d.conditional ? '; sent only for some events of this name (a door gets only scans at a room)' : ''),
      tags: [{ name: `topic:${d.topic}` }, { name: `audience:${d.audience}` }],
      payload: { ...envelope, properties, required: [...required] },
      'x-eventday-audience': d.audience,
      'x-eventday-roles': d.roles,
      'x-eventday-conditional': d.conditional,
    });
    byEvent.set(d.name, [...(byEvent.get(d.name) ?? []), key]);
  }
  for (const name of eventNames) {
    const keys = byEvent.get(name) ?? [];
    const receivedBy = keys.flatMap((k) => (messages[k]!['x-eventday-roles'] as Role[]) ?? []);
    operations[`receive.${name}`] = {
      action: 'receive',
      channel: { $ref: '#/channels/live' },
      summary: `${name} (topic ${eventDef(name).topic}), received by ${receivedBy.join(', ')}`,
      messages: keys.map(messageRef),
      'x-eventday-roles': receivedBy,
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'eventday live updates',
      version: opts.version,
      description:
        'GET /api/live, a WebSocket. Authenticate before the upgrade with `Authorization: Bearer <token>` or, from a browser, the ' +
        'subprotocols `eventday.v1, bearer.<token>`. The server sends `welcome`, then replays every event after `since` (same `epoch`) ' +
        'or sends a `snapshot`, then goes live; `seq` only grows. What each role receives of an event is its payload for the role\'s ' +
        'audience (public: kiosk; staff: ops; desk; door; admin). Close codes: 4403 revoked token, 4008 too slow (resume with since), ' +
        '4029 too many sockets for the device (do not reconnect), 1001 shutdown (resume with since), 1008 repeated malformed messages, ' +
        `1009 a frame over 64 KiB. The HTTP API is described at ${opts.openApiUrl}.`,
    },
    defaultContentType: 'application/json',
    servers: {
      eventday: {
        host: '{host}',
        protocol: 'ws',
        description: 'this service (wss behind TLS)',
        variables: { host: { default: 'localhost:3000', description: 'host and port the service is reached at' } },
        security: [{ $ref: '#/components/securitySchemes/bearer' }, { $ref: '#/components/securitySchemes/subprotocol' }],
      },
    },
    channels: {
      live: {
        address: '/api/live',
        title: 'Live updates',
        description: 'One socket per client; every message is a JSON text frame. Query: since, epoch, topics (comma list), roomIds (comma list).',
        messages: channelMessages,
        bindings: { ws: { method: 'GET', query: set.json(liveQuery, 'input'), bindingVersion: '0.1.0' } },
        'x-eventday-close-codes': { 1001: 'shutdown', 1008: 'malformed messages', 1009: 'frame too large', 4008: 'too slow', 4029: 'too many sockets', 4403: 'revoked' },
      },
    },
    operations,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <device token>' },
        subprotocol: { type: 'httpApiKey', in: 'header', name: 'Sec-WebSocket-Protocol', description: 'browsers: `eventday.v1, bearer.<token>`' },
      },
      schemas: set.schemas,
      messages,
    },
  };
}
