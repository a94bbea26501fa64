import {
  type AccessControl,
  type AccessControlOptions,
  createAccessControl,
} from '@rampart/access-control';
import type { SecurityEventHandler } from '@rampart/core';
import type { UserStore } from '../users/user-store.js';

/** Every permission of the app (EXAMPLE-API.md, "Roles and permissions"). */
export const APP_PERMISSIONS = [
  'users:read',
  'users:write',
  'users:delete',
  'entities:read',
  'entities:write',
  'entities:delete',
  'settings:read',
  'settings:write',
  'audit:read',
  'profile:read',
  'profile:write',
  'public:read',
] as const;

/** The roles, lowest first: the rank order of role changes. */
export const APP_ROLES = ['guest', 'user', 'admin', 'super_admin'] as const;

export type AppPermission = (typeof APP_PERMISSIONS)[number];
export type AppRole = (typeof APP_ROLES)[number];
export type AppAccessControl = AccessControl<AppPermission, AppRole>;

declare module '@rampart/access-control' {
  interface AccessControlRegister {
    // Types every Fastify route's `config.access` by the app's permissions and roles.
    access: AppAccessControl;
  }
}

/** The seed's matrix, ranked for role changes. */
const RULES = {
  permissions: APP_PERMISSIONS,
  roles: {
    guest: { permissions: ['entities:read', 'public:read'] },
    user: { permissions: ['entities:read', 'entities:write', 'profile:*'] },
    admin: {
      permissions: [
        'users:read',
        'users:write',
        'users:delete',
        'entities:*',
        'settings:read',
        'settings:write',
        'audit:read',
      ],
    },
    super_admin: { permissions: ['*'] },
  },
  rank: [...APP_ROLES],
} as const satisfies AccessControlOptions<AppPermission, AppRole>;

/** The matrix alone (roles as given), for checks on a user already loaded. */
export const APP_RULES: AppAccessControl = createAccessControl(RULES);

/**
 * The app's access control. The caller's role is read from the user store on every guarded
 * request, not from the token: a role change (or a lock) applies to the next request, whatever
 * tokens and sessions the user holds. A locked or unknown user has no role, so every guard
 * refuses them.
 */
export function createAppAccessControl(
  users: UserStore,
  onEvent?: SecurityEventHandler,
): AppAccessControl {
  return createAccessControl({
    ...RULES,
    async roleOf(auth) {
      const user = await users.findById(auth.userId);
      return user === undefined || user.locked ? undefined : user.role;
    },
    ...(onEvent === undefined ? {} : { onEvent }),
  });
}
