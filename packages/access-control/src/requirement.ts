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
 * `'authenticated'` (any caller with a valid credential, whatever their role: the caller's own
 * profile, logout), or
 * `'public'`, the explicit statement that it needs nothing (a login route, a health check).
 */
export type AccessRequirement<P extends string = string, R extends string = string> =
  | { readonly permissions: readonly P[]; readonly roles?: undefined }
  | { readonly roles: readonly R[]; readonly permissions?: undefined }
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

const AUTHENTICATED: CompiledRequirement = Object.freeze({
  description: 'authenticated',
  isPublic: false,
  check: (auth: AuthContext | undefined) => (auth === undefined ? authRequiredError() : undefined),
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
  if (requirement === 'authenticated') {
    return AUTHENTICATED;
  }
  const declared = requirement as { permissions?: unknown; roles?: unknown } | null;
  const permissions = declared?.permissions;
  const roles = declared?.roles;
  if (
    typeof declared !== 'object' ||
    declared === null ||
    (permissions === undefined) === (roles === undefined)
  ) {
    throw new RampartConfigError(
      option,
      "must be { permissions: [...] }, { roles: [...] }, 'authenticated' or 'public'.",
      CONFIG_ERROR_CODES.invalidValue,
    );
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
