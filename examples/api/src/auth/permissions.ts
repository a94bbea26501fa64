import { RampartError } from '@rampart/core';
import type { User } from '../users/user-store.js';

export type Permission = 'entities:read' | 'entities:write';

/**
 * Who may do what, until `@rampart/access-control` exists. `'*'` is every permission. A role
 * missing from the table gets nothing: an unknown role fails closed.
 */
const ROLE_PERMISSIONS: Readonly<Record<string, readonly Permission[] | '*'>> = Object.freeze({
  user: Object.freeze(['entities:read', 'entities:write'] as const),
  admin: '*',
  super_admin: '*',
});

/** True when `role` grants `permission`. */
export function hasPermission(role: string, permission: Permission): boolean {
  const granted = Object.hasOwn(ROLE_PERMISSIONS, role) ? ROLE_PERMISSIONS[role] : undefined;
  return granted === '*' || (granted?.includes(permission) ?? false);
}

/** 403 for an authenticated caller whose role lacks `permission`, or whose account is locked. */
export function assertPermission(user: User, permission: Permission): void {
  if (!user.locked && hasPermission(user.role, permission)) return;
  throw new RampartError({
    status: 403,
    code: 'ERR_ACCESS_DENIED',
    title: 'Forbidden',
    detail: `This action needs the permission ${permission}, which your account does not have.`,
    extensions: { permission },
  });
}
