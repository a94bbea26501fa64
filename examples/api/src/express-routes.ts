import { requireScopes } from '@rampart/api-keys/express';
import { authRequiredError } from '@rampart/core';
import { authenticate, toSecurityRequest } from '@rampart/core/express';
import { rateLimit } from '@rampart/rate-limit/express';
import { requestSigning } from '@rampart/request-signing/express';
import type { Express, NextFunction, Request, Response } from 'express';
import {
  anyCaller,
  appExpressGuards,
  profileReader,
  publicRoute,
  registerAdminExpressRoutes,
} from './access/express.js';
import { registerApiKeyExpressRoutes } from './api-keys/express-routes.js';
import { writeKeyLimitHeaders } from './api-keys/key-limit-headers.js';
import { registerAuditExpressRoutes } from './audit/express-routes.js';
import { callerPrincipal, createIdentify } from './auth/identify.js';
import type { AppContext } from './context.js';
import { idempotentRoute } from './idempotency/express.js';
import { registerMfaExpressRoutes } from './mfa/express-routes.js';
import { registerOAuthExpressRoutes } from './oauth/express-routes.js';
import {
  ENTITIES_POLICIES,
  ENTITIES_SCOPE,
  LOGIN_IP_POLICIES,
  LOGIN_POLICIES,
  LOGIN_SCOPE,
  loginEmailKey,
  PASSWORD_CHANGE_SCOPE,
  REGISTER_SCOPE,
  registerPolicies,
} from './rate-limits.js';
import { registerSessionExpressRoutes } from './sessions/express-routes.js';

const ENTITY_RECORDS = '/api/v1/entities/:entityId/records';

function setResponseHeader(res: Response, name: string, value: string): void {
  res.setHeader(name, value);
}

function getResponseHeader(res: Response, name: string): unknown {
  return res.getHeader(name);
}

/**
 * The auth and entities routes on Express, in the order of `registerFastifyRoutes`. Each guard
 * sits in its route's own chain, so the limits key on the matched route, never the raw path.
 * Express 5 passes a rejected handler's error to `problemErrorHandler`.
 */
export function registerExpressRoutes(app: Express, ctx: AppContext): void {
  const { auth, entities, signatures } = ctx.services;
  // Every credential the app accepts (EXAMPLE-API.md: bearer token, session cookie, API key).
  const authenticateCaller = authenticate(ctx.services.authenticators);
  // A key's own hourly limit counts on every route it authenticates: its headers on each answer.
  function guard(req: Request, res: Response, next: NextFunction): void {
    authenticateCaller(req, res, (error?: unknown) => {
      if (error === undefined)
        writeKeyLimitHeaders(req.auth, res, setResponseHeader, getResponseHeader);
      next(error);
    });
  }
  // After a route's own limit: the key's joins its lists, in the order Fastify's onSend gives.
  function keyAndRouteLimitHeaders(req: Request, res: Response, next: NextFunction): void {
    writeKeyLimitHeaders(req.auth, res, setResponseHeader, getResponseHeader);
    next();
  }
  const guards = appExpressGuards(ctx.services.access);
  // EXAMPLE-API.md promises the X-RateLimit-* headers beside the IETF fields.
  const common = {
    store: ctx.stores.rateLimits,
    clientIp: ctx.clientIp,
    headers: { legacy: true },
    onEvent: ctx.services.audit.onEvent,
  };

  // Both logins (tokens here, the session cookie in sessions/) spend one budget: one scope.
  // Per IP first: a refused request makes no (IP, email) counter.
  const loginLimits = [
    rateLimit({ ...common, scope: LOGIN_SCOPE, key: 'ip', policies: LOGIN_IP_POLICIES }),
    rateLimit({
      ...common,
      scope: LOGIN_SCOPE,
      key: ['ip', loginEmailKey],
      policies: LOGIN_POLICIES,
    }),
  ];
  app.post(
    '/api/v1/auth/register',
    publicRoute,
    // Counted before the handler, so before the hash and the 409 of a taken email.
    rateLimit({
      ...common,
      scope: REGISTER_SCOPE,
      key: 'ip',
      policies: registerPolicies(ctx.config.registerLimitPerHour),
    }),
    async (req: Request, res: Response) => {
      res.status(201).json(await auth.register(req.body));
    },
  );
  app.post(
    '/api/v1/auth/login',
    publicRoute,
    ...loginLimits,
    async (req: Request, res: Response) => {
      res.json(await auth.login(req.body));
    },
  );
  app.post('/api/v1/auth/refresh', publicRoute, async (req: Request, res: Response) => {
    res.json(await auth.refresh(req.body));
  });
  app.post('/api/v1/auth/logout', guard, anyCaller, async (req: Request, res: Response) => {
    res.json(await auth.logout(req.auth!));
  });
  app.post('/api/v1/auth/logout-all', guard, anyCaller, async (req: Request, res: Response) => {
    res.json(await auth.logoutAll(req.auth!));
  });
  // After the guard, so the limit keys on the caller; every attempt counts, as a login's does.
  app.post(
    '/api/v1/auth/password',
    guard,
    anyCaller,
    rateLimit({
      ...common,
      scope: PASSWORD_CHANGE_SCOPE,
      key: ['ip', 'principal'],
      policies: LOGIN_POLICIES,
    }),
    keyAndRouteLimitHeaders,
    async (req: Request, res: Response) => {
      const { body, setCookies } = await ctx.services.changePassword(
        req.auth!,
        req.body,
        toSecurityRequest(req),
      );
      if (setCookies.length > 0) res.setHeader('Set-Cookie', [...setCookies]);
      res.json(body);
    },
  );
  app.get('/api/v1/me', guard, profileReader, async (req: Request, res: Response) => {
    res.json(await auth.me(req.auth!));
  });
  registerAdminExpressRoutes(app, ctx.services.admin, guards, guard);
  registerMfaExpressRoutes(app, ctx.services.mfaActions, guard);
  registerSessionExpressRoutes(app, {
    actions: ctx.services.sessionActions,
    guard,
    loginLimits,
    guards,
  });
  registerAuditExpressRoutes(app, ctx.services.auditHandlers, guard, guards);
  registerOAuthExpressRoutes(app, ctx.services.oauth, ctx.services.oauthSession);
  // Idempotency-Key on key creation too (EXAMPLE-API.md): a retried create answers the same key.
  registerApiKeyExpressRoutes(app, ctx, guard, [idempotentRoute(ctx.services.idempotency)]);

  // Entities: identify, then the limit (by principal, by IP without one), then refuse the
  // unauthenticated, then the signature. One limiter for both routes: one budget.
  const identify = createIdentify(ctx.services.authenticators);
  async function identifyCaller(req: Request, res: Response, next: NextFunction): Promise<void> {
    const found = await identify(toSecurityRequest(req));
    if (found.auth !== undefined) req.auth = found.auth;
    else res.locals.authFailure = found.failure;
    next();
  }
  function requireCaller(req: Request, res: Response, next: NextFunction): void {
    if (req.auth === undefined) next(res.locals.authFailure ?? authRequiredError());
    else keyAndRouteLimitHeaders(req, res, next);
  }
  const limit = rateLimit({
    ...common,
    scope: ENTITIES_SCOPE,
    key: 'principal',
    policies: ENTITIES_POLICIES,
    principal: (req: Request) => callerPrincipal(req.auth),
  });
  const signed = requestSigning({ verifier: signatures });
  // After the signature: a retry proves it is the client's before it is answered from the store.
  const idempotent = idempotentRoute(ctx.services.idempotency);
  // A request signed with an API key's secret must come from that key's owner.
  function signedByCaller(req: Request, _res: Response, next: NextFunction): void {
    ctx.services.apiKeyServices.signing.assertSignerIsCaller(req.signedRequest!.keyId, req.auth!);
    next();
  }

  app.post(
    ENTITY_RECORDS,
    identifyCaller,
    limit,
    requireCaller,
    requireScopes('entities:write'),
    signed,
    signedByCaller,
    guards.requirePermissions('entities:write'),
    idempotent,
    async (req: Request, res: Response) => {
      const caller = req.auth!;
      const user = await auth.userOf(caller);
      res.status(201).json(await entities.create(user, caller, req.params.entityId, req.body));
    },
  );
  app.get(
    ENTITY_RECORDS,
    identifyCaller,
    limit,
    requireCaller,
    requireScopes('entities:read'),
    guards.requirePermissions('entities:read'),
    async (req: Request, res: Response) => {
      res.json(await entities.list(await auth.userOf(req.auth!), req.params.entityId));
    },
  );
}
