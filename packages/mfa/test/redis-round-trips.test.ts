import { createFakeClock } from '@rampart/core';
import { createKeyedHasher, createKeyRing, generateKey } from '@rampart/crypto';
import { createRedisClient, isolatedRedisPrefix, serviceAvailable } from '@rampart/test-utils';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMfa } from '../src/index.js';
import { RedisMfaStore, type RedisMfaStoreClient } from '../src/redis.js';
import { type TotpSettings, timeStepAt, totpCodeAt } from '../src/totp.js';
import { secretOf } from './helpers/stores.js';

const SIX: TotpSettings = { algorithm: 'sha1', digits: 6, period: 30, window: 1 };
const hasRedis = await serviceAvailable('redis');

/** The client the store gets: every command it sends goes through here and is counted. */
function countingClient(redis: Redis, calls: string[]): RedisMfaStoreClient {
  const methods = ['evalsha', 'eval', 'set', 'get', 'sadd', 'pexpire', 'smembers', 'del'] as const;
  const client: Record<string, unknown> = {};
  for (const method of methods) {
    client[method] = (...args: unknown[]) => {
      calls.push(method);
      return (redis[method] as (...a: unknown[]) => unknown).apply(redis, args);
    };
  }
  return client as unknown as RedisMfaStoreClient;
}

describe.skipIf(!hasRedis)('RedisMfaStore round trips', () => {
  let redis: Redis;
  let isolated: ReturnType<typeof isolatedRedisPrefix>;
  beforeAll(() => {
    redis = createRedisClient();
    isolated = isolatedRedisPrefix(redis);
  });
  afterAll(async () => {
    await isolated.cleanup();
    await redis.quit();
  });

  it('sends one EVALSHA per verification, accepted, replayed or wrong', async () => {
    const calls: string[] = [];
    const clock = createFakeClock(Date.now());
    const mfa = createMfa({
      store: new RedisMfaStore({ redis: countingClient(redis, calls), keyPrefix: isolated.prefix }),
      keyRing: createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] }),
      hasher: createKeyedHasher({ keys: [{ id: 'p1', key: generateKey() }] }),
      issuer: 'Rampart Test',
      clock,
    });
    const secret = secretOf((await mfa.setup('u1', 'ada@example.com')).otpauthUrl);
    const codeNow = () => totpCodeAt(secret, timeStepAt(clock.now(), 30), SIX);
    await mfa.enable('u1', codeNow());
    calls.length = 0;
    for (let index = 0; index < 50; index++) {
      clock.advance(30_000);
      await mfa.verify('u1', codeNow());
    }
    await expect(mfa.verify('u1', codeNow())).rejects.toMatchObject({
      code: 'ERR_MFA_CODE_REPLAYED',
    });
    const wrong = codeNow() === '000000' ? '111111' : '000000';
    await expect(mfa.verify('u1', wrong)).rejects.toMatchObject({ code: 'ERR_MFA_CODE_INVALID' });
    expect(calls).toEqual(Array.from({ length: 52 }, () => 'evalsha'));
  });

  it('needs one more round trip only when the process has not seen the secret yet', async () => {
    const calls: string[] = [];
    const clock = createFakeClock(Date.now());
    const options = {
      keyRing: createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] }),
      hasher: createKeyedHasher({ keys: [{ id: 'p1', key: generateKey() }] }),
      issuer: 'Rampart Test',
      clock,
    };
    const enrolling = createMfa({
      ...options,
      store: new RedisMfaStore({ redis, keyPrefix: isolated.prefix }),
    });
    const secret = secretOf((await enrolling.setup('u2', 'bo@example.com')).otpauthUrl);
    const codeNow = () => totpCodeAt(secret, timeStepAt(clock.now(), 30), SIX);
    await enrolling.enable('u2', codeNow());
    // Another process: its first verification learns the sealed secret (stale), then checks.
    const other = createMfa({
      ...options,
      store: new RedisMfaStore({ redis: countingClient(redis, calls), keyPrefix: isolated.prefix }),
    });
    clock.advance(30_000);
    await other.verify('u2', codeNow());
    clock.advance(30_000);
    await other.verify('u2', codeNow());
    expect(calls).toEqual(['evalsha', 'evalsha', 'evalsha']);
  });
});
