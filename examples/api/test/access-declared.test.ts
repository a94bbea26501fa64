import type { Express, Request, Response } from 'express';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../src/config.js';
import { type AppContext, createAppContext } from '../src/context.js';
import { buildExpressApp } from '../src/express-app.js';
import { buildFastifyApp } from '../src/fastify-app.js';
import { type AppStores, openStores } from '../src/stores/app-stores.js';
import { testSecrets } from './api-client.js';

/**
 * Deny by default (EXAMPLE-API.md, "Roles and permissions"): a route that declares no permission
 * (nor public, nor any caller) is a bug the app refuses to start with. A route module is made to
 * forget one declaration, as a new route written in a hurry would.
 */
const forget = vi.hoisted(() => ({ route: false }));
const FORGOTTEN = '/api/v1/forgotten';

vi.mock('../src/oauth/express-routes.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/oauth/express-routes.js')>();
  return {
    ...real,
    registerOAuthExpressRoutes(app: Express, ...rest: [never, never]) {
      real.registerOAuthExpressRoutes(app, ...rest);
      if (forget.route) app.get(FORGOTTEN, (_req: Request, res: Response) => res.json({}));
    },
  };
});
vi.mock('../src/oauth/fastify-routes.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/oauth/fastify-routes.js')>();
  return {
    ...real,
    registerOAuthFastifyRoutes(scope: FastifyInstance, ...rest: [never, never]) {
      real.registerOAuthFastifyRoutes(scope, ...rest);
      if (forget.route) scope.get(FORGOTTEN, async () => ({}));
    },
  };
});

let stores: AppStores;
let ctx: AppContext;
beforeAll(async () => {
  const config = parseConfig(['--port', '0'], testSecrets());
  stores = await openStores(config);
  ctx = createAppContext(config, stores);
});
afterAll(async () => {
  await stores?.close();
});
afterEach(() => {
  forget.route = false;
});

describe('every route declares what it needs', () => {
  it('Express: the app builds with every route of EXAMPLE-API.md declared', () => {
    expect(() => buildExpressApp(ctx)).not.toThrow();
  });

  it('Express: a route without a declaration stops the start, named', () => {
    forget.route = true;
    expect(() => buildExpressApp(ctx)).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID_VALUE',
        option: 'guardRoutes',
        message: expect.stringContaining(`1 route(s) declare no permission: GET ${FORGOTTEN}.`),
      }),
    );
  });

  it('Fastify: the app is ready with every route of EXAMPLE-API.md declared', async () => {
    const app = buildFastifyApp(ctx);
    await expect(app.ready()).resolves.toBeDefined();
    await app.close();
  });

  it('Fastify: a route without a declaration stops the start, named', async () => {
    forget.route = true;
    const app = buildFastifyApp(ctx);
    await expect(app.ready()).rejects.toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID_VALUE',
        option: `fastifyAccessControl (GET ${FORGOTTEN})`,
      }),
    );
    await app.close().catch(() => {});
  });
});
