// Badge routes: public keys for offline scanners, key rotation, an attendee's current badge, reprint and the printable SVG.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../auth.js';
import { notFound } from '../../core/errors.js';
import { toIso } from '../../core/time.js';
import { idParam } from '../../contract/common.js';
import { badgeSchema, kidParam, publicKeysSchema, removedKeySchema, rotateBody, rotatedKeySchema, type BadgeWireOut } from '../../contract/badges.js';
import { renderBadgeSvg } from '../../interop/badge-svg.js';
import type { BadgeWire } from '../../services/badges.js';

const wire = (b: BadgeWire): BadgeWireOut => ({ code: b.code, version: b.version, issuedAt: toIso(b.issuedAt) });

const routes: FastifyPluginAsyncZod = async (app) => {
  const { badges, attendees } = app.services;

  app.get(
    '/api/badges/public-key',
    {
      config: { roles: ['desk', 'door', 'admin'] },
      schema: {
        tags: ['badges'],
        summary: 'Every Ed25519 key that still verifies badge codes, by key id (the kid inside each code), as PEM and JWK',
        response: {
          200: publicKeysSchema,
        },
      },
    },
    async () => {
      const keys = badges.publicKeyList();
      return {
        alg: 'EdDSA' as const,
        activeKid: keys.find((k) => k.active)!.kid,
        keys: keys.map((k) => ({
          kid: k.kid,
          active: k.active,
          createdAt: toIso(k.createdAt),
          retiredAt: k.retiredAt === null ? null : toIso(k.retiredAt),
          publicKeyPem: k.publicKeyPem,
          jwk: { kty: 'OKP' as const, crv: 'Ed25519' as const, x: k.jwk.x, kid: k.kid, alg: 'EdDSA' as const, use: 'sig' as const },
        })),
      };
    },
  );

  app.post(
    '/api/badges/keys/rotate',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['badges'],
        summary: 'A new key signs badges from now on; retired keys still verify until removed',
        body: rotateBody,
        response: { 201: rotatedKeySchema },
      },
    },
    async (request, reply) => reply.code(201).send(await badges.rotate(actorOf(request))),
  );

  app.delete(
    '/api/badges/keys/:kid',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['badges'],
        summary: 'Remove a retired key: codes it signed scan as invalid_code from now on',
        params: kidParam,
        response: { 200: removedKeySchema },
      },
    },
    async (request) => badges.removeKey(actorOf(request), request.params.kid),
  );

  app.get(
    '/api/attendees/:id/badge',
    {
      config: { roles: ['desk', 'admin'] },
      schema: { tags: ['badges'], summary: "The attendee's current badge, for printing or sending", params: idParam, response: { 200: badgeSchema } },
    },
    async (request) => {
      const badge = badges.current(request.params.id);
      if (!badge) throw notFound('badge');
      return wire(badge);
    },
  );

  app.post(
    '/api/attendees/:id/badge',
    {
      config: { roles: ['desk', 'admin'] },
      schema: {
        tags: ['badges'],
        summary: 'Reprint: a new badge version; every earlier code of this attendee is revoked',
        params: idParam,
        response: { 201: badgeSchema },
      },
    },
    async (request, reply) => reply.code(201).send(wire(await badges.reissue(actorOf(request), request.params.id))),
  );

  app.get(
    '/api/attendees/:id/badge.svg',
    {
      config: { roles: ['desk', 'admin'] },
      schema: { tags: ['badges'], summary: 'A printable A6 badge: name, organization, delegation, category band, QR of the code', params: idParam },
    },
    async (request, reply) => {
      const attendee = attendees.get(request.params.id);
      const badge = attendee && badges.current(attendee.id);
      if (!attendee || !badge) throw notFound('attendee');
      const svg = await renderBadgeSvg({
        name: attendee.name,
        organization: attendee.organization,
        category: attendee.category,
        delegation: attendee.delegation,
        code: badge.code,
      });
      // The QR is a credential: no shared cache may keep it.
      return reply.type('image/svg+xml; charset=utf-8').header('cache-control', 'no-store').send(svg);
    },
  );
};

export default routes;
