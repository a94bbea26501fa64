import { requireScopes } from '@rampart/api-keys/fastify';
import { authRequiredError } from '@rampart/core';
import { authenticate, toSecurityRequest } from '@rampart/core/fastify';
import { fastifyRateLimit } from '@rampart/rate-limit/fastify';
import { requestSigningPreHandler } from '@rampart/request-signing/fastify';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import { registerAdminFastifyRoutes } from './access/fastify.js';
import { registerApiKeyFastifyRoutes } from './api-keys/fastify-routes.js';
import { writeKeyLimitHeaders } from './api-keys/key-limit-headers.js';
import { registerAuditFastifyRoutes } from './audit/fastify-routes.js';
import { callerPrincipal, createIdentify } from './auth/identify.js';
import type { AppContext } from './context.js';
import { createEarlyRefusalLimits } from './early-refusal-limits.js';
import { IDEMPOTENT_ROUTE, registerIdempotency } from './idempotency/fastify.js';
import { registerMfaFastifyRoutes } from './mfa/fastify-routes.js';
import { registerOAuthFastifyRoutes } from './oauth/fastify-routes.js';
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
import { registerSessionFastifyRoutes } from './sessions/fastify-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Why the bearer token of an entities request was refused; `null` when it was not. */
    authFailure: unknown;
  }
}

const ENTITY_RECORDS = '/api/v1/entities/:entityId/records';

function setReplyHeader(reply: FastifyReply, name: string, value: string): void {
  reply.header(name, value);
}

function getReplyHeader(reply: FastifyReply, name: string): unknown {
  return reply.getHeader(name);
}

/**
 * The auth and entities routes on Fastify, in the order of `registerExpressRoutes` so both
 * frameworks answer every request alike. Registered as a child plugin after the packages'
 * plugins, so `fastifyRateLimit`'s `onRoute` hook sees every route.
 */
export function registerFastifyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { auth, entities, signatures } = ctx.services;
  // Every credential the app accepts (EXAMPLE-API.md: bearer token, session cookie, API key).
  const guard = authenticate(ctx.services.authenticators);
  // No global policy: only routes with `config.rateLimit` are limited. The IP comes from
  // rampartCore's `request.clientIp` (TRUSTED_PROXIES); the principal from `request.auth`.
  app.register(fastifyRateLimit, {
    store: ctx.stores.rateLimits,
    clientIp: ctx.clientIp,
    // EXAMPLE-API.md promises the X-RateLimit-* headers beside the IETF fields.
    headers: { legacy: true },
    principal: (request: FastifyRequest) => callerPrincipal(request.auth),
    onEvent: ctx.services.audit.onEvent,
  });
  // Before the routes: its onRoute hook puts the check after each opted-in route's preHandlers.
  registerIdempotency(app, ctx.services.idempotency);
  // Both logins (tokens, and the session cookie in sessions/) spend one budget: one scope.
  // Per IP first: a request it refuses makes no (IP, email) counter.
  const loginLimits = [
    {
      hook: 'preHandler' as const,
      scope: LOGIN_SCOPE,
      key: 'ip' as const,
      policies: LOGIN_IP_POLICIES,
    },
    {
      hook: 'preHandler' as const,
      scope: LOGIN_SCOPE,
      key: ['ip' as const, loginEmailKey],
      policies: LOGIN_POLICIES,
    },
  ];
  const earlyLimits = createEarlyRefusalLimits(ctx);
  app.register(async function routes(scope: FastifyInstance) {
    scope.decorateRequest('authFailure', null);
    // A key's own hourly limit counts on every route it authenticates: its policy joins the
    // rate-limit lists of each answer (after a route's own limit's), X-RateLimit-* the tightest.
    scope.addHook('onSend', async (request, reply, payload) => {
      writeKeyLimitHeaders(request.auth, reply, setReplyHeader, getReplyHeader);
      // A body refused before the route's limits ran (400/413/415): the per-IP ones, peeked.
      if (request.rateLimit === null) {
        const early = {
          method: request.method,
          route: request.routeOptions.url,
          socketAddress: request.socket.remoteAddress,
          forwardedFor: request.headers['x-forwarded-for'],
        };
        await earlyLimits(reply.statusCode, early, reply, setReplyHeader, getReplyHeader);
      }
      return payload;
    });
    // Declared by @rampart/request-signing/fastify; its plugin would decorate it, but the app
    // uses the route-level preHandler instead, to run it after the limit and the token check.
    scope.decorateRequest('signedRequest', null);

    scope.post(
      '/api/v1/auth/register',
      {
        config: {
          // preHandler, as on login and on Express: counted before the handler, so before the
          // hash and the 409 of a taken email; a body that does not parse is a 400 it never sees.
          rateLimit: {
            hook: 'preHandler',
            scope: REGISTER_SCOPE,
            key: 'ip',
            policies: registerPolicies(ctx.config.registerLimitPerHour),
          },
          access: 'public',
        },
      },
      async (request, reply) => {
        const user = await auth.register(request.body);
        return reply.code(201).send(user);
      },
    );
    scope.post(
      '/api/v1/auth/login',
      {
        config: {
          // preHandler, after the body is parsed (the second key includes its email), as on
          // Express: a body that does not parse is a 400 that neither limit counts.
          rateLimit: loginLimits,
          access: 'public',
        },
      },
      (request) => auth.login(request.body),
    );
    scope.post('/api/v1/auth/refresh', { config: { access: 'public' } }, (request) =>
      auth.refresh(request.body),
    );
    scope.post(
      '/api/v1/auth/logout',
      { preHandler: guard, config: { access: 'authenticated' } },
      (request) => auth.logout(request.auth!),
    );
    scope.post(
      '/api/v1/auth/logout-all',
      { preHandler: guard, config: { access: 'authenticated' } },
      (request) => auth.logoutAll(request.auth!),
    );
    scope.post(
      '/api/v1/auth/password',
      {
        // preValidation: after the body is parsed (a malformed one is a 400 first, as on
        // Express) and before the limit's preHandler, which keys on the caller. Every attempt
        // counts, as a login's does.
        preValidation: guard,
        config: {
          rateLimit: {
            hook: 'preHandler',
            scope: PASSWORD_CHANGE_SCOPE,
            key: ['ip', 'principal'],
            policies: LOGIN_POLICIES,
          },
          access: 'authenticated',
        },
      },
      async (request, reply) => {
        const { body, setCookies } = await ctx.services.changePassword(
          request.auth!,
          request.body,
          toSecurityRequest(request),
        );
        if (setCookies.length > 0) reply.header('set-cookie', [...setCookies]);
        return body;
      },
    );
    // Any caller; an API key only with profile:read (EXAMPLE-API.md: authMethod api-key).
    scope.get(
      '/api/v1/me',
      { preHandler: guard, config: { access: { scopes: ['profile:read'] } } },
      (request) => auth.me(request.auth!),
    );
    registerAdminFastifyRoutes(scope, ctx.services.admin, guard);
    registerMfaFastifyRoutes(scope, ctx.services.mfaActions, guard);
    registerSessionFastifyRoutes(scope, {
      actions: ctx.services.sessionActions,
      guard,
      loginLimits,
    });
    registerAuditFastifyRoutes(scope, ctx.services.auditHandlers, guard);
    registerOAuthFastifyRoutes(scope, ctx.services.oauth, ctx.services.oauthSession);
    // Idempotency-Key on key creation too (EXAMPLE-API.md): a retried create answers the same key.
    registerApiKeyFastifyRoutes(scope, ctx, guard, IDEMPOTENT_ROUTE);

    // Entities: identify (onRequest), then the limit, then refuse the unauthenticated, then
    // the signature. The limit's own preHandler is put first by the plugin.
    const identify = createIdentify(ctx.services.authenticators);
    async function identifyCaller(request: FastifyRequest): Promise<void> {
      const found = await identify(toSecurityRequest(request));
      request.auth = found.auth;
      request.authFailure = found.failure ?? null;
    }
    async function requireCaller(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
      if (request.auth === undefined) throw request.authFailure ?? authRequiredError();
    }
    // Fastify matches `/entities//records` with an empty entity id; Express matches no route.
    // Answered as the unknown route it is, before the token is looked at, as on Express.
    function requireEntityId(
      request: FastifyRequest,
      reply: FastifyReply,
      done: HookHandlerDoneFunction,
    ): void {
      if ((request.params as { entityId?: unknown }).entityId === '') reply.callNotFound();
      else done();
    }
    const limited = {
      onRequest: [requireEntityId, identifyCaller],
      config: {
        rateLimit: {
          hook: 'preHandler' as const,
          scope: ENTITIES_SCOPE,
          key: 'principal' as const,
          policies: ENTITIES_POLICIES,
        },
      },
    };
    // A request signed with an API key's secret must come from that key's owner.
    async function signedByCaller(request: FastifyRequest): Promise<void> {
      ctx.services.apiKeyServices.signing.assertSignerIsCaller(
        request.signedRequest!.keyId,
        request.auth!,
      );
    }
    const params = (request: FastifyRequest) => (request.params as { entityId?: unknown }).entityId;

    scope.post(
      ENTITY_RECORDS,
      {
        ...limited,
        config: {
          ...limited.config,
          ...IDEMPOTENT_ROUTE,
          access: { permissions: ['entities:write'] },
        },
        preHandler: [
          requireCaller,
          requireScopes('entities:write'),
          requestSigningPreHandler({ verifier: signatures }),
          signedByCaller,
        ],
      },
      async (request, reply) => {
        const caller = request.auth!;
        const user = await auth.userOf(caller);
        const record = await entities.create(user, caller, params(request), request.body);
        return reply.code(201).send(record);
      },
    );
    scope.get(
      ENTITY_RECORDS,
      {
        ...limited,
        config: { ...limited.config, access: { permissions: ['entities:read'] } },
        preHandler: [requireCaller, requireScopes('entities:read')],
      },
      async (request) => entities.list(await auth.userOf(request.auth!), params(request)),
    );
  });
}
