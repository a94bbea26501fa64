import { isRampartError } from '@rampart/core';
import { RedisNonceStore } from '@rampart/core/redis';
import { RedisRateLimitStore } from '@rampart/rate-limit/redis';
import { type RateLimitKey, resolvePolicy } from '@rampart/rate-limit/store';
import {
  createRedisClusterClient,
  type DedicatedRedisCluster,
  redisServerBinaryAvailable,
  startDedicatedRedisCluster,
} from '@rampart/test-utils';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

// A master of a 3-master Redis Cluster dies (SIGKILL) under load and its replica takes over
// (cluster-node-timeout 1000 ms). Its own cluster on 7100-7105, so the shared one on 7000-7005
// that other test files use is never disturbed. While the slot has no master, the stores refuse
// (StoreUnavailableError, the 503 of the app) within their deadline, nothing hangs, and once the
// replica is promoted the same client serves again without a restart; a nonce acknowledged as
// spent before the kill is still spent, and a client over its rate limit is still refused.
const hasBinary = redisServerBinaryAvailable();
const BASE_PORT = 7100;
const NODE_TIMEOUT_MS = 1000;
/** The nonce store's deadline; the rate-limit store's is 500 ms. */
const NONCE_DEADLINE_MS = 1000;
/** Far past any deadline on a loaded machine: a call settling later hangs. */
const PATIENCE_MS = 5000;
const LIMIT = 5;

/** A call's answer: true (`accepted`), false (`refused`), the store's 503 error, or a hang. */
type Outcome = 'accepted' | 'refused' | 'unavailable' | 'hung' | `other: ${string}`;

/** One call of the load: a nonce claim or a rate-limit hit, on a slot `onVictim` or not. */
interface Call {
  readonly store: 'nonce' | 'rate-limit';
  /** The nonce's scope, or the rate-limit key's identity. */
  readonly owner: string;
  readonly nonce?: string;
  readonly onVictim: boolean;
  readonly outcome: Outcome;
  readonly answeredAt: number;
}

/** Settles `work` into an outcome; `'hung'` when it takes longer than {@link PATIENCE_MS}. */
async function settle(work: Promise<boolean | undefined>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve('hung'), PATIENCE_MS);
  });
  const answered = work.then(
    (yes): Outcome => (yes === true ? 'accepted' : 'refused'),
    (error: unknown): Outcome =>
      isRampartError(error) && error.code === 'ERR_STORE_UNAVAILABLE'
        ? 'unavailable'
        : `other: ${String(error)}`,
  );
  try {
    return await Promise.race([answered, hung]);
  } finally {
    clearTimeout(timer);
  }
}

let cluster: DedicatedRedisCluster | undefined;
let client: Cluster | undefined;
beforeAll(async () => {
  if (!hasBinary) return;
  cluster = await startDedicatedRedisCluster({
    basePort: BASE_PORT,
    nodeTimeoutMs: NODE_TIMEOUT_MS,
  });
  // As an application would configure it: fail fast instead of queueing while a node is away.
  client = createRedisClusterClient({ enableOfflineQueue: false }, cluster.nodes);
  await vi.waitFor(() => expect(client?.status).toBe('ready'), { timeout: 10_000 });
});
afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

/** A rate-limit key of one fixed-window policy of `limit` requests per 10 minutes. */
function rateLimitKey(identity: string, limit: number): RateLimitKey {
  const policy = resolvePolicy('w', { algorithm: 'fixed-window', limit, windowMs: 600_000 });
  return { scope: 'POST /failover', identity, policies: [policy] };
}

describe.skipIf(!hasBinary)('a Redis Cluster master failing over mid-load', () => {
  it('refuses within the deadline on its slots, serves again after the promotion, and loses no spent nonce or count', async () => {
    const on = cluster as DedicatedRedisCluster;
    const redis = client as Cluster;
    const nonces = new RedisNonceStore({
      redis,
      keyPrefix: 'failover:nonce:',
      commandTimeoutMs: NONCE_DEADLINE_MS,
    });
    const limits = new RedisRateLimitStore({ redis, keyPrefix: 'failover:rate-limit:' });
    const hit = (key: RateLimitKey) =>
      limits.hit({ key, now: Date.now(), cost: 1 }).then((outcomes) => outcomes[0]?.allowed);

    // The scope (a signing key id) carries a hash tag, so each scope's nonces sit in one slot
    // and the test knows which of them the dying master serves; a rate-limit key is one slot.
    const victim = await on.masterPortOf('{scope-0}');
    const owners = Array.from({ length: 9 }, (_, index) => ({
      scope: `{scope-${index}}`,
      limitKey: rateLimitKey(`ip:203.0.113.${index}`, 1_000_000),
    }));
    const victimOf = async (key: string) => (await on.masterPortOf(key)) === victim;
    const nonceOnVictim = await Promise.all(owners.map(({ scope }) => victimOf(scope)));
    const limitOnVictim = await Promise.all(
      owners.map(({ limitKey }) => victimOf(limits.keyOf(limitKey))),
    );
    // Some of each store's load on the dying master, some elsewhere.
    expect(new Set(nonceOnVictim)).toEqual(new Set([true, false]));
    expect(new Set(limitOnVictim)).toEqual(new Set([true, false]));

    // A client over its limit on the dying master before the kill.
    let limited = rateLimitKey('ip:198.51.100.0', LIMIT);
    for (let i = 1; !(await victimOf(limits.keyOf(limited))); i++) {
      limited = rateLimitKey(`ip:198.51.100.${i}`, LIMIT);
    }
    const hits = [];
    for (let i = 0; i <= LIMIT; i++) hits.push(await hit(limited));
    expect(hits).toEqual([...Array(LIMIT).fill(true), false]);

    const calls: Call[] = [];
    let running = true;
    const pace = (outcome: Outcome) =>
      // A refusal must not spin: the deadline already paced it, a success needs no pause.
      outcome === 'unavailable' ? new Promise((resolve) => setTimeout(resolve, 20)) : undefined;
    const traffic = Promise.all(
      owners.flatMap(({ scope, limitKey }, index) => [
        (async () => {
          for (let n = 0; running; n++) {
            const nonce = `n-${n}`;
            const outcome = await settle(nonces.claim(scope, nonce, 300_000));
            const onVictim = nonceOnVictim[index] as boolean;
            calls.push({
              store: 'nonce',
              owner: scope,
              nonce,
              onVictim,
              outcome,
              answeredAt: Date.now(),
            });
            await pace(outcome);
          }
        })(),
        (async () => {
          while (running) {
            const outcome = await settle(hit(limitKey));
            const onVictim = limitOnVictim[index] as boolean;
            calls.push({
              store: 'rate-limit',
              owner: limitKey.identity,
              onVictim,
              outcome,
              answeredAt: Date.now(),
            });
            await pace(outcome);
          }
        })(),
      ]),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const killedAt = Date.now();
    await on.killNode(victim);
    await on.waitForFailover('{scope-0}', victim, 20_000);

    // The same client finds the new master by itself: every slot is served again.
    await vi.waitFor(
      async () => {
        for (const { scope, limitKey } of owners) {
          expect(await settle(nonces.claim(scope, `after-${Date.now()}`, 300_000))).toBe(
            'accepted',
          );
          expect(await settle(hit(limitKey))).toBe('accepted');
        }
      },
      { timeout: 15_000, interval: 200 },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    running = false;
    await traffic;

    // Every answer was a success or the store's 503 error: nothing hung, nothing else failed.
    const outcomes = new Set(calls.map((call) => call.outcome));
    expect(
      [...outcomes].filter((outcome) => !['accepted', 'unavailable'].includes(outcome)),
    ).toEqual([]);
    // Both stores refused on the dying master's slots while it had no successor.
    for (const store of ['nonce', 'rate-limit'] as const) {
      const refused = calls.filter(
        (call) =>
          call.store === store &&
          call.onVictim &&
          call.answeredAt >= killedAt &&
          call.outcome === 'unavailable',
      );
      expect(refused.length, store).toBeGreaterThan(0);
    }
    // Every nonce answered as spent stays spent, on every master: none lost by the failover.
    const spent = calls.filter((call) => call.store === 'nonce' && call.outcome === 'accepted');
    expect(
      spent.filter((call) => call.onVictim && call.answeredAt < killedAt).length,
    ).toBeGreaterThan(0);
    // Claimed again in batches, a claim that met the deadline asked again: all of them at once
    // on a loaded CI machine ran past the store's 1 s deadline (503), which says nothing of a nonce.
    const claimAgain = async (call: (typeof spent)[number]): Promise<Outcome> => {
      let outcome: Outcome = 'unavailable';
      for (let attempt = 0; attempt < 10 && outcome === 'unavailable'; attempt++)
        outcome = await settle(nonces.claim(call.owner, call.nonce as string, 300_000));
      return outcome;
    };
    const again: Array<{ call: (typeof spent)[number]; outcome: Outcome }> = [];
    for (let start = 0; start < spent.length; start += 50) {
      const batch = spent.slice(start, start + 50);
      again.push(
        ...(await Promise.all(
          batch.map(async (call) => ({ call, outcome: await claimAgain(call) })),
        )),
      );
    }
    const lost = again.filter(({ outcome }) => outcome !== 'refused');
    expect(lost.map(({ call, outcome }) => `${call.owner} ${call.nonce}: ${outcome}`)).toEqual([]);
    // The client over its limit before the kill is still refused by the promoted replica.
    expect(await hit(limited)).toBe(false);
  });
});
