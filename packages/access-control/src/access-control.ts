import {
  type AuthContext,
  type Clock,
  CONFIG_ERROR_CODES,
  clockSchema,
  createEventEmitter,
  type EmitSecurityEvent,
  PermissionSet,
  parseOptions,
  RampartConfigError,
  type RampartError,
  type SecurityEventHandler,
  scopesGrant,
} from '@rampart/core';
import { z } from 'zod';
import { type CompiledRole, compileCatalogue, compileRoles } from './compile-roles.js';
import {
  accountRouteScopeError,
  forbiddenError,
  insufficientScopeError,
  privilegeEscalationError,
  roleRequiredError,
} from './errors.js';
import { PermissionCheck } from './permission-check.js';
import { type RoleGrantRule, rankRule, subsetRule } from './role-grants.js';
import type {
  AccessCheckContext,
  RoleDefinition,
  RoleGrantDecision,
  RoleHolder,
  RoleResolver,
} from './types.js';

/** Options of {@link createAccessControl}. */
export interface AccessControlOptions<P extends string, R extends string> {
  /** Every permission of the app, exact `resource:action` names: the names a guard may ask for. */
  readonly permissions: readonly P[];
  /** The roles, each with its permissions and the roles it inherits. */
  readonly roles: { readonly [Role in R]: RoleDefinition<NoInfer<P>, NoInfer<R>> };
  /**
   * Every role from lowest to highest (`['guest', 'user', 'admin', 'super_admin']`). With it,
   * `canGrant` ranks: an actor gives roles up to their own rank to users not ranked above them.
   * Without it, by permissions: the role given, and the target's current role, must grant nothing
   * the actor's role does not.
   */
  readonly rank?: readonly NoInfer<R>[];
  /** Finds the caller's role; default `auth.role`. See {@link RoleResolver}. */
  readonly roleOf?: RoleResolver;
  /** Receives `ACCESS_DENIED` and `PRIVILEGE_ESCALATION` events. */
  readonly onEvent?: SecurityEventHandler;
  /** Dates the events. Default the system clock. */
  readonly clock?: Clock;
}

const optionsSchema = z.strictObject({
  permissions: z.unknown(),
  roles: z.unknown(),
  rank: z
    .array(z.string({ error: 'must list role names.' }))
    .readonly()
    .optional(),
  roleOf: z
    .custom<RoleResolver>(
      (value) => typeof value === 'function',
      'must be a function (auth) => role.',
    )
    .optional(),
  onEvent: z
    .custom<SecurityEventHandler>((value) => typeof value === 'function', 'must be a function.')
    .optional(),
  clock: clockSchema.optional(),
});

/**
 * Roles and permissions compiled once: a check is a `Map#get` and a `Set#has`. Deny by default:
 * an unknown role, a missing role and a permission outside the catalogue are all refused. Made by
 * {@link createAccessControl}; the guards of `./express` and `./fastify` use it.
 */
export class AccessControl<P extends string = string, R extends string = string> {
  /** The catalogue, in the order given. */
  readonly permissions: readonly P[];
  /** The role names, in the order given. */
  readonly roles: readonly R[];
  /** Resolves the caller's role (the `roleOf` option, else `auth.role`). */
  readonly roleOf: RoleResolver;
  private readonly compiled: ReadonlyMap<string, CompiledRole>;
  private readonly catalogue: ReadonlySet<string>;
  private readonly grantRule: RoleGrantRule;
  private readonly emit: EmitSecurityEvent;

  /** @internal Use {@link createAccessControl}. */
  constructor(options: AccessControlOptions<P, R>) {
    const parsed = parseOptions('createAccessControl', optionsSchema, options);
    this.permissions = compileCatalogue(parsed.permissions) as readonly P[];
    this.catalogue = new Set(this.permissions);
    this.compiled = compileRoles(parsed.roles, this.permissions);
    this.roles = Object.freeze([...this.compiled.keys()]) as readonly R[];
    this.grantRule =
      parsed.rank === undefined
        ? subsetRule(this.compiled)
        : rankRule(checkRank(parsed.rank, this.roles));
    this.roleOf = parsed.roleOf ?? roleFromCredential;
    this.emit = createEventEmitter({
      source: '@rampart/access-control',
      clock: parsed.clock,
      onEvent: parsed.onEvent,
    });
    Object.freeze(this);
  }

  /** True when `role` grants `permission`. An unknown role grants nothing. */
  roleGrants(role: string | undefined, permission: P): boolean {
    if (role === undefined) return false;
    return this.compiled.get(role)?.granted.has(permission) === true;
  }

  /**
   * True when a caller with `auth`, holding `role` (default `auth.role`), may do `permission`:
   * the role grants it and, for an API key, so do the key's scopes (scopes ∩ permissions). An API
   * key without scopes may do nothing.
   */
  can(
    auth: AuthContext | undefined,
    permission: P,
    role: string | undefined = auth?.role,
  ): boolean {
    if (auth === undefined || !this.roleGrants(role, permission)) return false;
    const scopes = scopesOf(auth);
    return scopes === undefined || scopesGrant(scopes, permission);
  }

  /**
   * The refusal for a caller limited by scopes (an API key) on a route that needs no permission,
   * or `undefined`: a caller with its user's full rights (a token, a session) passes, and so does
   * a scoped one holding every one of `scopes`. With no `scopes` (an `'authenticated'` route,
   * about the account itself) a scoped caller is always refused. A refusal is 403
   * `ERR_INSUFFICIENT_SCOPE` and an `ACCESS_DENIED` event.
   */
  checkScopes(
    auth: AuthContext,
    scopes: readonly P[],
    context: AccessCheckContext = {},
  ): RampartError | undefined {
    const held = scopesOf(auth);
    if (held === undefined) return undefined;
    const missing = scopes.find((scope) => !scopesGrant(held, scope));
    if (scopes.length > 0 && missing === undefined) return undefined;
    const refusal =
      missing === undefined ? accountRouteScopeError() : insufficientScopeError(missing);
    this.denied(auth, refusal, context, missing);
    return refusal;
  }

  /**
   * Compiles a requirement of every one of `permissions` to the set of roles that grant them all:
   * its `grantedTo(role)` is one `Set#has`, the check a guard runs per request.
   *
   * @example
   * const canReadUsers = access.compile('users:read');
   * canReadUsers.grantedTo('admin'); // true
   */
  compile(...permissions: [P, ...P[]]): PermissionCheck<P> {
    const roles = new Set<string>();
    for (const [name, role] of this.compiled) {
      if (permissions.every((permission) => role.granted.has(permission))) roles.add(name);
    }
    return new PermissionCheck(Object.freeze([...permissions]), roles);
  }

  /** True when `role` is `wanted` or inherits it. */
  hasRole(role: string | undefined, wanted: R): boolean {
    if (role === undefined) return false;
    return this.compiled.get(role)?.lineage.has(wanted) === true;
  }

  /** The catalogue's permissions `role` grants (inherited ones included); none for an unknown role. */
  permissionsOf(role: string): readonly P[] {
    const granted = this.compiled.get(role)?.granted;
    return granted === undefined ? [] : this.permissions.filter((p) => granted.has(p));
  }

  /** The patterns `role` holds, its inherited ones included, as a set (empty for an unknown role). */
  patternsOf(role: string): PermissionSet {
    return this.compiled.get(role)?.patterns ?? PermissionSet.empty;
  }

  /** True when `permission` is in the catalogue. */
  isPermission(permission: string): permission is P {
    return this.catalogue.has(permission);
  }

  /** True when `role` is one of the roles. */
  isRole(role: string): role is R {
    return this.compiled.has(role);
  }

  /**
   * Why `auth` with `role` may not do every one of `permissions`: the 403 to send (naming the first
   * permission missing), or `undefined` when it may. Emits `ACCESS_DENIED` for a refusal.
   */
  checkPermissions(
    auth: AuthContext,
    role: string | undefined,
    permissions: readonly P[],
    context: AccessCheckContext = {},
  ): RampartError | undefined {
    for (const permission of permissions) {
      const refusal = this.refusal(auth, role, permission);
      if (refusal !== undefined) {
        this.denied(auth, refusal, context, permission);
        return refusal;
      }
    }
    return undefined;
  }

  /** Like {@link checkPermissions} for roles: refused unless `role` is (or inherits) one of `roles`. */
  checkRoles(
    auth: AuthContext,
    role: string | undefined,
    roles: readonly R[],
    context: AccessCheckContext = {},
  ): RampartError | undefined {
    for (const wanted of roles) if (this.hasRole(role, wanted)) return undefined;
    const refusal = roleRequiredError(roles);
    this.denied(auth, refusal, context, undefined);
    return refusal;
  }

  /**
   * Whether `actor` may give `role` to `target` (a user and their current role): never their own
   * role, never above their own rank (or beyond their permissions, without a rank), never to
   * someone ranked above them.
   *
   * @example
   * access.canGrant({ userId: 'a1', role: 'admin' }, 'super_admin', { userId: 'u7', role: 'user' });
   * // { allowed: false, reason: 'role-above-actor' }
   */
  canGrant(actor: RoleHolder, role: string, target?: RoleHolder): RoleGrantDecision {
    if (target !== undefined && target.userId === actor.userId) {
      return { allowed: false, reason: 'own-role' };
    }
    if (!this.compiled.has(role)) return { allowed: false, reason: 'unknown-role' };
    return this.grantRule(actor.role, role, target?.role);
  }

  /**
   * {@link canGrant}, throwing 403 `ERR_PRIVILEGE_ESCALATION` and emitting a critical
   * `PRIVILEGE_ESCALATION` event when refused.
   */
  assertCanGrant(
    actor: RoleHolder,
    role: string,
    target?: RoleHolder,
    context: AccessCheckContext = {},
  ): void {
    const decision = this.canGrant(actor, role, target);
    if (decision.allowed) return;
    const error = privilegeEscalationError(role);
    this.emit({
      type: 'PRIVILEGE_ESCALATION',
      severity: 'critical',
      code: error.code,
      reason: decision.reason,
      userId: actor.userId,
      ...eventContext(context),
      detail: {
        actorRole: actor.role,
        role,
        ...(target === undefined ? {} : { targetUserId: target.userId, targetRole: target.role }),
      },
    });
    throw error;
  }

  private refusal(
    auth: AuthContext,
    role: string | undefined,
    permission: P,
  ): RampartError | undefined {
    if (!this.roleGrants(role, permission)) return forbiddenError(permission);
    const scopes = scopesOf(auth);
    if (scopes !== undefined && !scopesGrant(scopes, permission)) {
      return insufficientScopeError(permission);
    }
    return undefined;
  }

  private denied(
    auth: AuthContext,
    refusal: RampartError,
    context: AccessCheckContext,
    permission: string | undefined,
  ): void {
    this.emit({
      type: 'ACCESS_DENIED',
      severity: 'warning',
      code: refusal.code,
      reason: refusal.code === 'ERR_INSUFFICIENT_SCOPE' ? 'scope' : 'role',
      userId: auth.userId,
      ...eventContext(context),
      ...(permission === undefined ? {} : { detail: { permission } }),
    });
  }
}

function eventContext(context: AccessCheckContext): AccessCheckContext {
  return {
    ...(context.ip === undefined ? {} : { ip: context.ip }),
    ...(context.method === undefined ? {} : { method: context.method }),
    ...(context.route === undefined ? {} : { route: context.route }),
  };
}

const NO_SCOPES: readonly string[] = Object.freeze([]);

/**
 * The scopes limiting `auth`, or `undefined` when it carries its user's full rights: an API key
 * is its owner limited to its scopes, and one that states none is limited to nothing.
 */
function scopesOf(auth: AuthContext): readonly string[] | undefined {
  return auth.scopes ?? (auth.method === 'api-key' ? NO_SCOPES : undefined);
}

function roleFromCredential(auth: AuthContext): string | undefined {
  return auth.role;
}

function checkRank(rank: readonly string[], roles: readonly string[]): readonly string[] {
  const seen = new Set<string>();
  rank.forEach((role, index) => {
    if (!roles.includes(role) || seen.has(role)) {
      throw new RampartConfigError(
        `createAccessControl.rank[${index}]`,
        `${JSON.stringify(role)} is ${seen.has(role) ? 'listed twice' : 'not a role of createAccessControl.roles'}.`,
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
    seen.add(role);
  });
  const unranked = roles.filter((role) => !seen.has(role));
  if (unranked.length > 0) {
    throw new RampartConfigError(
      'createAccessControl.rank',
      `must list every role, lowest first; missing: ${unranked.join(', ')}.`,
      CONFIG_ERROR_CODES.invalidValue,
    );
  }
  return rank;
}

/**
 * Compiles roles and permissions into an {@link AccessControl}. Permission and role names are
 * inferred from the options, so a typo in a role, a guard or a check is a type error; the same
 * mistakes from untyped code throw `RampartConfigError` here, naming the option.
 *
 * @example
 * const access = createAccessControl({
 *   permissions: ['entities:read', 'entities:write', 'users:read'],
 *   roles: {
 *     user: { permissions: ['entities:*'] },
 *     admin: { permissions: ['users:read'], inherits: ['user'] },
 *   },
 *   rank: ['user', 'admin'],
 * });
 * access.roleGrants('admin', 'entities:write'); // true
 */
export function createAccessControl<const P extends string, const R extends string>(
  options: AccessControlOptions<P, R>,
): AccessControl<P, R> {
  return new AccessControl(options);
}
