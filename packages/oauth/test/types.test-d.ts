import type { Request, Response } from 'express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import type { OAuthRoutesOptions } from '../src/express.js';
import type { FastifyOAuthRoutesOptions } from '../src/fastify.js';
import type {
  OAuth,
  OAuthLinkStore,
  OAuthProvider,
  OAuthSignIn,
  ProviderProfile,
} from '../src/index.js';

describe('public types of @rampart/oauth', () => {
  it('ends both adapters in the app’s onSignIn with the same sign-in', () => {
    expectTypeOf<Parameters<OAuthRoutesOptions['onSignIn']>>().toEqualTypeOf<
      [OAuthSignIn, Request, Response]
    >();
    expectTypeOf<Parameters<FastifyOAuthRoutesOptions['onSignIn']>>().toEqualTypeOf<
      [OAuthSignIn, FastifyRequest, FastifyReply]
    >();
    expectTypeOf<OAuthSignIn>().toEqualTypeOf<{
      readonly userId: string;
      readonly provider: string;
      readonly created: boolean;
      readonly linked: boolean;
    }>();
  });

  it('lets another provider be written as an object', () => {
    expectTypeOf<OAuthProvider['complete']>().returns.toEqualTypeOf<Promise<ProviderProfile>>();
    expectTypeOf<OAuth['callback']>().returns.toEqualTypeOf<Promise<OAuthSignIn>>();
    expectTypeOf<OAuthLinkStore['link']>().returns.toEqualTypeOf<Promise<string>>();
  });
});
