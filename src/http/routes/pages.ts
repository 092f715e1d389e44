// Serves the floor pages (/kiosk, /desk, /dashboard) and their /assets from the web build, under a strict Content-Security-Policy.
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import type { RouteRoles } from '../auth.js';

export interface PagesOptions {
  /** The folder `scripts/build-web.ts` wrote: the html pages, with their scripts and css under `assets/`. */
  webRoot: string;
}

export const PAGES = ['kiosk', 'desk', 'dashboard'] as const;

/**
 * Scripts and styles only from this origin (no inline script, so injected markup cannot run);
 * sockets to this origin; badges are shown as data: images. The pages are never framed.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

// The pages carry no secret: each device brings its token in the URL fragment, which browsers never send.
const PUBLIC: RouteRoles = 'public';

const pages: FastifyPluginAsync<PagesOptions> = async (app, opts) => {
  const root = path.resolve(opts.webRoot);
  const assets = path.join(root, 'assets');

  // Routes are ours (so they declare their roles); @fastify/static only streams the files. Another
  // plugin may already have decorated sendFile, which takes the root per call anyway.
  if (!app.hasReplyDecorator('sendFile')) {
    await app.register(fastifyStatic, { root, serve: false });
  }

  // `/` is the landing page (index.html), linking to the three pages and /docs.
  for (const [url, file] of [...PAGES.map((p) => [`/${p}`, `${p}.html`] as const), ['/', 'index.html'] as const]) {
    app.get(url, { config: { roles: PUBLIC }, schema: { hide: true } }, (_request, reply) =>
      reply
        .header('content-security-policy', PAGE_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('x-frame-options', 'DENY')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .sendFile(file, root, { cacheControl: false }),
    );
  }

  app.get<{ Params: { '*': string } }>(
    '/assets/*',
    { config: { roles: PUBLIC }, schema: { hide: true } },
    (request, reply) =>
      reply.header('x-content-type-options', 'nosniff').sendFile(request.params['*'], assets),
  );
};

export default pages;
