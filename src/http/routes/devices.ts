// Device routes: admins create, list and revoke device tokens.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth.js';
import { toIso } from '../../core/time.js';
import { idParam } from '../../contract/common.js';
import { createdDeviceSchema, deviceSchema, newDeviceBody, type DeviceWire } from '../../contract/devices.js';
import type { Device } from '../../services/devices.js';

const wire = (d: Device): DeviceWire => ({
  id: d.id,
  name: d.name,
  role: d.role,
  createdAt: toIso(d.createdAt),
  revokedAt: d.revokedAt === null ? null : toIso(d.revokedAt),
});

const routes: FastifyPluginAsyncZod = async (app) => {
  const admin = { roles: ['admin'] as const };

  app.post(
    '/api/devices',
    {
      config: admin,
      schema: {
        tags: ['devices'],
        summary: 'Create a device; its token is shown only in this answer',
        body: newDeviceBody,
        response: { 201: createdDeviceSchema },
      },
    },
    async (request, reply) => {
      const { device, token } = await app.services.devices.create(actorOf(request), request.body.name, request.body.role);
      return reply.code(201).send({ id: device.id, name: device.name, role: device.role, token });
    },
  );

  app.get(
    '/api/devices',
    {
      config: admin,
      schema: { tags: ['devices'], summary: 'List devices (never a token)', response: { 200: z.array(deviceSchema) } },
    },
    async () => (await app.services.devices.list()).map(wire),
  );

  app.delete(
    '/api/devices/:id',
    {
      config: admin,
      schema: { tags: ['devices'], summary: 'Revoke a device: its token stops working and its sockets close with 4403', params: idParam },
    },
    async (request, reply) => {
      // The hub closes the device's sockets when it publishes the device.revoked event.
      await app.services.devices.revoke(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};

export default routes;
