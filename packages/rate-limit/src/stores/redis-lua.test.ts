import { createRedisClient, serviceAvailable } from '@rampart/test-utils';
import { describe, expect, it } from 'vitest';
import { type RateLimitPolicy, resolvePolicies } from '../policy.js';
import { luaFor, type ScriptMode, scriptFor } from './redis-lua.js';

const hasRedis = await serviceAvailable('redis');
const MODES: readonly ScriptMode[] = ['hit', 'peek', 'adjust', 'reset'];

/** `count` policies cycling through the algorithms, every third one with a block. */
function policiesOf(count: number) {
  const algorithms = ['fixed-window', 'sliding-window', 'gcra'] as const;
  const policies: Record<string, RateLimitPolicy> = {};
  for (let i = 0; i < count; i++) {
    policies[`p${i}`] = {
      algorithm: algorithms[i % 3],
      limit: 5 + i,
      windowMs: 1000 * (i + 1),
      blockMs: i % 3 === 0 ? 30_000 : 0,
    };
  }
  return resolvePolicies(policies);
}

describe("the Redis store's Lua generator", () => {
  it('generates each script once per policy list and mode', () => {
    const policies = policiesOf(2);
    expect(scriptFor(policies, 'hit')).toBe(scriptFor(policies, 'hit'));
    expect(scriptFor(policies, 'peek')).not.toBe(scriptFor(policies, 'hit'));
    // Another list with the same policies is another script object with the same source.
    const again = policiesOf(2);
    expect(scriptFor(again, 'hit')).not.toBe(scriptFor(policies, 'hit'));
    expect(scriptFor(again, 'hit').sha1).toBe(scriptFor(policies, 'hit').sha1);
  });

  it('compiles in each policy its constants and its algorithm, by name', () => {
    const [fixed, sliding, gcra] = policiesOf(3);
    const hit = luaFor([fixed!, sliding!, gcra!], 'hit');
    expect(hit).toContain("redis.call('HMGET', KEYS[1], '_e', 'p0', 'p1', 'p2')");
    expect(hit).toContain('-- p0: fixed-window');
    expect(hit).toContain('local windowStart1, count1, _, blocked1');
    expect(hit).toContain('local windowStart2, count2, previous2, blocked2');
    expect(hit).toContain('local arrival3, _, _, blocked3');
    // Only p0 has a block; the others state that they have none.
    expect(hit).toContain('nextBlocked1 = now + 30000');
    expect(hit).toContain('-- p1 has no block');
    expect(luaFor([fixed!], 'reset')).toBe("redis.call('HDEL', KEYS[1], 'p0')\nreturn {}\n");
  });

  it.skipIf(!hasRedis)(
    'compiles on Redis for 1 to 8 policies in every mode (Lua allows 200 locals a function)',
    async () => {
      const redis = createRedisClient();
      try {
        for (let count = 1; count <= 8; count++) {
          for (const mode of MODES) {
            const source = luaFor(policiesOf(count), mode);
            await expect(
              redis.script('LOAD', source),
              `${count} policies, ${mode}`,
            ).resolves.toMatch(/^[0-9a-f]{40}$/);
          }
        }
      } finally {
        await redis.quit();
      }
    },
  );
});
