// The OpenAPI document finished centrally from what every route declares: operationIds, problem+json errors, status codes and content types.
import type { RouteOptions } from 'fastify';
import type { RouteRoles } from './auth.js';

/** What the document needs to know of one route, taken in an onRoute hook as the route is registered. */
export interface RouteFacts {
  method: string;
  url: string;
  roles: RouteRoles | undefined;
  rateLimited: boolean;
  hasBody: boolean;
  hasQuery: boolean;
  hasParams: boolean;
  webSocket: boolean;
  /** A schedule feed (`config.publicFeed`): ETag and 304, and without a token when the feeds are public. */
  publicFeed: boolean;
}

/** Routes that answer 429 without a route-level rate limit: scans are limited per device in the service, searches per client. */
const alsoRateLimited = new Set(['POST /api/checkins', 'POST /api/checkins/batch', 'GET /api/attendees']);

/** Success content types by the end of the path, for routes that answer a file rather than JSON. */
const fileTypes: readonly [suffix: string, type: string, schema: Record<string, unknown>][] = [
  ['.ics', 'text/calendar', { type: 'string', description: 'iCalendar (RFC 5545)' }],
  ['.svg', 'image/svg+xml', { type: 'string', description: 'SVG image' }],
  ['.xml', 'application/xml', { type: 'string', description: 'XML document' }],
  ['.csv', 'text/csv', { type: 'string', description: 'CSV with a header row' }],
  ['.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', { type: 'string', format: 'binary', description: 'XLSX workbook' }],
  ['.json', 'application/json', { type: 'object', additionalProperties: true, description: 'the JSON document' }],
];
/** Routes whose answer is a fixed text format without a file suffix. */
const fixedTypes: Readonly<Record<string, [type: string, schema: Record<string, unknown>]>> = {
  'GET /metrics': ['text/plain; version=0.0.4', { type: 'string', description: 'Prometheus text exposition format' }],
};

const PROBLEM = 'application/problem+json';
const problemRef = { $ref: '#/components/schemas/Problem' };

/** The shared error answers, as components.responses, with the codes each one carries. */
const errorResponses: Readonly<Record<string, { name: string; description: string; headers?: Record<string, unknown> }>> = {
  '400': { name: 'BadRequest', description: 'Bad Request: `validation_failed` (the offending fields in `errors`), `malformed_json` or `bad_request`' },
  '401': { name: 'Unauthorized', description: 'Unauthorized: `unauthorized`, no valid device token (Authorization: Bearer <token>)' },
  '403': { name: 'Forbidden', description: "Forbidden: `forbidden`, the device's role may not use this route" },
  '404': { name: 'NotFound', description: 'Not Found: `not_found`, no such resource' },
  '409': { name: 'Conflict', description: 'Conflict: the resource changed or is in a state that refuses this request (see `code`)' },
  '413': { name: 'PayloadTooLarge', description: 'Payload Too Large: `payload_too_large`, the body is over the limit' },
  '415': { name: 'UnsupportedMediaType', description: 'Unsupported Media Type: `unsupported_media_type`' },
  '426': { name: 'UpgradeRequired', description: 'Upgrade Required: `upgrade_required`, this is a WebSocket: send an upgrade request' },
  '429': {
    name: 'TooManyRequests',
    description: 'Too Many Requests: `rate_limited`; try again after Retry-After seconds',
    headers: { 'Retry-After': { description: 'Seconds until the limit resets', schema: { type: 'integer' } } },
  },
};

const statusText: Readonly<Record<string, string>> = {
  '101': 'Switching Protocols',
  '200': 'OK',
  '201': 'Created',
  '204': 'No Content',
  '304': 'Not Modified',
  '400': 'Bad Request',
  '409': 'Conflict',
  '422': 'Unprocessable Content',
  '500': 'Internal Server Error',
  '503': 'Service Unavailable',
};

/** `/api/attendees/{id}/badge.svg` → `ApiAttendeesByIdBadgeSvg`; stable as long as the method and path are. */
export function operationIdOf(method: string, url: string): string {
  const pascal = (word: string): string =>
    word
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join('');
  const parts = url
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const param = /^(?::(.+)|\{(.+)\})$/.exec(segment);
      return param ? `By${pascal(param[1] ?? param[2]!)}` : pascal(segment);
    });
  return method.toLowerCase() + parts.join('');
}

/** Fastify's `:id` path syntax as OpenAPI's `{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function routeFacts(route: RouteOptions): RouteFacts[] {
  const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => String(m).toUpperCase());
  const schema = (route.schema ?? {}) as { body?: unknown; querystring?: unknown; params?: unknown; consumes?: unknown };
  const config = (route.config ?? {}) as { roles?: RouteRoles; rateLimit?: unknown; publicFeed?: unknown };
  return methods
    .filter((m) => m !== 'HEAD')
    .map((method) => ({
      method,
      url: openApiPath(route.url),
      roles: config.roles,
      rateLimited: config.rateLimit !== undefined && config.rateLimit !== false,
      hasBody: schema.body !== undefined || schema.consumes !== undefined,
      hasQuery: schema.querystring !== undefined,
      hasParams: schema.params !== undefined || /[:{]/.test(route.url),
      webSocket: 'wsHandler' in route && typeof (route as { wsHandler?: unknown }).wsHandler === 'function',
      publicFeed: config.publicFeed !== undefined,
    }));
}

type Json = Record<string, unknown>;
interface MediaType {
  schema?: Json;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, MediaType>;
  $ref?: string;
}
interface Operation {
  operationId?: string;
  description?: string;
  responses?: Record<string, ResponseObject>;
  security?: unknown[];
  [key: string]: unknown;
}

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The 4xx a route can answer, from what it declares (roles, inputs, limits, socket). */
function expectedErrors(f: RouteFacts): string[] {
  // Any role may read a feed: a bad token (or none, with the feeds not public) is 401, too many requests 429.
  if (f.publicFeed) return [...(f.hasQuery ? ['400'] : []), '401', '429'];
  const codes: string[] = [];
  const bodyMethod = ['POST', 'PUT', 'PATCH'].includes(f.method);
  if (f.hasBody || f.hasQuery || f.hasParams) codes.push('400');
  if (f.roles !== 'public') codes.push('401', '403');
  if (f.hasParams) codes.push('404');
  if (bodyMethod && f.hasBody) codes.push('413', '415');
  if (f.webSocket) codes.push('426');
  if (f.rateLimited || alsoRateLimited.has(`${f.method} ${f.url}`)) codes.push('429');
  return codes;
}

function successContent(operation: Operation, f: { method: string; url: string }): void {
  const responses = operation.responses ?? {};
  const fixed = fixedTypes[`${f.method} ${f.url}`];
  const file = fileTypes.find(([suffix]) => f.url.endsWith(suffix));
  const target = fixed ?? (file ? [file[1], file[2]] : undefined);
  if (!target) return;
  const [type, fallback] = target;
  for (const [status, response] of Object.entries(responses)) {
    if (!status.startsWith('2') || response.$ref) continue;
    const declared = response.content ? Object.values(response.content)[0]?.schema : undefined;
    // A declared string under application/json is the route sending a file as text: keep its description, fix the type.
    const schema = declared && declared.type !== 'string' ? declared : { ...fallback, ...(declared?.description ? { description: declared.description } : {}) };
    response.content = { [type]: { schema } };
  }
}

/**
 * Completes the generated document: every operation gets an operationId, the error answers
 * it can give (problem+json), its real success status and content type; public routes say so
 * (`security: []`). It runs once per document build, over the document swagger generated.
 */
export function finishOpenApi<T extends object>(
  document: T,
  facts: ReadonlyMap<string, RouteFacts>,
  extra: { asyncApiUrl: string; /** EVENTDAY_PUBLIC_SCHEDULE: the feeds answer without a token. */ publicFeeds?: boolean },
): T {
  const doc = document as unknown as { paths?: Record<string, Record<string, Operation>>; components?: Json; servers?: unknown[]; info?: Json; externalDocs?: unknown };
  const components = (doc.components ??= {});
  const responses = ((components.responses as Record<string, unknown> | undefined) ??= {});
  for (const { name, description, headers } of Object.values(errorResponses)) {
    responses[name] = { description, ...(headers ? { headers } : {}), content: { [PROBLEM]: { schema: problemRef } } };
  }
  doc.servers ??= [{ url: '/', description: 'this service' }];
  doc.externalDocs ??= { description: 'The live protocol of GET /api/live (AsyncAPI 3)', url: extra.asyncApiUrl };

  const seen = new Set<string>();
  const usedResponses = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of httpMethods) {
      const operation = item[method];
      if (!operation) continue;
      const METHOD = method.toUpperCase();
      const f = facts.get(`${METHOD} ${path}`);
      operation.operationId ??= operationIdOf(METHOD, path);
      for (let n = 2; seen.has(operation.operationId); n++) operation.operationId = `${operationIdOf(METHOD, path)}_${n}`;
      seen.add(operation.operationId);
      const answers = (operation.responses ??= {});

      // Errors the route's schema declares are problem+json (sendProblem), not application/json.
      for (const [status, response] of Object.entries(answers)) {
        const json = response.content?.['application/json'];
        if (Number(status) >= 400 && json) response.content = { [PROBLEM]: json };
        if (!response.$ref && (response.description === undefined || response.description === 'Default Response')) {
          response.description = statusText[status] ?? errorResponses[status]?.description ?? `HTTP ${status}`;
        }
      }
      // The DELETEs without an answer schema answer 204 with no body.
      if (METHOD === 'DELETE' && answers['200'] && !answers['200'].content) {
        delete answers['200'];
        answers['204'] = { description: 'No Content' };
      }
      successContent(operation, { method: METHOD, url: path });
      if (!f) continue;
      if (f.webSocket) {
        if (answers['200'] && !answers['200'].content) delete answers['200'];
        answers['101'] ??= { description: 'Switching Protocols: the WebSocket is open; its messages are in the AsyncAPI document' };
        operation.description ??= `A WebSocket (send Upgrade: websocket). Its messages, per role, are described in the AsyncAPI document at ${extra.asyncApiUrl}.`;
      }
      for (const status of expectedErrors(f)) {
        if (answers[status]) continue;
        answers[status] = { $ref: `#/components/responses/${errorResponses[status]!.name}` };
        usedResponses.add(status);
      }
      if (f.publicFeed) documentFeed(operation, extra.publicFeeds === true);
      else if (f.roles === 'public') operation.security = [];
      else if (f.roles) operation['x-eventday-roles'] = [...f.roles];
    }
  }
  for (const [status, { name }] of Object.entries(errorResponses)) if (!usedResponses.has(status)) delete responses[name];
  pruneUnusedSchemas(doc);
  return document;
}

/** A schedule feed: a token optional (when public), a strong ETag, 304 on If-None-Match, CORS. */
function documentFeed(operation: Operation, publicFeeds: boolean): void {
  if (publicFeeds) operation.security = [{}, { bearer: [] }];
  const answers = (operation.responses ??= {});
  const ok = answers['200'];
  if (ok && !ok.$ref) {
    (ok as ResponseObject & { headers?: Record<string, unknown> }).headers = {
      ETag: { description: 'Strong validator of this answer; send it back as If-None-Match', schema: { type: 'string' } },
      'Cache-Control': { description: '`public, max-age=10` without a token, `private, no-cache` with one', schema: { type: 'string' } },
      'Access-Control-Allow-Origin': { description: '`*`: any web page may read the feed', schema: { type: 'string' } },
    };
  }
  answers['304'] = { description: 'Not Modified: the If-None-Match ETag is still current (not counted against the rate limit)' };
  const parameters = ((operation.parameters as unknown[] | undefined) ??= []);
  parameters.push({ name: 'If-None-Match', in: 'header', required: false, description: 'an ETag of an earlier answer', schema: { type: 'string' } });
  operation.description ??= publicFeeds
    ? 'A public feed: no token needed (a token still works, and then the answer is private). Rate limited per client address, or per device with a token.'
    : 'A schedule feed (EVENTDAY_PUBLIC_SCHEDULE is off: a device token is required).';
}

/**
 * The zod provider emits an input and an output variant of every named schema; the variants no
 * operation uses are dropped, so the components list what the API really exchanges.
 */
function pruneUnusedSchemas(doc: { components?: Json }): void {
  const schemas = doc.components?.schemas as Record<string, unknown> | undefined;
  if (!schemas) return;
  const refsIn = (value: unknown): string[] => [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!));
  // Roots: everything but the schemas themselves (paths, responses, parameters, …).
  const queue = refsIn({ ...doc, components: { ...doc.components, schemas: undefined } });
  const used = new Set<string>();
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (used.has(id) || !(id in schemas)) continue;
    used.add(id);
    queue.push(...refsIn(schemas[id]));
  }
  for (const id of Object.keys(schemas)) if (!used.has(id)) delete schemas[id];
}
