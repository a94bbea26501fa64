import type { Request, RequestHandler } from 'express';
import type { FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { authenticate as expressAuthenticate } from '../src/express.js';
import { type AuthPreHandler, authenticate as fastifyAuthenticate } from '../src/fastify.js';
import {
  type AuthContext,
  type Authenticator,
  type AuthMethod,
  authenticate,
  type SecurityRequest,
} from '../src/index.js';

type ContextOf<A extends Authenticator> = Awaited<NonNullable<ReturnType<A['authenticate']>>>;

describe('the one auth context', () => {
  it('is the type of req.auth on Express and request.auth on Fastify, undefined when absent', () => {
    expectTypeOf<Request['auth']>().toEqualTypeOf<AuthContext | undefined>();
    expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<AuthContext | undefined>();
  });

  it('names the three methods and nothing else', () => {
    expectTypeOf<AuthMethod>().toEqualTypeOf<'jwt' | 'session' | 'api-key'>();
    expectTypeOf<AuthContext['method']>().toEqualTypeOf<AuthMethod>();
  });

  it('is read-only', () => {
    const auth = {} as AuthContext;
    // @ts-expect-error an identity is not rewritten downstream
    auth.userId = 'someone-else';
    // @ts-expect-error nor are an API key's scopes
    auth.scopes?.push('admin');
  });

  it('is what every authenticator produces, whoever wrote it', () => {
    const bearer = {} as Authenticator;
    const apiKey = {
      name: 'api-key',
      authenticate(_request: SecurityRequest): Promise<AuthContext> | undefined {
        return undefined;
      },
    } satisfies Authenticator;
    expectTypeOf<ContextOf<typeof bearer>>().toEqualTypeOf<ContextOf<typeof apiKey>>();
    expectTypeOf<ContextOf<typeof apiKey>>().toEqualTypeOf<AuthContext>();
    // Absence is answered synchronously; a present credential with a promise.
    expectTypeOf<ReturnType<Authenticator['authenticate']>>().toEqualTypeOf<
      Promise<AuthContext> | undefined
    >();
  });
});

describe('authenticate', () => {
  const list: Authenticator[] = [];

  it('resolves a context on a required composition, maybe none on an optional one', () => {
    expectTypeOf(authenticate(list)).returns.resolves.toEqualTypeOf<AuthContext>();
    expectTypeOf(
      authenticate(list, { mode: 'required' }),
    ).returns.resolves.toEqualTypeOf<AuthContext>();
    expectTypeOf(authenticate(list, { mode: 'optional' })).returns.resolves.toEqualTypeOf<
      AuthContext | undefined
    >();
    // @ts-expect-error two modes only
    authenticate(list, { mode: 'lenient' });
  });

  it('gives Express a middleware and Fastify a preHandler', () => {
    expectTypeOf(expressAuthenticate(list, { mode: 'optional' })).toEqualTypeOf<RequestHandler>();
    expectTypeOf(fastifyAuthenticate(list)).toEqualTypeOf<AuthPreHandler>();
  });
});
