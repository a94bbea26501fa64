/**
 * `@rampart/access-control/testing`: helpers for an app's own access tests. Imports nothing from
 * a framework or a test runner.
 */
import { type AuthContext, type AuthMethod, createAuthContext } from '@rampart/core';

/** What {@link testAuth} needs; the rest gets test defaults. */
export interface TestAuthInit {
  readonly role?: string;
  readonly userId?: string;
  readonly method?: AuthMethod;
  readonly scopes?: readonly string[];
}

/**
 * An `AuthContext` for a unit test of a check, without a credential: user `u1`, method `jwt`
 * (`api-key` when scopes are given).
 *
 * @example
 * access.can(testAuth({ role: 'user' }), 'entities:read'); // true
 * access.can(testAuth({ role: 'user', scopes: ['profile:read'] }), 'entities:read'); // false
 */
export function testAuth(init: TestAuthInit = {}): AuthContext {
  const method = init.method ?? (init.scopes === undefined ? 'jwt' : 'api-key');
  return createAuthContext({
    userId: init.userId ?? 'u1',
    method,
    credentialId: `test-${method}`,
    ...(init.role === undefined ? {} : { role: init.role }),
    ...(init.scopes === undefined ? {} : { scopes: init.scopes }),
  });
}
