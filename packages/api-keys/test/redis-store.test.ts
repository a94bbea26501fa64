import { StoreUnavailableError } from '@rampart/core';
import { hashTag, redisKey } from '@rampart/core/redis';
import { createRedisClient, isolatedRedisPrefix } from '@rampart/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisApiKeyStore, type RedisApiKeyStoreClient } from '../src/redis.js';
import type { ApiKeyRecord } from '../src/store.js';
import { hasRedis } from './helpers/stores.js';

const CHECK = { id: '0123456789abcdEF', secretHashes: ['h1.p1.x'], now: 1, cost: 1 } as const;

/** A client whose every script answers `reply`. */
function answering(reply: unknown): RedisApiKeyStoreClient {
  const resolve = async () => reply;
  return {
    evalsha: resolve,
    eval: resolve,
    hgetall: async () => ({}),
    smembers: async () => [],
    sadd: async () => 1,
    del: async () => 1,
    zadd: async () => 1,
    zrem: async () => 1,
    zrangebyscore: async () => [],
  };
}

describe('RedisApiKeyStore.verify', () => {
  it('answers a reply it cannot read with StoreUnavailableError (503), not another error', async () => {
    for (const reply of ['OK', 1, null, ['maybe'], []]) {
      const store = new RedisApiKeyStore({ redis: answering(reply) });
      await expect(store.verify(CHECK)).rejects.toBeInstanceOf(StoreUnavailableError);
    }
  });

  it("reads a reply's scopes field as split(' ') does, and an empty one as none", async () => {
    const lookupOf = (scopes: string) => {
      const reply = ['valid', 'h1.p1.x', 0, 'owner', scopes, false, false, false];
      return new RedisApiKeyStore({
        redis: answering([...reply, false, false, false, false, false]),
      }).verify(CHECK);
    };
    for (const scopes of ['a', 'a b', 'a  b ', ' a']) {
      expect((await lookupOf(scopes)).scopes).toEqual(scopes.split(' '));
    }
    expect((await lookupOf('')).scopes).toEqual([]);
  });

  describe.skipIf(!hasRedis)('on Redis', () => {
    const redis = createRedisClient();
    const isolated = isolatedRedisPrefix(redis);
    afterAll(async () => {
      await isolated.cleanup();
      await redis.quit();
    });

    it("keeps a key id's hash under the key redisKey names for it", async () => {
      const store = new RedisApiKeyStore({ redis, keyPrefix: isolated.prefix });
      const record: ApiKeyRecord = {
        id: CHECK.id,
        ownerId: 'user:1',
        name: 'k',
        environment: 'live',
        scopes: [],
        secretHash: CHECK.secretHashes[0],
        previousSecretHash: undefined,
        previousValidUntil: undefined,
        signingSecret: undefined,
        previousSigningSecret: undefined,
        createdAt: 1,
        expiresAt: 5,
        rotatedAt: undefined,
        rotationDueAt: undefined,
        lastUsedAt: undefined,
        disabled: false,
        revokedAt: undefined,
        metadata: undefined,
        rateLimit: undefined,
      };
      await store.create(record);
      expect(await redis.exists(redisKey(isolated.prefix, 'key', hashTag(CHECK.id)))).toBe(1);
      const lookup = await store.verify(CHECK);
      expect(lookup.outcome).toBe('valid');
      // Times come back as numbers from the script.
      expect(lookup.expiresAt).toBe(5);
      expect(lookup.lastUsedAt).toBeUndefined();
    });
  });
});
