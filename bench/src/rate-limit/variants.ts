/**
 * In-process and Redis variants of the rate-limit benchmark: our limiter beside
 * rate-limiter-flexible and express-rate-limit, every op one check of one of 1024 clients, with
 * limits no run reaches (every op must be allowed, or it counts as a failure).
 */
import { syncTwinOf } from '@rampart/core';
import {
  createRateLimiter,
  MemoryRateLimitStore,
  type PolicyOutcome,
  type RateLimitDecision,
  type RateLimitKey,
  type RateLimitRequest,
} from '@rampart/rate-limit';
import { RedisRateLimitStore } from '@rampart/rate-limit/redis';
import { MemoryStore } from 'express-rate-limit';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { BenchRedis } from '../backends/redis.js';
import type { Variant } from '../harness/runner.js';

const CLIENTS = 1024;
const HOUR_MS = 3_600_000;
const NEVER = 1_000_000_000;

/** 1024 requests from distinct clients, built once so the ops measure the check, not the request. */
const requests: RateLimitRequest[] = Array.from({ length: CLIENTS }, (_, i) => ({
  method: 'GET',
  url: '/items/1',
  route: '/items/:id',
  headers: {},
  ip: `10.${(i >> 8) & 255}.${i & 255}.7`,
}));
const ipOf = (i: number) => (requests[i % CLIENTS] as RateLimitRequest).ip;

/** The limiter with one policy, as the peers have one. */
function ourLimiter(store = new MemoryRateLimitStore({ maxEntries: 10_000 })) {
  return createRateLimiter({
    store,
    policies: { hour: { algorithm: 'fixed-window', limit: NEVER, windowMs: HOUR_MS } },
  });
}

export const MEMORY_OURS = '@rampart/rate-limit (memory)';
export const MEMORY_FLEXIBLE = 'rate-limiter-flexible RateLimiterMemory';
export const MEMORY_ERL = 'express-rate-limit MemoryStore';
export const MEMORY_STORE = '@rampart/rate-limit MemoryRateLimitStore (store only)';

export function memoryVariants(): Variant[] {
  let store = new MemoryRateLimitStore({ maxEntries: 10_000 });
  let limiter = ourLimiter(store);
  let keys = requests.map((request) => limiter.keyFor(request) as RateLimitKey);
  // The twins, found once a round as the adapters' call sites find them (again only when the
  // method changes).
  let checkNow = twinOf(limiter, 'check');
  let hitNow = twinOf(store, 'hit');
  let flexible = new RateLimiterMemory({ points: NEVER, duration: HOUR_MS / 1000 });
  let erl = new MemoryStore();
  return [
    {
      name: MEMORY_FLEXIBLE,
      beforeRound() {
        flexible = new RateLimiterMemory({ points: NEVER, duration: HOUR_MS / 1000 });
      },
      op: async (i) => (await flexible.consume(ipOf(i))).remainingPoints >= 0,
    },
    {
      name: MEMORY_ERL,
      beforeRound() {
        erl.shutdown();
        erl = new MemoryStore();
        erl.init({ windowMs: HOUR_MS } as never);
      },
      op: async (i) => (await erl.increment(ipOf(i))).totalHits <= NEVER,
    },
    {
      name: MEMORY_OURS,
      baseline: MEMORY_FLEXIBLE,
      beforeRound() {
        store = new MemoryRateLimitStore({ maxEntries: 10_000 });
        limiter = ourLimiter(store);
        keys = requests.map((request) => limiter.keyFor(request) as RateLimitKey);
        checkNow = twinOf(limiter, 'check');
        hitNow = twinOf(store, 'hit');
      },
      // What the adapters run, check's synchronous twin: no promise of its own (the peers' APIs
      // return one).
      op: async (i) =>
        (checkNow.call(limiter, requests[i % CLIENTS] as RateLimitRequest) as RateLimitDecision)
          .allowed,
    },
    {
      // The store's own check, like MemoryStore.increment: what the limiter adds (the client's
      // key, the decision) is the row above.
      name: MEMORY_STORE,
      baseline: MEMORY_ERL,
      op: async (i) =>
        (
          hitNow.call(store, {
            key: keys[i % CLIENTS] as RateLimitKey,
            cost: 1,
            now: Date.now(),
          }) as readonly PolicyOutcome[]
        )[0]?.allowed === true,
    },
  ];
}

/** `owner[name]`'s synchronous twin (core's fast-path convention); the memory store has both. */
function twinOf<Owner extends object, Name extends keyof Owner>(owner: Owner, name: Name) {
  const twin = syncTwinOf(owner, name);
  if (twin === undefined) throw new Error(`${String(name)} has no synchronous twin`);
  return twin;
}

export const REDIS_OURS = '@rampart/rate-limit RedisRateLimitStore, 2 policies';
export const REDIS_FLEXIBLE = 'rate-limiter-flexible RateLimiterRedis, 1 policy';

/** A limiter with two policies on one route: the case the one-round-trip promise is about. */
export function twoPolicyRedisLimiter(bench: BenchRedis, keyPrefix: string) {
  return createRateLimiter({
    store: new RedisRateLimitStore({ redis: bench.redis, keyPrefix }),
    policies: {
      burst: { algorithm: 'gcra', limit: NEVER, windowMs: 1000 },
      hour: { algorithm: 'fixed-window', limit: NEVER, windowMs: HOUR_MS },
    },
  });
}

export function redisVariants(bench: BenchRedis, keyPrefix: string): Variant[] {
  const limiter = twoPolicyRedisLimiter(bench, keyPrefix);
  const flexible = new RateLimiterRedis({
    storeClient: bench.redis,
    keyPrefix: `${keyPrefix}flexible`,
    points: NEVER,
    duration: HOUR_MS / 1000,
  });
  return [
    {
      name: REDIS_FLEXIBLE,
      op: async (i) => (await flexible.consume(ipOf(i))).remainingPoints >= 0,
    },
    {
      name: REDIS_OURS,
      baseline: REDIS_FLEXIBLE,
      op: async (i) => (await limiter.check(requests[i % CLIENTS] as RateLimitRequest)).allowed,
    },
  ];
}

/**
 * Round trips per check, counted by Redis: every command's `calls` in `INFO commandstats`
 * before and after `checks` sequential checks, minus the one INFO call in between.
 */
export async function redisCommandsPerCheck(
  bench: BenchRedis,
  keyPrefix: string,
  checks = 200,
): Promise<{ perCheck: number; commands: string }> {
  const limiter = twoPolicyRedisLimiter(bench, keyPrefix);
  await limiter.check(requests[0] as RateLimitRequest); // loads the script (NOSCRIPT → EVAL) once
  const before = parseCommandStats(await bench.redis.info('commandstats'));
  for (let i = 0; i < checks; i++) await limiter.check(requests[i % CLIENTS] as RateLimitRequest);
  const after = parseCommandStats(await bench.redis.info('commandstats'));
  const deltas: string[] = [];
  for (const [command, calls] of after) {
    const delta = calls - (before.get(command) ?? 0) - (command === 'info' ? 1 : 0);
    if (delta > 0) {
      deltas.push(`${command} ${delta}`);
    }
  }
  // Commands a script runs are counted too; the round trips are the EVALSHA/EVAL calls.
  const roundTrips =
    (after.get('evalsha') ?? 0) -
    (before.get('evalsha') ?? 0) +
    (after.get('eval') ?? 0) -
    (before.get('eval') ?? 0);
  return { perCheck: roundTrips / checks, commands: deltas.join(', ') };
}

function parseCommandStats(info: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm))
    calls.set(match[1] as string, Number(match[2]));
  return calls;
}
