import type { Server } from 'node:http';
import type { SecurityEvent } from '@rampart/core';
import { authenticate, rampartCore } from '@rampart/core/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastifyAccessControl } from '../src/fastify.js';
import { createAccessControl } from '../src/index.js';
import { baseUrl, CALLERS, call } from './helpers/http.js';
import { seedAccess, testAuthenticator } from './helpers/seed.js';

const events: SecurityEvent[] = [];
const access = seedAccess(events);
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = Fastify();
  await app.register(rampartCore);
  await app.register(fastifyAccessControl, { access, requireDeclared: true });
  const auth = authenticate([testAuthenticator]);
  const ok = async () => ({ ok: true });
  app.get('/health', { config: { access: 'public' } }, ok);
  app.get(
    '/api/v1/admin/users',
    { preHandler: auth, config: { access: { permissions: ['users:read'] } } },
    ok,
  );
  app.post(
    '/api/v1/admin/users/:id/role',
    { preHandler: [auth], config: { access: { permissions: ['users:write'] } } },
    ok,
  );
  app.get(
    '/api/v1/admin/security/settings',
    { preHandler: auth, config: { access: { permissions: ['settings:read'] } } },
    ok,
  );
  app.patch(
    '/api/v1/admin/security/settings',
    { preHandler: auth, config: { access: { permissions: ['settings:write'] } } },
    ok,
  );
  app.get(
    '/api/v1/entities',
    { onRequest: auth, config: { access: { permissions: ['entities:read'] } } },
    ok,
  );
  await app.register(
    async (scoped) => {
      scoped.get(
        '/staff',
        { preHandler: auth, config: { access: { roles: ['admin', 'super_admin'] } } },
        ok,
      );
    },
    { prefix: '/api/v1/team' },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = baseUrl(app.server as Server);
});

afterAll(() => app.close());

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

describe('Fastify guards over a real listen', () => {
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
  });

  it('answers OPTIONS with every method of the path', async () => {
    const response = await call(
      base,
      'OPTIONS',
      '/api/v1/admin/security/settings',
      CALLERS.superAdmin,
    );
    expect(response.headers.get('allow')?.split(', ').sort()).toEqual([
      'GET',
      'HEAD',
      'OPTIONS',
      'PATCH',
    ]);
  });

  it('emits ACCESS_DENIED with the matched route, method and client IP', async () => {
    events.length = 0;
    await call(base, 'HEAD', '/api/v1/admin/users', CALLERS.guest);
    await call(base, 'POST', '/api/v1/admin/users/u7/role', CALLERS.guest);
    expect(events).toMatchObject([
      {
        type: 'ACCESS_DENIED',
        userId: 'g1',
        method: 'HEAD',
        ip: '127.0.0.1',
        detail: { permission: 'users:read' },
      },
      {
        type: 'ACCESS_DENIED',
        method: 'POST',
        route: '/api/v1/admin/users/:id/role',
        detail: { permission: 'users:write' },
      },
    ]);
  });

  it('intersects an API key scopes with its owner permissions, with the guard after an onRequest authenticate', async () => {
    expect((await call(base, 'GET', '/api/v1/entities', CALLERS.userKey)).status).toBe(200);
    const narrow = await call(base, 'GET', '/api/v1/admin/users', CALLERS.adminKeyNarrow);
    expect(JSON.parse(narrow.body)).toMatchObject({
      code: 'ERR_INSUFFICIENT_SCOPE',
      permission: 'users:read',
    });
    expect((await call(base, 'GET', '/api/v1/admin/users', CALLERS.adminKeyWide)).status).toBe(200);
  });

  it('guards roles inside a prefixed plugin, OPTIONS included', async () => {
    expect((await call(base, 'GET', '/api/v1/team/staff', CALLERS.user)).status).toBe(403);
    expect((await call(base, 'OPTIONS', '/api/v1/team/staff', CALLERS.user)).status).toBe(403);
    expect((await call(base, 'HEAD', '/api/v1/team/staff', CALLERS.admin)).status).toBe(200);
    expect((await call(base, 'GET', '/health')).status).toBe(200);
  });
});

describe('requireDeclared', () => {
  it('refuses a route without config.access when it is added, naming it', async () => {
    const strict = Fastify();
    await strict.register(fastifyAccessControl, { access, requireDeclared: true });
    expect(() => strict.post('/forgotten', async () => 'x')).toThrow(
      expect.objectContaining({ option: 'fastifyAccessControl (POST /forgotten)' }),
    );
    expect(() =>
      // Untyped code (or an app that registered another access control): refused at start-up.
      strict.get(
        '/typo',
        { config: { access: { permissions: ['users:raed'] } as never } },
        async () => 'x',
      ),
    ).toThrow(expect.objectContaining({ option: 'GET /typo config.access.permissions[0]' }));
    await strict.close();
  });

  it("declares a plugin's routes by URL with the routes option, checked the same way", async () => {
    const strict = Fastify();
    await strict.register(rampartCore);
    await strict.register(fastifyAccessControl, {
      access,
      requireDeclared: true,
      routes: { '/vendor/open': 'public', '/vendor/users': { permissions: ['users:read'] } },
    });
    // A plugin whose route options the app does not write.
    await strict.register(
      async (vendor) => {
        vendor.get('/open', async () => ({ open: true }));
        vendor.get('/users', { preHandler: authenticate([testAuthenticator]) }, async () => 'x');
      },
      { prefix: '/vendor' },
    );
    expect(() => strict.get('/vendor/other', async () => 'x')).toThrow(
      expect.objectContaining({ option: 'fastifyAccessControl (GET /vendor/other)' }),
    );
    await strict.listen({ port: 0, host: '127.0.0.1' });
    const url = baseUrl(strict.server as Server);
    expect((await call(url, 'GET', '/vendor/open')).status).toBe(200);
    for (const method of ['GET', 'HEAD', 'OPTIONS'] as const) {
      expect((await call(url, method, '/vendor/users', CALLERS.user)).status, method).toBe(403);
      expect((await call(url, method, '/vendor/users', CALLERS.admin)).status, method).not.toBe(
        403,
      );
    }
    await strict.close();

    const typo = Fastify();
    await typo.register(fastifyAccessControl, {
      access,
      requireDeclared: true,
      routes: { '/x': { permissions: ['users:raed'] } as never },
    });
    expect(() => typo.get('/x', async () => 'x')).toThrow(
      expect.objectContaining({ option: "GET /x routes['/x'].permissions[0]" }),
    );
    await typo.close();
  });

  it('lets undeclared routes be without it, and refuses bad options', async () => {
    const loose = Fastify();
    await loose.register(fastifyAccessControl, { access });
    loose.get('/anything', async () => 'x');
    expect((await loose.inject({ method: 'GET', url: '/anything' })).statusCode).toBe(200);
    await loose.close();
    const bad = Fastify();
    await expect(bad.register(fastifyAccessControl, { access: {} as never })).rejects.toThrow(
      expect.objectContaining({ option: 'fastifyAccessControl.access' }),
    );
    await expect(
      Fastify().register(fastifyAccessControl, {
        access: createAccessControl({ permissions: ['a:b'], roles: { r: {} } }),
        hook: 'onSend' as never,
      }),
    ).rejects.toThrow(expect.objectContaining({ option: 'fastifyAccessControl.hook' }));
  });
});
