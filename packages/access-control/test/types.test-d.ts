import { describe, expectTypeOf, it } from 'vitest';
import { expressAccessControl } from '../src/express.js';
import {
  type AccessControl,
  createAccessControl,
  type PermissionGrant,
  type RouteAccess,
} from '../src/index.js';

const access = createAccessControl({
  permissions: ['users:read', 'users:write', 'entities:read'],
  roles: {
    user: { permissions: ['entities:read'] },
    admin: { permissions: ['users:*'], inherits: ['user'] },
    root: { permissions: ['*'] },
  },
  rank: ['user', 'admin', 'root'],
});

describe('typed permission and role names', () => {
  it('infers the catalogue and the roles', () => {
    expectTypeOf(access).toEqualTypeOf<
      AccessControl<'users:read' | 'users:write' | 'entities:read', 'user' | 'admin' | 'root'>
    >();
    expectTypeOf<PermissionGrant<'users:read' | 'entities:read'>>().toEqualTypeOf<
      'users:read' | 'entities:read' | 'users:*' | 'entities:*' | '*'
    >();
  });

  it('makes a typo a type error in checks and guards', () => {
    access.roleGrants('user', 'users:read');
    // @ts-expect-error: 'usres:read' is not a permission of the catalogue.
    access.roleGrants('user', 'usres:read');
    const guard = expressAccessControl(access);
    guard.requirePermissions('users:read', 'entities:read');
    // @ts-expect-error: a typo in a guard.
    guard.requirePermissions('entities:raed');
    // @ts-expect-error: a guard needs at least one permission.
    guard.requirePermissions();
    guard.requireRole('admin');
    // @ts-expect-error: 'superuser' is not a role.
    guard.requireRole('superuser');
  });

  it('makes a typo a type error in role definitions, inheritance and rank', () => {
    createAccessControl({
      permissions: ['a:read'],
      // @ts-expect-error: 'a:raed' is neither a permission nor a wildcard of one.
      roles: { r: { permissions: ['a:raed'] } },
    });
    createAccessControl({
      permissions: ['a:read'],
      // @ts-expect-error: 'b:*' names no resource of the catalogue.
      roles: { r: { permissions: ['b:*'] } },
    });
    createAccessControl({
      permissions: ['a:read'],
      // @ts-expect-error: inherits an unknown role.
      roles: { r: { inherits: ['s'] } },
    });
    createAccessControl({
      permissions: ['a:read'],
      roles: { r: {} },
      // @ts-expect-error: ranks an unknown role.
      rank: ['s'],
    });
  });

  it('types Fastify route config by the registered access control', () => {
    // The program may hold an app that registered its access control (the example does), so
    // only what holds either way is pinned: the two keywords, and that a requirement is an object.
    expectTypeOf<'public'>().toExtend<RouteAccess>();
    expectTypeOf<'authenticated'>().toExtend<RouteAccess>();
    expectTypeOf<'everyone'>().not.toExtend<RouteAccess>();
  });
});
