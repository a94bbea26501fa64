import type { AccessCheckContext } from '@rampart/access-control';
import {
  type AuthContext,
  badRequest,
  notFoundError,
  RampartError,
  type RuntimeSecuritySettings,
  type SecuritySettings,
} from '@rampart/core';
import type { User, UserStore } from '../users/user-store.js';

/**
 * What the admin routes need of the user store: a lookup, a page of users in id order, a role
 * change (the example's `UserStore` has all three).
 */
export interface AdminUserStore extends Pick<UserStore, 'findById'> {
  list(limit: number, cursor?: string): Promise<{ items: User[]; nextCursor?: string }>;
  setRole(id: string, role: string): Promise<User | undefined>;
}

import type { AppAccessControl } from './app-access.js';

/** What `GET /api/v1/admin/users` shows of a user: never the password hash. */
export interface AdminUserView {
  readonly id: string;
  readonly email: string;
  readonly role: string;
  readonly mfaEnabled: boolean;
  readonly locked: boolean;
  readonly createdAt: string;
}

/** The admin routes' logic (users, roles, settings), framework-free. */
export interface AdminService {
  listUsers(query: unknown): Promise<{ items: AdminUserView[]; nextCursor: string | null }>;
  changeRole(
    caller: AuthContext,
    userId: string,
    body: unknown,
    context: AccessCheckContext,
  ): Promise<AdminUserView>;
  settings(): SecuritySettings;
  patchSettings(caller: AuthContext, body: unknown, ip: string): Promise<SecuritySettings>;
}

const DEFAULT_LIMIT = 50;
const LIMIT = /^(?:[1-9][0-9]?|100)$/;
/** The store's cursor is a user id: a UUID. */
const CURSOR = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function view(user: User): AdminUserView {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    // MFA enrolment is @rampart/mfa's; until it reports here, nobody counts as enrolled.
    mfaEnabled: false,
    locked: user.locked,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}

function queryValue(query: unknown, name: string): unknown {
  return typeof query === 'object' && query !== null
    ? (query as Record<string, unknown>)[name]
    : undefined;
}

function userNotFound(): RampartError {
  return notFoundError();
}

export function createAdminService(
  users: AdminUserStore,
  access: AppAccessControl,
  settings: RuntimeSecuritySettings,
): AdminService {
  async function actorOf(caller: AuthContext): Promise<User> {
    const actor = await users.findById(caller.userId);
    // The guard resolved this user a moment ago; gone since, the caller holds nothing.
    if (actor === undefined || actor.locked) {
      throw new RampartError({
        status: 403,
        code: 'ERR_FORBIDDEN',
        title: 'Forbidden',
        detail: 'Your account may not do this.',
      });
    }
    return actor;
  }

  const service: AdminService = {
    async listUsers(query: unknown) {
      const limitText = queryValue(query, 'limit');
      const cursor = queryValue(query, 'cursor');
      if (limitText !== undefined && (typeof limitText !== 'string' || !LIMIT.test(limitText))) {
        throw badRequest('ERR_VALIDATION', 'limit must be a whole number from 1 to 100.');
      }
      if (cursor !== undefined && (typeof cursor !== 'string' || !CURSOR.test(cursor))) {
        throw badRequest('ERR_VALIDATION', 'cursor must be the nextCursor of an earlier page.');
      }
      const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
      const page = await users.list(limit, cursor as string | undefined);
      return { items: page.items.map(view), nextCursor: page.nextCursor ?? null };
    },

    async changeRole(caller, userId, body, context) {
      const role =
        typeof body === 'object' && body !== null ? (body as { role?: unknown }).role : undefined;
      if (typeof role !== 'string' || !access.isRole(role)) {
        throw badRequest('ERR_VALIDATION', `role must be one of ${access.roles.join(', ')}.`);
      }
      const actor = await actorOf(caller);
      const target = await users.findById(userId);
      if (target === undefined) throw userNotFound();
      access.assertCanGrant(
        { userId: actor.id, role: actor.role },
        role,
        { userId: target.id, role: target.role },
        context,
      );
      const updated = await users.setRole(target.id, role);
      if (updated === undefined) throw userNotFound();
      return view(updated);
    },

    settings: () => settings.current(),

    async patchSettings(caller, body, ip) {
      return settings.update(body, { userId: caller.userId, ip });
    },
  };
  return Object.freeze(service);
}
