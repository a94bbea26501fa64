import { createKeyedHasher, createKeyRing, generateKey } from '@rampart/crypto';
import {
  createRedisClient,
  isolatedRedisPrefix,
  runInWorkers,
  serviceAvailable,
} from '@rampart/test-utils';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMfa, type Mfa } from '../src/index.js';
import { RedisMfaStore } from '../src/redis.js';
import { type TotpSettings, timeStepAt, totpCodeAt } from '../src/totp.js';
import type { SubmitInput, SubmitOutput } from './fixtures/submit-worker.js';
import { secretOf } from './helpers/stores.js';

const WORKER = new URL('./fixtures/submit-worker.ts', import.meta.url);
const SIX: TotpSettings = { algorithm: 'sha1', digits: 6, period: 30, window: 1 };
const hasRedis = await serviceAvailable('redis');

// Starting three tsx processes takes seconds on a busy machine.
describe.skipIf(!hasRedis)('across three processes on Redis', { timeout: 120_000 }, () => {
  let redis: Redis;
  let isolated: ReturnType<typeof isolatedRedisPrefix>;
  const sealingKey = generateKey();
  const pepper = generateKey();
  let mfa: Mfa;

  beforeAll(() => {
    redis = createRedisClient();
    isolated = isolatedRedisPrefix(redis);
    mfa = createMfa({
      store: new RedisMfaStore({ redis, keyPrefix: isolated.prefix }),
      keyRing: createKeyRing({ keys: [{ id: 'k1', key: sealingKey }] }),
      hasher: createKeyedHasher({ keys: [{ id: 'p1', key: pepper }] }),
      issuer: 'Rampart Test',
    });
  });
  afterAll(async () => {
    await isolated.cleanup();
    await redis.quit();
  });

  /** Enrols a user on the real clock; its next code is of the step after the enabling one. */
  async function enrol(userId: string) {
    const setup = await mfa.setup(userId, 'ada@example.com');
    const secret = secretOf(setup.otpauthUrl);
    const step = timeStepAt(Date.now(), 30);
    const { recoveryCodes } = await mfa.enable(userId, totpCodeAt(secret, step - 1, SIX));
    return { secret, step, recoveryCodes };
  }

  function submit(userId: string, code: string): Promise<SubmitOutput[]> {
    const input = (count: number): SubmitInput => ({
      prefix: isolated.prefix,
      sealingKey,
      pepper,
      userId,
      code,
      count,
    });
    return runInWorkers<SubmitInput, SubmitOutput>(WORKER, [input(7), input(7), input(6)]);
  }

  it('accepts one of 20 submissions of one valid code spread over three processes', async () => {
    const userId = `p-${Date.now()}-a`;
    const { secret, step } = await enrol(userId);
    const outcomes = (await submit(userId, totpCodeAt(secret, step, SIX))).flat();
    expect(outcomes).toHaveLength(20);
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'ERR_MFA_CODE_REPLAYED')).toHaveLength(19);
  });

  it('engages the lock once under 20 wrong codes from three processes', async () => {
    const userId = `p-${Date.now()}-b`;
    const { secret, step } = await enrol(userId);
    const right = totpCodeAt(secret, step, SIX);
    const wrong = right === '000000' ? '111111' : '000000';
    const outcomes = (await submit(userId, wrong)).flat();
    expect(outcomes.filter((outcome) => outcome === 'ERR_MFA_CODE_INVALID')).toHaveLength(4);
    expect(outcomes.filter((outcome) => outcome === 'ERR_MFA_LOCKED')).toHaveLength(16);
    await expect(mfa.verify(userId, right)).rejects.toMatchObject({ code: 'ERR_MFA_LOCKED' });
  });

  it('consumes a recovery code once across three processes', async () => {
    const userId = `p-${Date.now()}-c`;
    const { recoveryCodes } = await enrol(userId);
    const outcomes = (await submit(userId, recoveryCodes[0] as string)).flat();
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(1);
    expect((await mfa.status(userId)).recoveryCodesRemaining).toBe(9);
  });
});
