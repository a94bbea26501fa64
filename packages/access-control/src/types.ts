import type { AuthContext } from '@rampart/core';

/** The resource part of each permission of `P`: `'users' | 'entities'` for `'users:read' | 'entities:read'`. */
export type ResourceOf<P extends string> = P extends `${infer Resource}:${string}`
  ? Resource
  : never;

/**
 * What a role may list: a permission of the catalogue, every action of one of its resources
 * (`users:*`), or everything (`*`). A typo is a type error.
 */
export type PermissionGrant<P extends string> = P | `${ResourceOf<P>}:*` | '*';

/** One role: the permissions it grants itself and the roles whose permissions it inherits. */
export interface RoleDefinition<P extends string, R extends string> {
  /** Permissions of the role itself. Default none. */
  readonly permissions?: readonly PermissionGrant<P>[];
  /** Roles whose permissions this role also has, transitively. A cycle is refused at start-up. */
  readonly inherits?: readonly R[];
}

/**
 * Finds the role of a request's caller. The default reads `auth.role`, the role the credential
 * states; an app whose roles can change while tokens live reads the user's current role from its
 * store here (and answers `undefined` for a locked account), so the next request sees a change.
 */
export type RoleResolver = (auth: AuthContext) => string | undefined | Promise<string | undefined>;

/** Who changes a role, or whose role is changed: a user id and their current role. */
export interface RoleHolder {
  readonly userId: string;
  readonly role: string;
}

/** Why a role change is refused. */
export type RoleGrantRefusal =
  /** Nobody changes their own role. */
  | 'own-role'
  /** The role to give is not one the access control knows. */
  | 'unknown-role'
  /** The role to give is above what the actor may give (rank, or permissions not a subset). */
  | 'role-above-actor'
  /** The user whose role changes is ranked above the actor (or holds permissions they lack). */
  | 'target-above-actor';

/** The answer of `canGrant`. */
export type RoleGrantDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: RoleGrantRefusal };

/** Where a check happened, for the event it may emit. */
export interface AccessCheckContext {
  readonly ip?: string;
  readonly method?: string;
  /** The matched route pattern, never the raw path. */
  readonly route?: string;
}
