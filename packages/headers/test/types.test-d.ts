import type { RequestHandler, Response } from 'express';
import type { FastifyReply } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { cors, cspNonce, securityHeaders } from '../src/express.js';
import { cspNonce as fastifyCspNonce } from '../src/fastify.js';
import {
  type CorsDecision,
  type CorsOptions,
  type CorsOrigins,
  createCors,
  createSecurityHeaders,
  type SecurityHeaderSet,
  type SecurityHeadersOptions,
  type SecurityHeadersPreset,
} from '../src/index.js';

describe('public types of @rampart/headers', () => {
  it('takes origins as a list, a getter or the wildcard', () => {
    expectTypeOf<CorsOrigins>().toEqualTypeOf<
      '*' | readonly string[] | (() => readonly string[])
    >();
    expectTypeOf(createCors).parameter(0).toEqualTypeOf<CorsOptions>();
    expectTypeOf<CorsOptions['origins']>().toEqualTypeOf<CorsOrigins>();
    // A settings getter typed as returning a readonly array fits as it is.
    const settings = { corsOrigins: Object.freeze(['https://a.example']) as readonly string[] };
    expectTypeOf({ origins: () => settings.corsOrigins }).toMatchTypeOf<CorsOptions>();
  });

  it('decides with a method, an optional origin and an optional request method', () => {
    const policy = createCors({ origins: [] });
    expectTypeOf(policy.decide).parameters.toEqualTypeOf<
      [method: string, origin: string | undefined, requestMethod: string | undefined]
    >();
    expectTypeOf(policy.decide('GET', undefined, undefined)).toEqualTypeOf<CorsDecision>();
  });

  it('has exactly two presets', () => {
    expectTypeOf<SecurityHeadersPreset>().toEqualTypeOf<'api' | 'page'>();
    expectTypeOf<SecurityHeadersOptions['preset']>().toEqualTypeOf<'api' | 'page' | undefined>();
    expectTypeOf(createSecurityHeaders()).toEqualTypeOf<SecurityHeaderSet>();
    expectTypeOf<SecurityHeaderSet['record']>().toEqualTypeOf<Readonly<Record<string, string>>>();
  });

  it('gives Express middleware and a nonce per response on both frameworks', () => {
    expectTypeOf(securityHeaders()).toEqualTypeOf<RequestHandler>();
    expectTypeOf(cors({ origins: '*' })).toEqualTypeOf<RequestHandler>();
    expectTypeOf(cspNonce).toEqualTypeOf<(res: Response) => string>();
    expectTypeOf(fastifyCspNonce).toEqualTypeOf<(reply: FastifyReply) => string>();
  });
});
