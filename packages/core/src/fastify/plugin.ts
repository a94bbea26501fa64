import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';

import fp from 'fastify-plugin';
import { z } from 'zod';
import { decorateAuth } from '../auth/fastify.js';
import { booleanOption, parseOptions } from '../config.js';
import { assertJsonBodyHeaders } from '../http/content-type.js';
import { mapError } from '../http/error-mapping.js';
import { bodyLimitSchema, parseJsonBody } from '../http/json-body.js';
import { notFoundError, unsupportedMediaTypeError } from '../http/problems.js';
import { createStrictRequestCheck, type StrictRequestOptions } from '../http/strict-request.js';
import { type ClientIpResolverOptions, createClientIpResolver } from '../ip/client-ip.js';
import { sendProblem } from './send-problem.js';

/** Options of the `rampartCore` Fastify plugin. */
export interface RampartCoreOptions {
  /** Proxies whose `X-Forwarded-For` is believed; see `createClientIpResolver`. Default `[]`. */
  trustedProxies?: readonly string[];
  /** IPv6 clients are grouped by this prefix. 1–128, default 64. */
  ipv6PrefixLength?: number;
  /** Largest JSON body accepted, in bytes; a route's own `bodyLimit` wins. Default 1 MiB. */
  bodyLimit?: number;
  /** Install the problem+json error handler. Default `true`; `false` if the app sets its own. */
  errorHandler?: boolean;
  /** Install the 404 problem handler. Default `true`; `false` if the app sets its own. */
  notFoundHandler?: boolean;
  /**
   * Refuse, before any other hook, what the Express middleware `strictRequest()` refuses: a
   * malformed or needless percent-escape in the path, a method outside `methods`, a repeated
   * singleton header, an HTTP/1.1 request without `Host` (reaching the app only with
   * `http: { requireHostHeader: false }`). Options as `strictRequest()`'s; `false` turns the
   * check off. Default `{}`.
   */
  strictRequest?: StrictRequestOptions | false;
}

const pluginOptionsSchema = z.strictObject({
  // Checked in full by createClientIpResolver and createStrictRequestCheck, which name them.
  trustedProxies: z.custom<readonly string[]>().optional(),
  ipv6PrefixLength: z.custom<number>().optional(),
  strictRequest: z.custom<StrictRequestOptions | false>().optional(),
  bodyLimit: bodyLimitSchema,
  errorHandler: booleanOption(true),
  notFoundHandler: booleanOption(true),
});

/** `application/<anything>+json`, matched against Fastify's normalised content type. */
const JSON_SUFFIX_TYPE = /^application\/[!#$%&'*+.^_`|~0-9a-z-]+\+json(?:;|$)/;

type ParserDone = (error: Error | null, body?: unknown) => void;

/**
 * Takes the bytes Fastify read (already capped at the body limit), keeps them on
 * `request.rawBody` and parses them exactly as the Express adapter does.
 */
function parseJsonBuffer(request: FastifyRequest, body: Buffer, done: ParserDone): void {
  let value: unknown;
  try {
    assertJsonBodyHeaders(request.headers);
    // An empty body is no body, as in the Express adapter.
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    value = parseJsonBody(body);
  } catch (error) {
    done(error as Error);
    return;
  }
  request.rawBody = body;
  done(null, value);
}

/** Every other media type is refused before a byte of it is read. */
function refuseMediaType(_request: FastifyRequest, _payload: unknown, done: ParserDone): void {
  done(unsupportedMediaTypeError());
}

async function rampartCorePlugin(
  fastify: FastifyInstance,
  options: RampartCoreOptions,
): Promise<void> {
  const parsed = parseOptions('rampartCore', pluginOptionsSchema, options);
  const { bodyLimit } = parsed;
  const resolverOptions: ClientIpResolverOptions = {};
  if (parsed.trustedProxies !== undefined) resolverOptions.trustedProxies = parsed.trustedProxies;
  if (parsed.ipv6PrefixLength !== undefined)
    resolverOptions.ipv6PrefixLength = parsed.ipv6PrefixLength;
  const resolver = createClientIpResolver(resolverOptions, 'rampartCore');

  if (parsed.strictRequest !== false) {
    const check = createStrictRequestCheck(parsed.strictRequest, 'rampartCore.strictRequest');
    // The first onRequest hook of the app (register rampartCore first): routing has happened,
    // but no guard or limit has run, and the error handler answers the refusal.
    fastify.addHook(
      'onRequest',
      function strictRequest(
        request: FastifyRequest,
        _reply: FastifyReply,
        done: HookHandlerDoneFunction,
      ): void {
        const { rawHeaders, httpVersion } = request.raw;
        done(check(request.method, request.url, rawHeaders, httpVersion));
      },
    );
  }

  fastify.decorateRequest('clientIp', '');
  fastify.decorateRequest('rawBody', null);
  decorateAuth(fastify);
  fastify.addHook(
    'onRequest',
    function resolveClientIp(
      request: FastifyRequest,
      _reply: FastifyReply,
      done: HookHandlerDoneFunction,
    ): void {
      request.clientIp = resolver.resolve(
        request.socket.remoteAddress,
        request.headers['x-forwarded-for'],
      );
      done();
    },
  );

  // Fastify's own JSON parser keeps no bytes, and its text/plain parser would accept bodies this
  // layer refuses; both are replaced, and a catch-all answers 415 for everything else.
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    parseJsonBuffer,
  );
  fastify.addContentTypeParser(JSON_SUFFIX_TYPE, { parseAs: 'buffer', bodyLimit }, parseJsonBuffer);
  fastify.addContentTypeParser('*', refuseMediaType);

  if (parsed.errorHandler) {
    fastify.setErrorHandler(function rampartErrorHandler(
      error: FastifyError,
      request: FastifyRequest,
      reply: FastifyReply,
    ): FastifyReply {
      const mapped = mapError(error);
      if (mapped.unexpected) request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, mapped.error);
    });
  }
  if (parsed.notFoundHandler) {
    fastify.setNotFoundHandler(function rampartNotFound(
      _request: FastifyRequest,
      reply: FastifyReply,
    ): FastifyReply {
      return sendProblem(reply, notFoundError());
    });
  }
}

/**
 * The Fastify plugin every Rampart Fastify adapter builds on. It refuses ambiguous requests
 * before any other hook (`strictRequest`, as the Express middleware of that name), decorates
 * `request.clientIp`
 * (resolved from the socket peer in an `onRequest` hook, via `trustedProxies`) and
 * `request.rawBody` (the exact JSON bytes, or `null`) and `request.auth` (`undefined` until an
 * authenticator sets it); replaces the JSON parser with one that
 * keeps the bytes and refuses what the Express adapter refuses (415 non-JSON, 413 over
 * `bodyLimit`, 400 malformed or prototype-poisoning JSON); and answers errors and unknown routes
 * with problem+json. Registered with `fastify-plugin`, so it applies to the whole app.
 *
 * @example
 * await app.register(rampartCore, { trustedProxies: ['10.0.0.0/8'] });
 */
export const rampartCore = fp(rampartCorePlugin, { fastify: '5.x', name: '@rampart/core' });
