import { type AuthContext, scopesGrant } from '@rampart/core';

/**
 * One requirement (a set of permissions, all needed) compiled against the roles: the set of
 * roles that grant every one of them, so a guard's check is one `Set#has` on the caller's role.
 * Made by `AccessControl#compile`; the guards build one per route at start-up.
 */
export class PermissionCheck<P extends string = string> {
  /** The permissions required, all of them. */
  readonly permissions: readonly P[];
  private readonly roles: ReadonlySet<string>;

  /** @internal Use `AccessControl#compile`. */
  constructor(permissions: readonly P[], roles: ReadonlySet<string>) {
    this.permissions = permissions;
    this.roles = roles;
    Object.freeze(this);
  }

  /** True when `role` grants every permission required. */
  grantedTo(role: string | undefined): boolean {
    return role !== undefined && this.roles.has(role);
  }

  /**
   * True when a caller with `auth` and `role` may proceed: the role grants every permission and,
   * for an API key, so do its scopes (one that states none grants nothing).
   */
  allows(auth: AuthContext, role: string | undefined): boolean {
    if (!this.grantedTo(role)) return false;
    const scopes = auth.scopes ?? (auth.method === 'api-key' ? [] : undefined);
    if (scopes === undefined) return true;
    for (const permission of this.permissions) if (!scopesGrant(scopes, permission)) return false;
    return true;
  }
}
