import type { Server } from 'node:http';
import type { SecurityEvent } from '@rampart/core';
import { authenticate, problemErrorHandler, rampartCore } from '@rampart/core/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressAccessControl } from '../src/express.js';
import { baseUrl, CALLERS, call } from './helpers/http.js';
import { seedAccess, testAuthenticator } from './helpers/seed.js';

const events: SecurityEvent[] = [];
const access = seedAccess(events);
const guard = expressAccessControl(access);
let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(rampartCore());
  const auth = authenticate([testAuthenticator]);
  const ok = (_req: express.Request, res: express.Response) => {
    res.json({ ok: true });
  };
  app.get('/health', guard.publicRoute(), ok);
  app.get('/api/v1/admin/users', auth, guard.requirePermissions('users:read'), ok);
  app.post('/api/v1/admin/users/:id/role', auth, guard.requirePermissions('users:write'), ok);
  app.get('/api/v1/admin/security/settings', auth, guard.requirePermissions('settings:read'), ok);
  app.patch(
    '/api/v1/admin/security/settings',
    auth,
    guard.requirePermissions('settings:write'),
    ok,
  );
  app.get('/api/v1/entities', auth, guard.requirePermissions('entities:read'), ok);
  app.get('/api/v1/staff', auth, guard.requireRole('admin', 'super_admin'), ok);
  const router = express.Router();
  router.get('/profile', auth, guard.requirePermissions('profile:read'), ok);
  app.use('/api/v1/me', router);
  guard.guardRoutes(app, { requireDeclared: true });
  app.use(problemErrorHandler());
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = baseUrl(server);
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

const ADMIN_ROUTES = [
  ['GET', '/api/v1/admin/users'],
  ['HEAD', '/api/v1/admin/users'],
  ['OPTIONS', '/api/v1/admin/users'],
  ['POST', '/api/v1/admin/users/u2/role'],
  ['OPTIONS', '/api/v1/admin/users/u2/role'],
  ['GET', '/api/v1/admin/security/settings'],
  ['HEAD', '/api/v1/admin/security/settings'],
  ['OPTIONS', '/api/v1/admin/security/settings'],
  ['PATCH', '/api/v1/admin/security/settings'],
] as const;

describe('Express guards over a real listen', () => {
  it.each(ADMIN_ROUTES)(
    '%s %s refuses a user with 403 naming the permission',
    async (method, path) => {
      const response = await call(base, method, path, CALLERS.user);
      expect(response.status).toBe(403);
      if (method !== 'HEAD') {
        expect(JSON.parse(response.body)).toMatchObject({
          code: 'ERR_FORBIDDEN',
          permission: expect.stringMatching(/^(users|settings):/),
        });
      }
    },
  );

  it.each(ADMIN_ROUTES)('%s %s answers 401 without a credential', async (method, path) => {
    expect((await call(base, method, path)).status).toBe(401);
  });

  it.each(ADMIN_ROUTES)('%s %s lets an admin through', async (method, path) => {
    const response = await call(base, method, path, CALLERS.admin);
    expect(response.status).toBe(method === 'OPTIONS' ? 204 : 200);
    if (method === 'OPTIONS') expect(response.headers.get('allow')).toContain('OPTIONS');
  });

  it('answers OPTIONS with every method of the path, across the routes that share it (as Fastify)', async () => {
    // GET and PATCH of the settings are two app.get/app.patch calls: two Express routes.
    const response = await call(base, 'OPTIONS', '/api/v1/admin/security/settings', CALLERS.admin);
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')?.split(', ').sort()).toEqual([
      'GET',
      'HEAD',
      'OPTIONS',
      'PATCH',
    ]);
  });

  it('emits ACCESS_DENIED with the matched route, method and client IP', async () => {
    events.length = 0;
    await call(base, 'OPTIONS', '/api/v1/admin/users', CALLERS.guest);
    expect(events).toMatchObject([
      {
        type: 'ACCESS_DENIED',
        userId: 'g1',
        method: 'OPTIONS',
        route: '/api/v1/admin/users',
        ip: '127.0.0.1',
        detail: { permission: 'users:read' },
      },
    ]);
  });

  it('intersects an API key scopes with its owner permissions', async () => {
    expect((await call(base, 'GET', '/api/v1/entities', CALLERS.userKey)).status).toBe(200);
    const narrow = await call(base, 'GET', '/api/v1/admin/users', CALLERS.adminKeyNarrow);
    expect(narrow.status).toBe(403);
    expect(JSON.parse(narrow.body)).toMatchObject({
      code: 'ERR_INSUFFICIENT_SCOPE',
      permission: 'users:read',
    });
    expect((await call(base, 'GET', '/api/v1/admin/users', CALLERS.adminKeyWide)).status).toBe(200);
    const user = await call(base, 'GET', '/api/v1/admin/users', CALLERS.userKey);
    expect(JSON.parse(user.body)).toMatchObject({ code: 'ERR_FORBIDDEN' });
  });

  it('guards roles, and routes of mounted routers', async () => {
    expect((await call(base, 'GET', '/api/v1/staff', CALLERS.user)).status).toBe(403);
    expect((await call(base, 'GET', '/api/v1/staff', CALLERS.admin)).status).toBe(200);
    expect((await call(base, 'OPTIONS', '/api/v1/staff', CALLERS.user)).status).toBe(403);
    expect((await call(base, 'GET', '/api/v1/me/profile', CALLERS.user)).status).toBe(200);
    expect((await call(base, 'OPTIONS', '/api/v1/me/profile', CALLERS.admin)).status).toBe(403);
  });

  it('leaves public routes alone', async () => {
    expect((await call(base, 'GET', '/health')).status).toBe(200);
  });
});

describe('guardRoutes({ requireDeclared })', () => {
  it('refuses to start with a route that declares nothing, naming it', () => {
    const app = express();
    app.get('/declared', guard.requirePermissions('entities:read'), (_req, res) => res.end());
    app.post('/forgotten', (_req, res) => res.end());
    const router = express.Router();
    router.delete('/nested', (_req, res) => res.end());
    app.use('/r', router);
    expect(() => guard.guardRoutes(app, { requireDeclared: true })).toThrow(
      expect.objectContaining({
        option: 'guardRoutes',
        message: expect.stringMatching(/2 route\(s\).*POST \/forgotten; DELETE \/nested/),
      }),
    );
    expect(() => guard.guardRoutes(app)).not.toThrow();
  });

  it('refuses an unknown permission from untyped code at construction', () => {
    expect(() => guard.requirePermissions('users:raed' as never)).toThrow(
      expect.objectContaining({ option: 'requirePermissions.permissions[0]' }),
    );
    expect(() => guard.requireRole('root' as never)).toThrow(
      expect.objectContaining({ option: 'requireRole.roles[0]' }),
    );
  });
});

describe('authenticatedRoute', () => {
  it('lets any identified caller through, whatever the role, and refuses no credential', async () => {
    const app = express();
    app.get('/me', authenticate([testAuthenticator]), guard.authenticatedRoute(), (_req, res) => {
      res.json({ ok: true });
    });
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    const url = baseUrl(listening);
    try {
      expect((await call(url, 'GET', '/me', CALLERS.guest)).status).toBe(200);
      expect((await call(url, 'GET', '/me', { authorization: 'Bearer root:r1' })).status).toBe(200);
      expect((await call(url, 'GET', '/me')).status).toBe(401);
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
  });
});

describe('authenticatedRoute and scopedRoute with an API key', () => {
  it('refuses a key on an authenticated route whatever its scopes; a scoped route checks them', async () => {
    const before = events.length;
    const app = express();
    const auth = authenticate([testAuthenticator]);
    const ok = (_req: express.Request, res: express.Response) => {
      res.json({ ok: true });
    };
    app.post('/account/keys', auth, guard.authenticatedRoute(), ok);
    app.get('/me', auth, guard.scopedRoute('profile:read'), ok);
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    const url = baseUrl(listening);
    const key = (scopes: string) => ({ 'x-api-key': `super_admin|u-key|${scopes}` });
    try {
      const refused = await call(url, 'POST', '/account/keys', key('*'));
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'ERR_INSUFFICIENT_SCOPE' });
      expect((await call(url, 'POST', '/account/keys', CALLERS.guest)).status).toBe(200);
      const narrow = await call(url, 'GET', '/me', key('entities:read'));
      expect(narrow.status).toBe(403);
      expect(JSON.parse(narrow.body)).toMatchObject({
        code: 'ERR_INSUFFICIENT_SCOPE',
        permission: 'profile:read',
      });
      expect((await call(url, 'GET', '/me', key('profile:read'))).status).toBe(200);
      // Whatever the role: a guest's token reads /me, though guests lack profile:read.
      expect((await call(url, 'GET', '/me', CALLERS.guest)).status).toBe(200);
      expect((await call(url, 'GET', '/me')).status).toBe(401);
      expect(events.slice(before).map((event) => [event.type, event.reason])).toEqual([
        ['ACCESS_DENIED', 'scope'],
        ['ACCESS_DENIED', 'scope'],
      ]);
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
  });

  it('refuses an unknown scope at construction', () => {
    expect(() => guard.scopedRoute('profile:raed' as never)).toThrow(
      expect.objectContaining({ option: 'scopedRoute.scopes[0]' }),
    );
  });
});
