import {
  type AuthContext,
  type Authenticator,
  createAuthContext,
  RampartError,
  type SecurityEvent,
  type SecurityRequest,
} from '@rampart/core';
import { createAccessControl } from '../../src/index.js';

/** The example app's matrix, as EXAMPLE-API.md states it. */
export const SEED_PERMISSIONS = [
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

export function seedAccess(events: SecurityEvent[] = []) {
  return createAccessControl({
    permissions: SEED_PERMISSIONS,
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
    rank: ['guest', 'user', 'admin', 'super_admin'],
    onEvent: (event) => events.push(event),
  });
}

/**
 * `Authorization: Bearer <role>:<userId>` is a JWT-like credential with that role;
 * `X-API-Key: <role>|<userId>|<scope>,<scope>` an API key of that owner with those scopes.
 */
export const testAuthenticator: Authenticator = {
  name: 'test',
  challenge: 'Bearer',
  authenticate(request: SecurityRequest): Promise<AuthContext> | undefined {
    const bearer = request.headers.authorization;
    const key = request.headers['x-api-key'];
    if (typeof bearer === 'string') {
      const [role, userId] = bearer.replace(/^Bearer /, '').split(':');
      return Promise.resolve(
        createAuthContext({
          userId: userId ?? 'u',
          role: role ?? '',
          method: 'jwt',
          credentialId: 'f1',
        }),
      );
    }
    if (typeof key === 'string') {
      const [role, userId, scopes] = key.split('|');
      return Promise.resolve(
        createAuthContext({
          userId: userId ?? 'u',
          role: role ?? '',
          method: 'api-key',
          credentialId: 'k1',
          scopes: scopes === undefined || scopes === '' ? [] : scopes.split(','),
        }),
      );
    }
    if (bearer !== undefined) {
      return Promise.reject(
        new RampartError({ status: 401, code: 'ERR_TEST', title: 'x', detail: 'x' }),
      );
    }
    return undefined;
  },
};
