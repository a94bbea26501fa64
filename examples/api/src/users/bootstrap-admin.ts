import { randomUUID } from 'node:crypto';
import { isRampartError } from '@rampart/core';
import type { PasswordHasher } from '@rampart/passwords';
import type { AppConfig } from '../config.js';
import type { UserStore } from './user-store.js';

/** Whether the start created the admin, or found one from an earlier run on Redis or Postgres. */
export type AdminBootstrap = 'created' | 'existing';

/**
 * Creates the bootstrap admin (`ADMIN_EMAIL` / `ADMIN_PASSWORD`, role `super_admin`) unless an account
 * with that email exists. An existing account is kept as it is, password included: a restart must
 * not reset a password the admin changed. Two instances starting at once both end up `existing`
 * or `created` without error, as `create` is atomic.
 */
export async function ensureBootstrapAdmin(
  config: AppConfig,
  users: UserStore,
  hasher: PasswordHasher,
): Promise<AdminBootstrap> {
  if ((await users.findByEmail(config.admin.email)) !== undefined) return 'existing';
  try {
    await users.create({
      id: randomUUID(),
      email: config.admin.email,
      passwordHash: await hasher.hash(config.admin.password.value),
      role: 'super_admin',
      locked: false,
      createdAt: Date.now(),
    });
    return 'created';
  } catch (error) {
    if (isRampartError(error) && error.code === 'ERR_EMAIL_TAKEN') return 'existing';
    throw error;
  }
}
