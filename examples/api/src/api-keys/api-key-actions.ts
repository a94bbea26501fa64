import type { ApiKeyInfo, ApiKeys } from '@rampart/api-keys';
import { type AuthContext, PermissionSet, RampartError, scopesGrant } from '@rampart/core';
import { z } from 'zod';
import { parseInput } from '../parse-input.js';
import type { User } from '../users/user-store.js';

/** The scopes a key may carry (EXAMPLE-API.md's permission table). */
export const API_KEY_SCOPES = ['entities:read', 'entities:write', 'profile:read'] as const;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const createBody = z.strictObject({
  name: z.string().min(1).max(128),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(API_KEY_SCOPES.length),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
  rateLimitPerHour: z.number().int().min(1).max(100_000).optional(),
});
const rotateBody = z.strictObject({
  graceSeconds: z.number().int().min(0).max(604_800).optional(),
});
const reportBody = z.strictObject({ key: z.string().max(512) });
/** Ids as the package makes them; anything else is no key of anyone's. */
const keyIdParam = z.string().regex(/^[0-9A-Za-z]{16}$/, 'must be an API key id');

/** How the caller's own rights are asked: the app's role table. */
export type GrantsPermission = (user: User, permission: string) => boolean;

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

function listed(info: ApiKeyInfo) {
  return {
    id: info.id,
    name: info.name,
    prefix: info.prefix,
    scopes: info.scopes,
    createdAt: iso(info.createdAt),
    expiresAt: iso(info.expiresAt),
    lastUsedAt: iso(info.lastUsedAt),
    rotationDueAt: iso(info.rotationDueAt),
  };
}

function scopeNotAllowed(scope: string): RampartError {
  return new RampartError({
    status: 403,
    code: 'ERR_SCOPE_NOT_ALLOWED',
    title: 'Forbidden',
    detail: `You cannot give a key the scope ${scope}: it is beyond your own permissions.`,
    extensions: { scope },
  });
}

function notFound(): RampartError {
  return new RampartError({
    status: 404,
    code: 'ERR_API_KEY_NOT_FOUND',
    title: 'Not found',
    detail: 'No active API key with this id belongs to you. List your keys to find its id.',
  });
}

/** The routes of EXAMPLE-API.md's "API keys" section, framework-neutral. */
export interface ApiKeyActions {
  create(auth: AuthContext, user: User, body: unknown): Promise<object>;
  list(auth: AuthContext): Promise<object[]>;
  rotate(auth: AuthContext, id: unknown, body: unknown): Promise<object>;
  revoke(auth: AuthContext, id: unknown): Promise<void>;
  reportCompromised(body: unknown): Promise<void>;
}

export function createApiKeyActions(apiKeys: ApiKeys, grants: GrantsPermission): ApiKeyActions {
  return Object.freeze({
    async create(auth: AuthContext, user: User, body: unknown) {
      const input = parseInput(createBody, body);
      // A key never holds more than its creator: the user's role, and a creating key's scopes.
      for (const scope of input.scopes) {
        const byKey = auth.method !== 'api-key' || scopesGrant(auth.scopes ?? [], scope);
        if (!byKey || !grants(user, scope)) throw scopeNotAllowed(scope);
      }
      const now = Date.now();
      const { key, signingSecret, info } = await apiKeys.create({
        ownerId: auth.userId,
        name: input.name,
        scopes: PermissionSet.from(input.scopes).patterns,
        ...(input.expiresInDays === undefined
          ? {}
          : { expiresAt: now + input.expiresInDays * DAY_MS }),
        rateLimit: { limit: input.rateLimitPerHour ?? 1000, windowMs: HOUR_MS },
      });
      return {
        id: info.id,
        key,
        signingSecret: signingSecret ?? null,
        scopes: info.scopes,
        prefix: info.prefix,
        expiresAt: iso(info.expiresAt),
        rotationDueAt: iso(info.rotationDueAt),
      };
    },

    async list(auth: AuthContext) {
      return (await apiKeys.list(auth.userId)).map(listed);
    },

    async rotate(auth: AuthContext, id: unknown, body: unknown) {
      const keyId = parseInput(keyIdParam, id, 'id');
      const { graceSeconds } = parseInput(rotateBody, body ?? {});
      if ((await apiKeys.get({ id: keyId, ownerId: auth.userId })) === undefined) throw notFound();
      const rotated = await apiKeys.rotate(
        { id: keyId, ownerId: auth.userId },
        graceSeconds === undefined ? {} : { graceMs: graceSeconds * 1000 },
      );
      return {
        id: rotated.info.id,
        key: rotated.key,
        signingSecret: rotated.signingSecret ?? null,
        previousKeyValidUntil: iso(rotated.previousKeyValidUntil),
      };
    },

    async revoke(auth: AuthContext, id: unknown) {
      const keyId = parseInput(keyIdParam, id, 'id');
      if (!(await apiKeys.revoke({ id: keyId, ownerId: auth.userId }))) throw notFound();
    },

    async reportCompromised(body: unknown) {
      const { key } = parseInput(reportBody, body);
      // 202 whether or not it was a key: the reporter learns nothing about it.
      await apiKeys.reportCompromised(key);
    },
  });
}
