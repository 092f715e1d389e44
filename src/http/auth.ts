// Authentication and role checks: every route declares its roles, and a route without a list cannot be registered.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../core/vocabulary.js';
import type { Device, DeviceService } from '../services/devices.js';
import type { Actor } from '../store/unit-of-work.js';
import { AppError } from '../core/errors.js';
import type {} from './public-feed.js';

/** `'public'` marks the few routes anyone may call (health, docs, pages); everything else lists its roles. */
export type RouteRoles = readonly Role[] | 'public';

export const ANY_ROLE: readonly Role[] = ['admin', 'ops', 'desk', 'door', 'kiosk'];

declare module 'fastify' {
  interface FastifyContextConfig {
    roles?: RouteRoles;
    /** Browsers cannot set headers on a WebSocket: the live route also takes `bearer.<token>` as a subprotocol. */
    tokenInSubprotocol?: boolean;
  }
  interface FastifyRequest {
    device: Device | null;
  }
}

export function actorOf(request: FastifyRequest): Actor {
  const device = request.device;
  if (!device) throw new AppError('unauthorized', 401, 'a device token is required');
  return { deviceId: device.id, role: device.role };
}

function bearerFrom(request: FastifyRequest, allowSubprotocol: boolean): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1]! : null;
  }
  if (allowSubprotocol) {
    const protocols = request.headers['sec-websocket-protocol'];
    if (typeof protocols === 'string') {
      for (const p of protocols.split(',')) {
        const trimmed = p.trim();
        if (trimmed.startsWith('bearer.')) return trimmed.slice('bearer.'.length);
      }
    }
  }
  return null;
}

/** Must be added before any route is registered: a route without a role list is refused. */
export function registerRoleGuard(app: FastifyInstance): void {
  app.decorateRequest('device', null);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) {
      route.config = { ...(route.config ?? {}), roles: 'public' };
      return;
    }
    const roles = route.config?.roles;
    if (roles === undefined || (roles !== 'public' && roles.length === 0)) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no roles: deny by default`);
    }
  });
}

export interface AuthOptions {
  /** EVENTDAY_PUBLIC_SCHEDULE: the routes marked `config.publicFeed` answer a request without a token. */
  publicFeeds: boolean;
}

/**
 * Added after @fastify/websocket, whose own onRequest hook must run first: it marks upgrade
 * requests so that a refused upgrade (401/403) has its socket closed instead of left open.
 */
export function registerAuthentication(app: FastifyInstance, devices: DeviceService, options: AuthOptions): void {
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const config = request.routeOptions.config;
    const roles = config.roles;
    if (roles === 'public') return;
    if (roles === undefined) throw new AppError('forbidden', 403, 'this route is not open to any role');
    // A feed asked without any Authorization header is anonymous; a header that is there must hold a valid token.
    if (options.publicFeeds && config.publicFeed !== undefined && request.headers.authorization === undefined) return;
    const token = bearerFrom(request, config.tokenInSubprotocol === true);
    const device = token === null ? null : await devices.authenticate(token);
    if (!device) throw new AppError('unauthorized', 401, 'a valid device token is required (Authorization: Bearer <token>)');
    request.device = device;
    if (!roles.includes(device.role)) {
      throw new AppError('forbidden', 403, `the ${device.role} role may not use this route`);
    }
  });
}
