import type { SecurityEvent } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAccessControl } from '../src/index.js';
import { testAuth } from '../src/testing.js';
import { type SEED_PERMISSIONS, seedAccess } from './helpers/seed.js';

type SeedPermission = (typeof SEED_PERMISSIONS)[number];

/** role, scopes (an API key's, or none), permission, granted. */
const TABLE: readonly [string, readonly string[] | undefined, SeedPermission, boolean][] = [
  // Exact grants and deny by default.
  ['guest', undefined, 'entities:read', true],
  ['guest', undefined, 'public:read', true],
  ['guest', undefined, 'entities:write', false],
  ['guest', undefined, 'profile:read', false],
  ['user', undefined, 'entities:write', true],
  ['user', undefined, 'entities:delete', false],
  ['user', undefined, 'users:read', false],
  ['user', undefined, 'settings:read', false],
  // resource:* grants every action of the resource, and nothing else.
  ['user', undefined, 'profile:read', true],
  ['user', undefined, 'profile:write', true],
  ['admin', undefined, 'entities:delete', true],
  ['admin', undefined, 'profile:read', false],
  ['admin', undefined, 'public:read', false],
  // * grants everything.
  ['super_admin', undefined, 'public:read', true],
  ['super_admin', undefined, 'users:delete', true],
  // Unknown roles grant nothing.
  ['root', undefined, 'entities:read', false],
  ['__proto__', undefined, 'entities:read', false],
  ['', undefined, 'entities:read', false],
  // API keys: scopes ∩ the owner's permissions.
  ['user', ['entities:read'], 'entities:read', true],
  ['user', ['entities:read'], 'entities:write', false],
  ['user', ['entities:*'], 'entities:write', true],
  ['user', ['entities:*'], 'entities:delete', false],
  ['user', ['*'], 'users:read', false],
  ['user', ['*'], 'profile:write', true],
  ['admin', ['profile:read'], 'profile:read', false],
  ['super_admin', ['users:read'], 'users:write', false],
  ['super_admin', ['users:read'], 'users:read', true],
  ['user', [], 'entities:read', false],
  ['user', ['entities:re*'], 'entities:read', false],
];

describe('the seed matrix', () => {
  const access = seedAccess();
  it.each(TABLE)('%s with scopes %j: %s → %s', (role, scopes, permission, granted) => {
    const auth = testAuth({ role, ...(scopes === undefined ? {} : { scopes }) });
    expect(access.can(auth, permission)).toBe(granted);
  });

  it('refuses an API key that states no scopes at all', () => {
    const auth = testAuth({ role: 'super_admin', method: 'api-key' });
    expect(auth.scopes).toBeUndefined();
    expect(access.can(auth, 'entities:read')).toBe(false);
  });

  it('names the missing permission, with ERR_INSUFFICIENT_SCOPE when only the scope lacks', () => {
    const events: SecurityEvent[] = [];
    const audited = seedAccess(events);
    const byRole = audited.checkPermissions(testAuth({ role: 'user' }), 'user', [
      'entities:read',
      'users:read',
    ]);
    expect(byRole).toMatchObject({ status: 403, code: 'ERR_FORBIDDEN' });
    expect(byRole?.toProblem('/x')).toMatchObject({ permission: 'users:read' });
    const byScope = audited.checkPermissions(
      testAuth({ role: 'user', scopes: ['entities:read'] }),
      'user',
      ['entities:write'],
      { ip: '192.0.2.1', method: 'POST', route: '/e/:id' },
    );
    expect(byScope).toMatchObject({ status: 403, code: 'ERR_INSUFFICIENT_SCOPE' });
    expect(events).toMatchObject([
      {
        type: 'ACCESS_DENIED',
        code: 'ERR_FORBIDDEN',
        reason: 'role',
        detail: { permission: 'users:read' },
      },
      {
        type: 'ACCESS_DENIED',
        code: 'ERR_INSUFFICIENT_SCOPE',
        reason: 'scope',
        ip: '192.0.2.1',
        route: '/e/:id',
        userId: 'u1',
      },
    ]);
  });
});

describe('compiled checks', () => {
  const access = seedAccess();
  it('grant a requirement of several permissions only to roles holding all of them', () => {
    const check = access.compile('entities:read', 'profile:read');
    const roles = ['guest', 'user', 'admin', 'super_admin', 'root'];
    expect(roles.filter((role) => check.grantedTo(role))).toEqual(['user', 'super_admin']);
    expect(check.grantedTo(undefined)).toBe(false);
    const narrow = testAuth({ role: 'user', scopes: ['entities:*'] });
    expect(check.allows(narrow, 'user')).toBe(false);
    const wide = testAuth({ role: 'user', scopes: ['entities:*', 'profile:read'] });
    expect(check.allows(wide, 'user')).toBe(true);
  });
});

describe('inheritance', () => {
  const access = createAccessControl({
    permissions: ['a:read', 'a:write', 'b:read', 'c:read'],
    roles: {
      reader: { permissions: ['a:read'] },
      writer: { permissions: ['a:write'], inherits: ['reader'] },
      lead: { permissions: ['b:read'], inherits: ['writer'] },
      other: { permissions: ['c:read'] },
      both: { inherits: ['lead', 'other'] },
    },
  });

  it('grants the inherited permissions transitively, and only those', () => {
    expect(access.permissionsOf('reader')).toEqual(['a:read']);
    expect(access.permissionsOf('writer')).toEqual(['a:read', 'a:write']);
    expect(access.permissionsOf('lead')).toEqual(['a:read', 'a:write', 'b:read']);
    expect(access.permissionsOf('both')).toEqual(['a:read', 'a:write', 'b:read', 'c:read']);
    expect(access.roleGrants('reader', 'a:write')).toBe(false);
  });

  it('knows a role by its lineage', () => {
    expect(access.hasRole('lead', 'reader')).toBe(true);
    expect(access.hasRole('reader', 'lead')).toBe(false);
    expect(access.hasRole('both', 'other')).toBe(true);
    expect(access.hasRole(undefined, 'reader')).toBe(false);
  });
});

describe('configuration', () => {
  const base = { permissions: ['a:read', 'a:write'] as const };
  it.each([
    [
      { ...base, roles: { r: { permissions: ['a:reed'] } } },
      'createAccessControl.roles.r.permissions[0]',
    ],
    [
      { ...base, roles: { r: { permissions: ['b:*'] } } },
      'createAccessControl.roles.r.permissions[0]',
    ],
    [
      { ...base, roles: { r: { permissions: ['*:read'] } } },
      'createAccessControl.roles.r.permissions[0]',
    ],
    [{ ...base, roles: { r: { inherits: ['s'] } } }, 'createAccessControl.roles.r.inherits[0]'],
    [
      { ...base, roles: { r: { inherits: ['s'] }, s: { inherits: ['r'] } } },
      'createAccessControl.roles.r.inherits',
    ],
    [
      { ...base, roles: { r: { permission: ['a:read'] } } },
      'createAccessControl.roles.r.permission',
    ],
    [{ permissions: ['a:*'], roles: { r: {} } }, 'createAccessControl.permissions[0]'],
    [{ permissions: [], roles: { r: {} } }, 'createAccessControl.permissions'],
    [{ ...base, roles: { r: {}, s: {} }, rank: ['r'] }, 'createAccessControl.rank'],
    [{ ...base, roles: { r: {} }, rank: ['r', 'x'] }, 'createAccessControl.rank[1]'],
    [{ ...base, roles: { r: {} }, roleOf: 'role' }, 'createAccessControl.roleOf'],
    [{ ...base, roles: { r: {} }, extra: 1 }, 'createAccessControl.extra'],
  ])('refuses %j naming %s', (options, option) => {
    expect(() => createAccessControl(options as never)).toThrow(
      expect.objectContaining({ option }),
    );
  });
});

describe('canGrant by rank (the example contract)', () => {
  const events: SecurityEvent[] = [];
  const access = seedAccess(events);
  const admin = { userId: 'a1', role: 'admin' };
  const root = { userId: 's1', role: 'super_admin' };
  const user = { userId: 'u1', role: 'user' };

  it.each([
    [admin, 'user', { userId: 'u2', role: 'guest' }, { allowed: true }],
    [admin, 'admin', { userId: 'u2', role: 'user' }, { allowed: true }],
    [admin, 'guest', { userId: 'a2', role: 'admin' }, { allowed: true }],
    [
      admin,
      'super_admin',
      { userId: 'u2', role: 'user' },
      { allowed: false, reason: 'role-above-actor' },
    ],
    [
      admin,
      'user',
      { userId: 's2', role: 'super_admin' },
      { allowed: false, reason: 'target-above-actor' },
    ],
    [admin, 'guest', { userId: 'a1', role: 'admin' }, { allowed: false, reason: 'own-role' }],
    [root, 'super_admin', { userId: 'u2', role: 'user' }, { allowed: true }],
    [root, 'guest', { userId: 's1', role: 'super_admin' }, { allowed: false, reason: 'own-role' }],
    [root, 'owner', { userId: 'u2', role: 'user' }, { allowed: false, reason: 'unknown-role' }],
    [
      user,
      'admin',
      { userId: 'u2', role: 'guest' },
      { allowed: false, reason: 'role-above-actor' },
    ],
    [
      { userId: 'x', role: 'hacker' },
      'guest',
      { userId: 'u2', role: 'guest' },
      { allowed: false, reason: 'role-above-actor' },
    ],
    [admin, 'user', { userId: 'u3', role: 'legacy' }, { allowed: true }],
  ])('%j gives %s to %j → %j', (actor, role, target, decision) => {
    expect(access.canGrant(actor, role, target)).toEqual(decision);
  });

  it('throws ERR_PRIVILEGE_ESCALATION with a critical event when refused', () => {
    expect(() =>
      access.assertCanGrant(admin, 'super_admin', user, { ip: '192.0.2.9', route: '/r' }),
    ).toThrow(expect.objectContaining({ status: 403, code: 'ERR_PRIVILEGE_ESCALATION' }));
    expect(events.at(-1)).toMatchObject({
      type: 'PRIVILEGE_ESCALATION',
      severity: 'critical',
      userId: 'a1',
      reason: 'role-above-actor',
      detail: { role: 'super_admin', targetUserId: 'u1', actorRole: 'admin' },
    });
    expect(() =>
      access.assertCanGrant(admin, 'user', { userId: 'u9', role: 'guest' }),
    ).not.toThrow();
  });
});

describe('canGrant by permissions (no rank)', () => {
  const access = createAccessControl({
    permissions: ['a:read', 'a:write', 'b:read'],
    roles: {
      reader: { permissions: ['a:read'] },
      editor: { permissions: ['a:*'] },
      auditor: { permissions: ['b:read'] },
      owner: { permissions: ['*'] },
    },
  });
  it.each([
    ['editor', 'reader', 'auditor', { allowed: false, reason: 'target-above-actor' }],
    ['editor', 'reader', 'reader', { allowed: true }],
    ['editor', 'editor', 'reader', { allowed: true }],
    ['editor', 'auditor', 'reader', { allowed: false, reason: 'role-above-actor' }],
    ['reader', 'editor', 'reader', { allowed: false, reason: 'role-above-actor' }],
    ['owner', 'owner', 'auditor', { allowed: true }],
  ])('%s gives %s to a %s → %j', (actorRole, role, targetRole, decision) => {
    expect(
      access.canGrant({ userId: 'a', role: actorRole }, role, { userId: 'b', role: targetRole }),
    ).toEqual(decision);
  });
});

/** The rules in prose: a naive scan over the role's patterns and the key's scopes. */
function referenceCan(
  roles: Record<string, { permissions: string[]; inherits: string[] }>,
  role: string,
  scopes: readonly string[] | undefined,
  permission: string,
): boolean {
  const matches = (pattern: string) =>
    pattern === '*' || pattern === permission || pattern === `${permission.split(':')[0]}:*`;
  const seen = new Set<string>();
  const held = (name: string): boolean => {
    if (seen.has(name) || !Object.hasOwn(roles, name)) return false;
    seen.add(name);
    const definition = roles[name] as { permissions: string[]; inherits: string[] };
    return definition.permissions.some(matches) || definition.inherits.some(held);
  };
  return held(role) && (scopes === undefined || scopes.some(matches));
}

describe('against the naive reference', () => {
  const resources = ['a', 'b', 'c'];
  const actions = ['read', 'write', 'delete'];
  const catalogue = resources.flatMap((r) => actions.map((a) => `${r}:${a}`));
  const pattern = fc.oneof(
    fc.constantFrom(...catalogue),
    fc.constantFrom(...resources.map((r) => `${r}:*`)),
    fc.constant('*'),
  );
  const roleNames = ['r0', 'r1', 'r2', 'r3'];
  // Acyclic by construction: a role inherits only from roles after it.
  const roles = fc
    .tuple(
      ...roleNames.map(() =>
        fc.tuple(fc.array(pattern, { maxLength: 3 }), fc.array(fc.nat(3), { maxLength: 2 })),
      ),
    )
    .map((defs) =>
      Object.fromEntries(
        defs.map(([permissions, parents], index) => [
          roleNames[index] as string,
          {
            permissions,
            inherits: [
              ...new Set(parents.filter((p) => p > index).map((p) => roleNames[p] as string)),
            ],
          },
        ]),
      ),
    );

  it('grants what the reference grants, for every role, scopes and permission', () => {
    fc.assert(
      fc.property(
        roles,
        fc.constantFrom(...roleNames, 'nobody'),
        fc.option(fc.array(pattern, { maxLength: 3 }), { nil: undefined }),
        fc.constantFrom(...catalogue),
        (definitions, role, scopes, permission) => {
          const access = createAccessControl({ permissions: catalogue, roles: definitions });
          const auth = testAuth({ role, ...(scopes === undefined ? {} : { scopes }) });
          const expected = referenceCan(definitions, role, scopes, permission);
          expect(access.can(auth, permission)).toBe(expected);
          expect(access.compile(permission).allows(auth, role)).toBe(expected);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
