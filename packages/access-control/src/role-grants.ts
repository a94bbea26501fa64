import type { CompiledRole } from './compile-roles.js';
import type { RoleGrantDecision } from './types.js';

/** Decides a role change between known roles; `own-role` and unknown roles are decided before. */
export type RoleGrantRule = (
  actorRole: string,
  role: string,
  targetRole: string | undefined,
) => RoleGrantDecision;

const ALLOWED: RoleGrantDecision = Object.freeze({ allowed: true });

/**
 * By rank: the actor gives roles up to their own rank, to users not ranked above them. A role
 * outside the rank (an unknown one) ranks below everything for a target (it grants nothing, so
 * fixing it escalates nothing) and gives an actor nothing.
 */
export function rankRule(rank: readonly string[]): RoleGrantRule {
  const rankOf = new Map(rank.map((role, index) => [role, index]));
  return function byRank(actorRole, role, targetRole) {
    const actor = rankOf.get(actorRole);
    if (actor === undefined || (rankOf.get(role) ?? Number.POSITIVE_INFINITY) > actor) {
      return { allowed: false, reason: 'role-above-actor' };
    }
    if (targetRole !== undefined && (rankOf.get(targetRole) ?? -1) > actor) {
      return { allowed: false, reason: 'target-above-actor' };
    }
    return ALLOWED;
  };
}

/**
 * By permissions: the role given, and the target's current role, grant nothing beyond the actor's
 * role (subset), so nobody hands out or takes away more than they hold.
 */
export function subsetRule(roles: ReadonlyMap<string, CompiledRole>): RoleGrantRule {
  return function bySubset(actorRole, role, targetRole) {
    const actor = roles.get(actorRole)?.patterns;
    const given = roles.get(role)?.patterns;
    if (actor === undefined || given === undefined || !actor.covers(given)) {
      return { allowed: false, reason: 'role-above-actor' };
    }
    const target = targetRole === undefined ? undefined : roles.get(targetRole)?.patterns;
    if (target !== undefined && !actor.covers(target)) {
      return { allowed: false, reason: 'target-above-actor' };
    }
    return ALLOWED;
  };
}
