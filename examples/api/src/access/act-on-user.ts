import type { AccessCheckContext, RoleHolder } from '@rampart/access-control';
import type { AuditEventInput } from '@rampart/audit';
import { RampartError } from '@rampart/core';
import type { AppAccessControl } from './app-access.js';

/** What an admin does to another user's account besides changing its role. */
export type UserAction = 'lock' | 'unlock' | 'sessions-revoked';

/**
 * 403 `ERR_PRIVILEGE_ESCALATION`, and a critical `PRIVILEGE_ESCALATION` event, unless `actor`
 * may act on `target`. The rule is the role route's own (`canGrant` asked to give the target
 * the role they already hold): never oneself, never someone ranked above. So an admin cannot
 * lock, unlock or sign out a super_admin, nor lock themself out with nobody left to unlock.
 */
export function assertMayActOnUser(
  access: AppAccessControl,
  onEvent: ((event: AuditEventInput) => void) | undefined,
  actor: RoleHolder,
  target: RoleHolder,
  action: UserAction,
  context: AccessCheckContext = {},
): void {
  const decision = access.canGrant(actor, target.role, target);
  if (decision.allowed) return;
  const error = new RampartError({
    status: 403,
    code: 'ERR_PRIVILEGE_ESCALATION',
    title: 'Forbidden',
    detail:
      'You may not do this to this user: nobody acts on their own account or on someone ranked above them.',
    extensions: { action },
  });
  onEvent?.({
    type: 'PRIVILEGE_ESCALATION',
    severity: 'critical',
    source: 'app',
    code: error.code,
    reason: decision.reason,
    userId: actor.userId,
    ...context,
    detail: { action, actorRole: actor.role, targetUserId: target.userId, targetRole: target.role },
  });
  throw error;
}
