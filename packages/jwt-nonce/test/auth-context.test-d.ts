import type { AuthContext, Authenticator, SecurityRequest } from '@rampart/core';
import type { AuthPreHandler } from '@rampart/core/fastify';
import type { Request } from 'express';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import type { requireJwt } from '../src/express.js';
import type { JwtPreHandler } from '../src/fastify.js';
import { accessTokenOf, type JwtAuth, type JwtNonce, jwtAuthenticator } from '../src/index.js';

type ContextOf<A extends Authenticator> = Awaited<NonNullable<ReturnType<A['authenticate']>>>;

/** Another package's authenticator, as sessions or api-keys will write one. */
const sessionAuthenticator = {
  name: 'session',
  authenticate(_request: SecurityRequest): Promise<AuthContext> | undefined {
    return undefined;
  },
} satisfies Authenticator;

describe('jwt-nonce on the one auth context', () => {
  const bearer = jwtAuthenticator({} as JwtNonce);

  it("produces the same context type as any other package's authenticator", () => {
    expectTypeOf(bearer).toEqualTypeOf<Authenticator>();
    expectTypeOf<ContextOf<typeof bearer>>().toEqualTypeOf<
      ContextOf<typeof sessionAuthenticator>
    >();
    expectTypeOf<ContextOf<typeof bearer>>().toEqualTypeOf<AuthContext>();
  });

  it("leaves req.auth and request.auth core's, with its adapters loaded", () => {
    expectTypeOf<Parameters<typeof requireJwt>[0]>().toEqualTypeOf<JwtNonce>();
    expectTypeOf<Request['auth']>().toEqualTypeOf<AuthContext | undefined>();
    expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<AuthContext | undefined>();
    expectTypeOf<FastifyInstance['requireJwt']>().toEqualTypeOf<AuthPreHandler>();
    expectTypeOf<JwtPreHandler>().toEqualTypeOf<AuthPreHandler>();
  });

  it('finds the verified token behind a context, for logout', () => {
    expectTypeOf(accessTokenOf).parameter(0).toEqualTypeOf<AuthContext | undefined>();
    expectTypeOf(accessTokenOf).returns.toEqualTypeOf<JwtAuth | undefined>();
    // The context is no token: its claims are not on it.
    // @ts-expect-error jti lives on the verified token, not on the auth context
    ({}) as AuthContext satisfies { jti: string };
  });
});
