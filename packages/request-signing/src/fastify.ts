/**
 * `@rampart/request-signing/fastify`: the Fastify plugin and route-level `preHandler`. Needs
 * `rampartCore` from `@rampart/core/fastify` registered first (client IP, raw JSON bytes).
 */
import { CONFIG_ERROR_CODES, RampartConfigError } from '@rampart/core';
import { toSecurityRequest } from '@rampart/core/fastify';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  preHandlerHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { adapterSetup, verifyNowOrLater, withBody } from './server/adapter-helpers.js';
import type {
  RequestVerifier,
  RequestVerifierOptions,
  VerifiedSignature,
} from './server/verifier.js';

/** Options of the plugin and of {@link requestSigningPreHandler}. */
export type FastifyRequestSigningOptions = (
  | { verifier: RequestVerifier }
  | RequestVerifierOptions
) & {
  /** Check every route (`true`), or only routes with `config: { requestSigning: true }` (default). */
  global?: boolean;
};

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the signature verified; `null` on routes that are not signed. */
    signedRequest: VerifiedSignature | null;
  }
  interface FastifyContextConfig {
    /** `true` to require a signed request on this route. */
    requestSigning?: boolean;
  }
}

/** The Fastify adapters' own options; the rest are the verifier's. */
const fastifyShape = {
  global: z.boolean({ error: 'must be true or false.' }).default(false),
};

/**
 * Verifies `request` and sets `request.signedRequest`, then calls `done` (with the refusal).
 * A callback hook, not an async one: on the memory store the answer is there at once, and
 * `done()` then costs no promise and no microtask.
 */
function verifyRequest(
  verifier: RequestVerifier,
  request: FastifyRequest,
  done: HookHandlerDoneFunction,
): void {
  let result: VerifiedSignature | Promise<VerifiedSignature>;
  try {
    const security = withBody(toSecurityRequest(request), request.rawBody, request.body);
    result = verifyNowOrLater(verifier, security);
  } catch (error) {
    done(error as Error);
    return;
  }
  if (result instanceof Promise) {
    result.then(function onVerified(signature: VerifiedSignature): void {
      request.signedRequest = signature;
      done();
    }, done);
    return;
  }
  request.signedRequest = result;
  done();
}

/**
 * A route-level `preHandler` that refuses a request unless it is correctly signed, fresh and
 * never seen; sets `request.signedRequest`. Refusals are `RampartError`s, answered as
 * 401 problem+json by `rampartCore`'s error handler.
 *
 * @example
 * app.post('/api/v1/entities/:entityId/records', { preHandler: requestSigningPreHandler({ verifier }) }, handler);
 */
export function requestSigningPreHandler(
  options: FastifyRequestSigningOptions,
): preHandlerHookHandler {
  const { verifier } = adapterSetup('requestSigningPreHandler', options, fastifyShape);
  return function requestSigningPreHandlerHook(
    request: FastifyRequest,
    _reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    verifyRequest(verifier, request, done);
  };
}

async function requestSigningPlugin(
  fastify: FastifyInstance,
  options: FastifyRequestSigningOptions,
): Promise<void> {
  // Anything but a boolean `global` would leave every route unchecked without a word.
  const { verifier, settings } = adapterSetup('fastifyRequestSigning', options, fastifyShape);
  const { global } = settings;
  fastify.decorateRequest('signedRequest', null);
  fastify.addHook('onRoute', function checkRouteConfig(routeOptions: RouteOptions): void {
    const value = (routeOptions.config as { requestSigning?: unknown } | undefined)?.requestSigning;
    if (value !== undefined && typeof value !== 'boolean') {
      throw new RampartConfigError(
        `${routeOptions.url}: config.requestSigning`,
        'must be true or false.',
        CONFIG_ERROR_CODES.invalidType,
      );
    }
  });
  fastify.addHook(
    'preHandler',
    function requestSigningHook(
      request: FastifyRequest,
      _reply: FastifyReply,
      done: HookHandlerDoneFunction,
    ): void {
      if (!global && request.routeOptions.config.requestSigning !== true) {
        done();
        return;
      }
      verifyRequest(verifier, request, done);
    },
  );
}

/**
 * The Fastify plugin: decorates `request.signedRequest` and checks every route with
 * `config: { requestSigning: true }` (or every route with `global: true`) in a `preHandler`
 * hook, after the body was parsed.
 *
 * @example
 * await app.register(rampartCore);
 * await app.register(fastifyRequestSigning, { getSecrets, nonceStore: new MemoryNonceStore() });
 * app.post('/api/v1/entities/:entityId/records', { config: { requestSigning: true } }, handler);
 */
export const fastifyRequestSigning = fp(requestSigningPlugin, {
  fastify: '5.x',
  name: '@rampart/request-signing',
  dependencies: ['@rampart/core'],
});

export type { RequestVerifier, RequestVerifierOptions, VerifiedSignature };
