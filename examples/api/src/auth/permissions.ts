import { forbiddenError } from '@rampart/access-control';
import { APP_RULES, type AppPermission } from '../access/app-access.js';
import type { User } from '../users/user-store.js';

/**
 * 403 `ERR_FORBIDDEN` (naming the permission) for a caller whose role lacks `permission` in the
 * app's access control (`access/app-access.ts`), or whose account is locked. An unknown role
 * grants nothing.
 */
export function assertPermission(user: User, permission: AppPermission): void {
  if (!user.locked && APP_RULES.roleGrants(user.role, permission)) return;
  throw forbiddenError(permission);
}

/** A permission of the app's catalogue (`access/app-access.ts`). */
export type Permission = AppPermission;

/** True when `role` grants `permission` in the app's matrix; an unknown role grants nothing. */
export function hasPermission(role: string, permission: Permission): boolean {
  return APP_RULES.roleGrants(role, permission);
}
