import {
  type AuthContext,
  authRequiredError,
  CONFIG_ERROR_CODES,
  isExactPermission,
  RampartConfigError,
  scopesGrant,
} from '@rampart/core';
import { InsufficientScopeError } from './errors.js';

/** Checks a guard's scopes at start-up: each an exact permission (`entities:read`). */
export function checkedScopes(owner: string, scopes: readonly unknown[]): readonly string[] {
  if (scopes.length === 0) {
    throw new RampartConfigError(
      owner,
      "needs at least one scope, e.g. requireScopes('entities:read').",
    );
  }
  scopes.forEach((scope, index) => {
    if (!isExactPermission(scope)) {
      throw new RampartConfigError(
        `${owner}[${index}]`,
        "must be one action on one resource, e.g. 'entities:read' (no wildcard).",
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
  });
  return Object.freeze([...(scopes as string[])]);
}

/**
 * What `requireScopes` decides, framework-neutrally: no identity is a 401; an API key's identity
 * passes only when its scopes grant every one of `scopes` (with the wildcard rules of core's
 * permission grammar: `entities:*`, `*`), else 403 `ERR_INSUFFICIENT_SCOPE`. Other identities
 * (a JWT, a session) carry the user's own rights, which access-control checks; scopes only ever
 * narrow what a key may do.
 */
export function scopeRefusal(
  auth: AuthContext | undefined,
  scopes: readonly string[],
): InsufficientScopeError | ReturnType<typeof authRequiredError> | undefined {
  if (auth === undefined) return authRequiredError();
  if (auth.method !== 'api-key') return undefined;
  const held = auth.scopes ?? [];
  const missing = scopes.filter((scope) => !scopesGrant(held, scope));
  return missing.length === 0 ? undefined : new InsufficientScopeError(missing);
}
