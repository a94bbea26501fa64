import {
  type AuthContext,
  authRequiredError,
  CONFIG_ERROR_CODES,
  RampartConfigError,
  type RampartError,
} from '@rampart/core';
import type { AccessControl } from './access-control.js';
import type { AccessCheckContext } from './types.js';

/**
 * What a route declares: permissions it needs (all of them), roles it accepts (any of them),
 * scopes (any identified caller, whatever their role; one limited by scopes, an API key, must
 * hold every one of them: the caller's own profile), `'authenticated'` (any caller with its
 * user's full rights, whatever their role, and never an API key, whose scopes cannot open a
 * route that names no permission: the account's own keys, password, sessions, logout), or
 * `'public'`, the explicit statement that it needs nothing (a login route, a health check).
 */
export type AccessRequirement<P extends string = string, R extends string = string> =
  | { readonly permissions: readonly P[]; readonly roles?: undefined; readonly scopes?: undefined }
  | { readonly roles: readonly R[]; readonly permissions?: undefined; readonly scopes?: undefined }
  | { readonly scopes: readonly P[]; readonly permissions?: undefined; readonly roles?: undefined }
  | 'authenticated'
  | 'public';

/** The outcome of a check: the refusal to send, or `undefined` to let the request through. */
export type AccessOutcome = RampartError | undefined;

/** A route's requirement compiled against an access control: the guard's framework-free part. */
export interface CompiledRequirement {
  /** `permissions users:read`, `roles admin`, `public`: for messages and listings. */
  readonly description: string;
  readonly isPublic: boolean;
  /**
   * The refusal for the request's `auth`, or `undefined`: 401 without `auth`, 403 when the
   * caller's role (or API key's scopes) fall short. A promise only when the role resolver is async.
   */
  check(
    auth: AuthContext | undefined,
    context: AccessCheckContext,
  ): AccessOutcome | Promise<AccessOutcome>;
}

const PUBLIC: CompiledRequirement = Object.freeze({
  description: 'public',
  isPublic: true,
  check: () => undefined,
});

/**
 * Checks `requirement` against `access` at start-up (an unknown permission or role throws
 * `RampartConfigError` naming `option`, so untyped code and route config fail as early as a typo
 * in typed code) and compiles it.
 */
export function compileRequirement(
  access: AccessControl,
  requirement: unknown,
  option: string,
): CompiledRequirement {
  if (requirement === 'public') return PUBLIC;
  if (requirement === 'authenticated') return scopedRequirement(access, 'authenticated', []);
  const declared = requirement as { permissions?: unknown; roles?: unknown; scopes?: unknown };
  const stated =
    typeof declared === 'object' && declared !== null
      ? [declared.permissions, declared.roles, declared.scopes].filter((v) => v !== undefined)
      : [];
  if (stated.length !== 1) {
    throw new RampartConfigError(
      option,
      "must be { permissions: [...] }, { roles: [...] }, { scopes: [...] }, 'authenticated' or 'public'.",
      CONFIG_ERROR_CODES.invalidValue,
    );
  }
  const { permissions, roles, scopes } = declared;
  if (scopes !== undefined) {
    const names = checkNames(scopes, `${option}.scopes`, (name) => access.isPermission(name));
    return scopedRequirement(access, `scopes ${names.join(', ')}`, names);
  }
  if (permissions !== undefined) {
    const names = checkNames(permissions, `${option}.permissions`, (name) =>
      access.isPermission(name),
    );
    const compiled = access.compile(...(names as [string, ...string[]]));
    return {
      description: `permissions ${names.join(', ')}`,
      isPublic: false,
      // The compiled check answers the common case; the refusal (which permission, which code,
      // the event) is worked out only for a request that is refused.
      check: compileCheck(access, (auth, role, context) =>
        compiled.allows(auth, role)
          ? undefined
          : access.checkPermissions(auth, role, names, context),
      ),
    };
  }
  const names = checkNames(roles, `${option}.roles`, (name) => access.isRole(name));
  return {
    description: `roles ${names.join(', ')}`,
    isPublic: false,
    check: compileCheck(access, (auth, role, context) =>
      access.checkRoles(auth, role, names, context),
    ),
  };
}

/** Any identified caller; one limited by scopes must hold each of `scopes` (none: refused). */
function scopedRequirement(
  access: AccessControl,
  description: string,
  scopes: readonly string[],
): CompiledRequirement {
  return {
    description,
    isPublic: false,
    check: (auth, context) =>
      auth === undefined ? authRequiredError() : access.checkScopes(auth, scopes, context),
  };
}

function checkNames(
  names: unknown,
  option: string,
  known: (name: string) => boolean,
): readonly string[] {
  if (!Array.isArray(names) || names.length === 0) {
    throw new RampartConfigError(
      option,
      'must list at least one name.',
      CONFIG_ERROR_CODES.invalidValue,
    );
  }
  names.forEach((name: unknown, index) => {
    if (typeof name !== 'string' || !known(name)) {
      throw new RampartConfigError(
        `${option}[${index}]`,
        `${JSON.stringify(name) ?? String(name)} is not declared in createAccessControl.`,
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
  });
  return Object.freeze([...names]);
}

type RoleCheck = (
  auth: AuthContext,
  role: string | undefined,
  context: AccessCheckContext,
) => AccessOutcome;

function compileCheck(access: AccessControl, byRole: RoleCheck): CompiledRequirement['check'] {
  return function checkAccess(auth, context) {
    if (auth === undefined) return authRequiredError();
    const role = access.roleOf(auth);
    // Synchronous when the resolver is (the default reads auth.role): no promise per request.
    if (role instanceof Promise) return role.then((resolved) => byRole(auth, resolved, context));
    return byRole(auth, role, context);
  };
}
