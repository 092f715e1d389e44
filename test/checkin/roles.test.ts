// Every attendee, badge and check-in route × every role: allowed, denied (403), or unauthenticated (401).
import t from 'tap';
import type { Role } from '../../src/core/vocabulary.js';
import { build } from '../helper.js';
import { walkIn } from './fixtures.js';

const ROLES: Role[] = ['admin', 'ops', 'desk', 'door', 'kiosk'];

t.test('roles per route', async (t) => {
  const built = await build(t);
  const { app } = built;
  const someone = await walkIn(built, { name: 'Role Model' });
  const routes: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; allowed: Role[]; payload?: object | string; contentType?: string }[] = [
    { method: 'GET', url: '/api/attendees?q=role', allowed: ['desk', 'door', 'admin'] },
    { method: 'GET', url: `/api/attendees/${someone.id}`, allowed: ['desk', 'admin'] },
    { method: 'POST', url: '/api/attendees', allowed: ['desk', 'admin'], payload: { name: 'Walk In', organization: 'X', category: 'other' } },
    { method: 'PATCH', url: `/api/attendees/${someone.id}`, allowed: ['desk', 'admin'], payload: { flags: ['vip'] } },
    { method: 'POST', url: '/api/attendees/import', allowed: ['admin'], payload: 'name,category\n', contentType: 'text/csv' },
    { method: 'GET', url: `/api/attendees/${someone.id}/badge`, allowed: ['desk', 'admin'] },
    { method: 'POST', url: `/api/attendees/${someone.id}/badge`, allowed: ['desk', 'admin'] },
    { method: 'GET', url: `/api/attendees/${someone.id}/badge.svg`, allowed: ['desk', 'admin'] },
    { method: 'GET', url: '/api/badges/public-key', allowed: ['desk', 'door', 'admin'] },
    { method: 'POST', url: '/api/badges/keys/rotate', allowed: ['admin'] },
    { method: 'DELETE', url: '/api/badges/keys/knokey', allowed: ['admin'] },
    { method: 'POST', url: '/api/checkins', allowed: ['desk', 'door', 'admin'], payload: { scanId: 'role-check', code: 'x' } },
    { method: 'POST', url: '/api/checkins/batch', allowed: ['desk', 'door', 'admin'], payload: { scans: [{ scanId: 'role-batch', code: 'x' }] } },
    { method: 'DELETE', url: '/api/checkins/unknown', allowed: ['desk', 'admin'] },
    { method: 'GET', url: '/api/checkins/stats', allowed: ['ops', 'desk', 'admin'] },
    { method: 'GET', url: '/api/checkins/offline-list', allowed: ['desk', 'door'] },
  ];
  for (const route of routes) {
    const base = {
      method: route.method,
      url: route.url,
      ...(route.payload ? { payload: route.payload } : {}),
      ...(route.contentType ? { headers: { 'content-type': route.contentType } } : {}),
    };
    const anon = await app.inject(base);
    t.equal(anon.statusCode, 401, `${route.method} ${route.url} without a token`);
    for (const role of ROLES) {
      const res = await app.inject({ ...base, headers: { ...(route.contentType ? { 'content-type': route.contentType } : {}), ...built.auth(role) } });
      if (route.allowed.includes(role)) {
        t.notOk([401, 403].includes(res.statusCode), `${role} may ${route.method} ${route.url} (${res.statusCode})`);
      } else {
        t.equal(res.statusCode, 403, `${role} may not ${route.method} ${route.url}`);
        t.equal(res.json().code, 'forbidden');
      }
    }
  }
});
