// The public schedule feeds: one handler for every feed route — answers without a token, strong ETags and 304s, cache headers, CORS and per-client rate limits.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, notFound } from '../core/errors.js';

/** `public`: what anyone may see (anonymous callers and kiosks); `full`: the programme as staff see it. */
export type FeedView = 'public' | 'full';

export interface FeedAnswer {
  /** The Content-Type of the body. */
  type: string;
  body: string;
  /** Clock reading (ms) from which the answer may change by itself, without a schedule event (the next session start or end). */
  validUntil?: number;
  headers?: Readonly<Record<string, string>>;
}

/** A feed route's `config.publicFeed`: how to build its answer for a view; `serveFeed` does the rest. */
export interface PublicFeed {
  build(request: FastifyRequest, view: FeedView): FeedAnswer | Promise<FeedAnswer>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks a schedule feed: anonymous with EVENTDAY_PUBLIC_SCHEDULE on, served by `serveFeed`. */
    publicFeed?: PublicFeed;
  }
  interface FastifyInstance {
    feeds: FeedCache;
  }
}

const ANONYMOUS_CACHE = 'public, max-age=10';
const TOKEN_CACHE = 'private, no-cache';
const WINDOW_MS = 60_000;
/** Distinct answers kept (a feed per query string and view); past it the cache starts again. */
const MAX_CACHED = 500;

interface Cached {
  version: string;
  validUntil: number;
  answer: FeedAnswer;
  etag: string;
}

export interface FeedCacheOptions {
  /** EVENTDAY_PUBLIC_SCHEDULE: only public feeds answer CORS (off: token-only, as any other route). */
  cors: boolean;
  clock: () => number;
  /** What every feed depends on: the database epoch and the newest schedule event. */
  version: () => string | Promise<string>;
  anonymousPerMinute: number;
  devicePerMinute: number;
}

/** The built answers (by view and URL, until the schedule changes) and the per-client request counts of the current minute. */
export class FeedCache {
  private readonly answers = new Map<string, Cached>();
  private windowStart = 0;
  private counts = new Map<string, number>();

  constructor(private readonly opts: FeedCacheOptions) {}

  /** The answer built for this key while it is still current, else null. */
  current(key: string, version: string): Cached | null {
    const cached = this.answers.get(key);
    return cached && cached.version === version && this.opts.clock() < cached.validUntil ? cached : null;
  }

  /** What the feeds depend on now (read once per request). */
  async version(): Promise<string> {
    return this.opts.version();
  }

  async answer(key: string, version: string, build: () => FeedAnswer | Promise<FeedAnswer>): Promise<Cached> {
    const cached = this.current(key, version);
    if (cached) return cached;
    const answer = await build();
    const etag = `"${createHash('sha256').update(answer.type).update('\n').update(answer.body).digest('base64url')}"`;
    const entry: Cached = { version, validUntil: answer.validUntil ?? Number.POSITIVE_INFINITY, answer, etag };
    if (this.answers.size >= MAX_CACHED) this.answers.clear();
    this.answers.set(key, entry);
    return entry;
  }

  /** Counts one request of a client; returns the seconds to wait when it is over its limit this minute. */
  admit(client: string, limit: number): number | null {
    const now = this.opts.clock();
    if (now < this.windowStart || now >= this.windowStart + WINDOW_MS) {
      this.windowStart = now - (now % WINDOW_MS);
      this.counts = new Map();
    }
    const count = (this.counts.get(client) ?? 0) + 1;
    this.counts.set(client, count);
    if (count <= limit) return null;
    return Math.max(1, Math.ceil((this.windowStart + WINDOW_MS - now) / 1000));
  }

  limits(): { anonymousPerMinute: number; devicePerMinute: number } {
    return this.opts;
  }
}

/** RFC 9110: If-None-Match compares weakly, and `*` matches any current answer. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/**
 * The handler of every feed route: the route's `config.publicFeed` builds the body, this answers it.
 * Each send is awaited: Fastify would answer again an async handler that returned before its reply went out.
 */
export async function serveFeed(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const feed = request.routeOptions.config.publicFeed;
  if (!feed) throw new Error(`route ${request.routeOptions.url ?? request.url} is served as a feed but has no config.publicFeed`);
  const cache = request.server.feeds;
  const device = request.device;
  // Kiosks are a public surface: they get what an anonymous caller gets.
  const view: FeedView = device && device.role !== 'kiosk' ? 'full' : 'public';
  // Keyed by the route and its validated query (unknown parameters are stripped by the schema), so
  // varying a query string cannot make the service build a new document per request.
  const key = `${view} ${request.routeOptions.url ?? ''} ${JSON.stringify(request.query ?? {})}`;
  const version = await cache.version();
  const cached = cache.current(key, version);
  const cacheControl = device ? TOKEN_CACHE : ANONYMOUS_CACHE;
  // Answered before the limit counts: a client that polls politely with If-None-Match costs next to nothing.
  if (cached && matchesEtag(request.headers['if-none-match'], cached.etag)) {
    await reply.header('etag', cached.etag).header('cache-control', cacheControl).code(304).send();
    return;
  }
  // Counted before anything is built: a client over its limit costs no work (and its 429 carries no ETag).
  const limits = cache.limits();
  const retryAfter = device ? cache.admit(`device ${device.id}`, limits.devicePerMinute) : cache.admit(`address ${request.ip}`, limits.anonymousPerMinute);
  if (retryAfter !== null) {
    reply.header('retry-after', String(retryAfter)).header('cache-control', 'no-store');
    throw new AppError('rate_limited', 429, `too many requests to the schedule feeds; try again in ${retryAfter} s`);
  }
  const { answer, etag } = cached ?? (await cache.answer(key, version, () => feed.build(request, view)));
  reply.header('etag', etag).header('cache-control', cacheControl);
  if (matchesEtag(request.headers['if-none-match'], etag)) {
    await reply.code(304).send();
    return;
  }
  for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
  await reply.type(answer.type).send(answer.body);
}

/**
 * Registered before the route plugins: collects the feed routes, gives their answers (errors
 * included) CORS and `Vary: Authorization`, and answers their CORS preflight.
 */
export const publicFeeds = fp<FeedCacheOptions>(
  async (app, opts) => {
    app.decorate('feeds', new FeedCache(opts));
    const feedUrls = new Set<string>();
    app.addHook('onRoute', (route) => {
      if (route.config?.publicFeed !== undefined) feedUrls.add(route.url);
    });
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.routeOptions.config.publicFeed !== undefined) {
        reply.header('vary', 'Authorization');
        if (opts.cors) reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', 'ETag, Retry-After');
      }
      return payload;
    });
    if (!opts.cors) return;
    app.options(
      '/api/*',
      { config: { roles: 'public' }, schema: { hide: true } },
      async (request, reply) => {
        const path = request.url.split('?')[0]!.replace(/\/+$/, '');
        if (!feedUrls.has(path)) throw notFound('feed');
        return reply
          .code(204)
          .header('access-control-allow-origin', '*')
          .header('access-control-allow-methods', 'GET, HEAD, OPTIONS')
          .header('access-control-allow-headers', 'Authorization, If-None-Match')
          .header('access-control-max-age', '86400')
          .send();
      },
    );
  },
  { name: 'eventday-public-feeds' },
);
