import type { AuthContext, Authenticator } from '@rampart/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type Session,
  type Sessions,
  sessionAuthenticator,
  sessionOf,
  type TrustedDevices,
} from '../src/index.js';

describe('public types', () => {
  it('the authenticator fits core and the session comes back from the context', () => {
    expectTypeOf(sessionAuthenticator).returns.toEqualTypeOf<Authenticator>();
    expectTypeOf(sessionOf).parameter(0).toEqualTypeOf<AuthContext | undefined>();
    expectTypeOf(sessionOf).returns.toEqualTypeOf<Session | undefined>();
  });

  it('pins the TrustedDevices interface mfa depends on', () => {
    expectTypeOf<TrustedDevices['verify']>().toEqualTypeOf<
      (userId: string, token: unknown) => Promise<boolean>
    >();
    expectTypeOf<TrustedDevices['revokeAllForUser']>().toEqualTypeOf<
      (userId: string) => Promise<void>
    >();
    expectTypeOf<Sessions['authenticate']>().returns.toEqualTypeOf<Promise<Session> | undefined>();
  });
});
