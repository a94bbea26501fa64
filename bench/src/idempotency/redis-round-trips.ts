import { createIdempotency, type IdempotencyStart } from '@rampart/idempotency';
import { RedisIdempotencyStore } from '@rampart/idempotency/redis';
import type { Redis } from 'ioredis';
import type { BenchRedis } from '../backends/redis.js';

/** Redis's own count of the commands a run of requests sent, from INFO commandstats. */
function parseCommandStats(info: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm))
    calls.set(match[1] as string, Number(match[2]));
  return calls;
}

export interface RoundTrips {
  /** EVALSHA + EVAL per request, as Redis counted them (every client's). */
  perRequest: number;
  /** Commands the store's own connection sent per request: the round trips, whoever else is busy. */
  sentPerRequest: number;
  /** Every command Redis counted, scripts' inner commands included (every client's). */
  commands: string;
}

/** Counts the commands `redis` sends (a bench-only wrapper on this one connection). */
function countSent(redis: Redis): { readonly sent: () => number } {
  let sent = 0;
  const sendCommand = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    sent++;
    return sendCommand(command, stream);
  };
  return { sent: () => sent };
}

async function counted(
  bench: BenchRedis,
  storeCommands: { readonly sent: () => number },
  requests: number,
  send: (i: number) => Promise<void>,
) {
  const before = parseCommandStats(await bench.redis.info('commandstats'));
  const sentBefore = storeCommands.sent();
  for (let i = 0; i < requests; i++) await send(i);
  const sent = storeCommands.sent() - sentBefore;
  const after = parseCommandStats(await bench.redis.info('commandstats'));
  const deltas: string[] = [];
  for (const [command, calls] of after) {
    const delta = calls - (before.get(command) ?? 0) - (command === 'info' ? 1 : 0);
    if (delta > 0) deltas.push(`${command} ${delta}`);
  }
  const delta = (command: string) => (after.get(command) ?? 0) - (before.get(command) ?? 0);
  return {
    perRequest: (delta('evalsha') + delta('eval')) / requests,
    sentPerRequest: sent / requests,
    commands: deltas.join(', '),
  } satisfies RoundTrips;
}

/**
 * Drives `createIdempotency` on the Redis store as an adapter does (begin, then complete with a
 * 201) for `requests` first requests, then the same requests again as replays, and counts what
 * Redis received for each. The scripts are loaded first, so NOSCRIPT retries do not count.
 */
export async function redisRoundTrips(
  bench: BenchRedis,
  keyPrefix: string,
  requests = 200,
): Promise<{ first: RoundTrips; replay: RoundTrips }> {
  // The store's own connection, so what it sends can be counted apart from any other client.
  const redis = bench.redis.duplicate();
  const storeCommands = countSent(redis);
  const idempotency = createIdempotency({
    store: new RedisIdempotencyStore({ redis, keyPrefix }),
  });
  const auth = { userId: 'bench-user', method: 'api-key', credentialId: 'bench' } as const;
  const request = (key: string) => ({
    method: 'POST',
    route: '/items/:id',
    url: '/items/42',
    headers: { 'idempotency-key': `"${key}"` },
    ip: '127.0.0.1',
    rawBody: Buffer.from('{"data":{"item":"widget","quantity":2}}'),
  });
  const firstRequest = async (key: string) => {
    const start: IdempotencyStart = await idempotency.begin(request(key), auth);
    if (start.action !== 'proceed' || start.lease === undefined)
      throw new Error('not a first request');
    await start.lease.complete({
      status: 201,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: Buffer.from('{"id":"42"}'),
    });
  };
  try {
    await firstRequest('warm-up');
    await idempotency.begin(request('warm-up'), auth);
    const first = await counted(bench, storeCommands, requests, (i) => firstRequest(`key-${i}`));
    const replay = await counted(bench, storeCommands, requests, async (i) => {
      const start = await idempotency.begin(request(`key-${i}`), auth);
      if (start.action !== 'replay') throw new Error('not a replay');
    });
    return { first, replay };
  } finally {
    redis.disconnect();
  }
}
