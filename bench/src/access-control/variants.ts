/**
 * The variants of the access-control benchmark: one permission check against the example app's
 * role matrix (EXAMPLE-API.md), by `@rampart/access-control` and by CASL's `ability.can` with the
 * same rules. Each op runs a batch of checks over a fixed mix of roles and permissions (granted
 * and refused), so the harness's per-op promise does not swamp a check that costs nanoseconds.
 */
import { AbilityBuilder, createMongoAbility, type MongoAbility } from '@casl/ability';
import { createAccessControl } from '@rampart/access-control';
import { type AuthContext, createAuthContext } from '@rampart/core';
import type { Variant } from '../harness/runner.js';

/** The inputs: every role against every permission (4 × 12). */
const INPUTS = 48;
/** Rounds over the inputs per op. */
const REPEATS = 21;
/** Checks per op. */
export const BATCH = INPUTS * REPEATS;

export const OURS_GUARD = 'check.grantedTo(role), compiled per route (the guards)';
export const OURS_CAN = 'access.can(auth, permission)';
export const OURS_ROLE = 'access.roleGrants(role, permission)';
export const CASL = 'CASL ability.can(action, subject)';

const PERMISSIONS = [
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
type Permission = (typeof PERMISSIONS)[number];

/** The seed's matrix: `resource:*` and `*` as wildcards. */
const MATRIX: Record<string, readonly string[]> = {
  guest: ['entities:read', 'public:read'],
  user: ['entities:read', 'entities:write', 'profile:*'],
  admin: [
    'users:read',
    'users:write',
    'users:delete',
    'entities:*',
    'settings:read',
    'settings:write',
    'audit:read',
  ],
  super_admin: ['*'],
};

/** One CASL ability per role, the same rules: `*` is manage/all, `resource:*` is manage/resource. */
function caslAbility(patterns: readonly string[]): MongoAbility {
  const { can, build } = new AbilityBuilder(createMongoAbility);
  for (const pattern of patterns) {
    if (pattern === '*') {
      can('manage', 'all');
      continue;
    }
    const [subject, action] = pattern.split(':') as [string, string];
    can(action === '*' ? 'manage' : action, subject);
  }
  return build();
}

/** The inputs: every role against every permission, in a fixed shuffled order. */
function mix(): { role: string; permission: Permission; action: string; subject: string }[] {
  const pairs = Object.keys(MATRIX).flatMap((role) =>
    PERMISSIONS.map((permission) => {
      const [subject, action] = permission.split(':') as [string, string];
      return { role, permission, action, subject };
    }),
  );
  // A fixed permutation (multiplier coprime to the length) so branch prediction sees no pattern.
  return pairs.map((_, index) => pairs[(index * 7) % pairs.length] as (typeof pairs)[number]);
}

export function accessControlVariants(): Variant[] {
  const access = createAccessControl({
    permissions: PERMISSIONS,
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
  });
  const abilities = new Map(
    Object.entries(MATRIX).map(([role, patterns]) => [role, caslAbility(patterns)]),
  );
  const inputs = mix();
  if (inputs.length !== INPUTS) throw new Error('the input mix changed size');
  // Plain arrays, one per field, and one loop per variant below: a shared loop calling a closure
  // per check would be a megamorphic call site costing every variant more than our check itself.
  const roles = inputs.map((input) => input.role);
  const permissions = inputs.map((input) => input.permission);
  const actions = inputs.map((input) => input.action);
  const subjects = inputs.map((input) => input.subject);
  const authOf = new Map<string, AuthContext>(
    Object.keys(MATRIX).map((role) => [
      role,
      createAuthContext({ userId: 'u1', role, method: 'jwt', credentialId: 'f1' }),
    ]),
  );
  const auths = inputs.map((input) => authOf.get(input.role) as AuthContext);
  // What a guard holds: its requirement compiled once, at start-up.
  const checks = inputs.map((input) => access.compile(input.permission));

  // The expected count of grants per op, from CASL, so every variant is checked against the peer.
  const grantedPerBatch =
    REPEATS *
    inputs.filter((input) => abilities.get(input.role)?.can(input.action, input.subject) === true)
      .length;

  return [
    {
      name: CASL,
      op: () => {
        let granted = 0;
        for (let repeat = 0; repeat < REPEATS; repeat++) {
          for (let i = 0; i < INPUTS; i++) {
            if (
              (abilities.get(roles[i] as string) as MongoAbility).can(
                actions[i] as string,
                subjects[i] as string,
              )
            )
              granted++;
          }
        }
        return Promise.resolve(granted === grantedPerBatch);
      },
    },
    {
      name: OURS_GUARD,
      baseline: CASL,
      op: () => {
        let granted = 0;
        for (let repeat = 0; repeat < REPEATS; repeat++) {
          for (let i = 0; i < INPUTS; i++) {
            if ((checks[i] as (typeof checks)[number]).grantedTo(roles[i])) granted++;
          }
        }
        return Promise.resolve(granted === grantedPerBatch);
      },
    },
    {
      name: OURS_CAN,
      baseline: CASL,
      op: () => {
        let granted = 0;
        for (let repeat = 0; repeat < REPEATS; repeat++) {
          for (let i = 0; i < INPUTS; i++) {
            if (access.can(auths[i], permissions[i] as Permission)) granted++;
          }
        }
        return Promise.resolve(granted === grantedPerBatch);
      },
    },
    {
      name: OURS_ROLE,
      baseline: CASL,
      op: () => {
        let granted = 0;
        for (let repeat = 0; repeat < REPEATS; repeat++) {
          for (let i = 0; i < INPUTS; i++) {
            if (access.roleGrants(roles[i], permissions[i] as Permission)) granted++;
          }
        }
        return Promise.resolve(granted === grantedPerBatch);
      },
    },
  ];
}
