// Deny by default: every route declares its roles, every request is authenticated by device token; the first admin device.
import fp from 'fastify-plugin';
import { registerAuthentication, registerRoleGuard } from '../http/auth.js';
import { registerNulGuard } from '../http/nul-guard.js';

export default fp(
  async (app) => {
    const devices = app.services.devices;
    const bootstrap = await devices.ensureBootstrapAdmin(app.appConfig.adminToken);
    if (bootstrap.generatedToken) {
      // Shown once: only the token's hash is stored, so this line is the only way to learn it.
      app.log.warn({ adminToken: bootstrap.generatedToken }, 'new database: admin device created; keep this token, it is not shown again');
    }
    // Before any route (docs included): a route without a role list is refused.
    registerRoleGuard(app);
    // After @fastify/websocket, whose onRequest hook must run first (see registerAuthentication).
    registerAuthentication(app, devices, { publicFeeds: app.appConfig.publicSchedule });
    registerNulGuard(app);
  },
  { name: 'eventday-security', dependencies: ['eventday-services', 'eventday-websocket'] },
);
