// Badge routes: public keys for offline scanners, key rotation, an attendee's current badge, reprint, the printable SVG and PDFs.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../auth.js';
import { AppError, notFound } from '../../core/errors.js';
import { toIso } from '../../core/time.js';
import { idParam } from '../../contract/common.js';
import {
  badgeBatchQuery,
  badgePdfQuery,
  badgeSchema,
  kidParam,
  MAX_BATCH_BADGES,
  publicKeysSchema,
  removedKeySchema,
  rotateBody,
  rotatedKeySchema,
  type BadgeWireOut,
} from '../../contract/badges.js';
import type { BadgePdfInput } from '../../interop/badge-pdf.js';

/** pdfkit and the fonts load with the first badge PDF, not at start: a service that never prints does not carry them. */
const badgePdf = () => import('../../interop/badge-pdf.js');
import { renderBadgeSvg } from '../../interop/badge-svg.js';
import type { AttendeeRow } from '../../services/attendees.js';
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
      const keys = await badges.publicKeyList();
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
    async (request, reply) => {
      const badge = await badges.current(request.params.id);
      if (!badge) throw notFound('badge');
      // The code is a credential: no shared cache may keep a copy.
      reply.header('cache-control', 'no-store');
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
      const attendee = await attendees.get(request.params.id);
      const badge = attendee && (await badges.current(attendee.id));
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

  /** What a PDF badge prints of an attendee with a current badge. */
  const printable = async (attendee: AttendeeRow): Promise<BadgePdfInput> => {
    const badge = await badges.current(attendee.id);
    if (!badge) throw notFound('badge');
    const { name, organization, category, delegation, flags } = attendee;
    return { name, organization, category, delegation, flags, code: badge.code };
  };

  app.get(
    '/api/attendees/:id/badge.pdf',
    {
      config: { roles: ['desk', 'admin'] },
      schema: {
        tags: ['badges'],
        summary: 'The badge as a PDF page of its print size (A6, or a 4 × 3 in label), fonts embedded',
        description:
          'Name (with a Latin line under names in Cyrillic, Greek, Han and Hangul), organization, delegation, VIP / accessibility / interpreter marks, QR of the code, category band.',
        params: idParam,
        querystring: badgePdfQuery,
      },
    },
    async (request, reply) => {
      const attendee = await attendees.get(request.params.id);
      if (!attendee) throw notFound('attendee');
      const pdf = await (await badgePdf()).renderBadgePdf(await printable(attendee), request.query.size);
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="badge-${request.params.id}.pdf"`)
        .send(pdf);
    },
  );

  app.get(
    '/api/badges.pdf',
    {
      config: { roles: ['desk', 'admin'] },
      schema: {
        tags: ['badges'],
        summary: `Many badges on A4 sheets (4 A6 or 6 labels a sheet, with cut lines), at most ${MAX_BATCH_BADGES}`,
        description:
          'Choose by `attendeeIds` (in that order, any status), or every registered attendee of an `organization`, `delegation` and/or `category` (by name).',
        querystring: badgeBatchQuery,
      },
    },
    async (request, reply) => {
      const { attendeeIds, size, ...where } = request.query;
      if (attendeeIds !== undefined && attendeeIds.length > MAX_BATCH_BADGES) {
        throw new AppError('too_many_badges', 400, `at most ${MAX_BATCH_BADGES} badges in one PDF; print in parts`);
      }
      const selected: AttendeeRow[] = [];
      if (attendeeIds === undefined) selected.push(...(await attendees.registeredWhere(where, MAX_BATCH_BADGES + 1)));
      else {
        for (const id of attendeeIds) {
          const attendee = await attendees.get(id);
          if (!attendee) throw new AppError('not_found', 404, `attendee ${id} not found`);
          selected.push(attendee);
        }
      }
      if (selected.length === 0) throw new AppError('not_found', 404, 'no registered attendee matches');
      if (selected.length > MAX_BATCH_BADGES) {
        throw new AppError('too_many_badges', 400, `more than ${MAX_BATCH_BADGES} attendees match; narrow the selection or print in parts`);
      }
      // One read at a time: a sheet of hundreds does not take every pooled connection at once.
      const inputs: BadgePdfInput[] = [];
      for (const attendee of selected) inputs.push(await printable(attendee));
      const pdf = await (await badgePdf()).renderBadgeSheetsPdf(inputs, size);
      return reply.type('application/pdf').header('cache-control', 'no-store').header('content-disposition', 'inline; filename="badges.pdf"').send(pdf);
    },
  );
};

export default routes;
