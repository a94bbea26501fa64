/**
 * The variants of the API-key benchmark: verifying one valid key, with its per-key rate limit,
 * on our memory store beside better-auth's api-key plugin (`verifyApiKey` on its memory adapter)
 * and the seed's design (bcrypt cost 10 over the rows whose 8-character prefix matches); on
 * Redis beside a bare `EVALSHA` of the same script with the same arguments, and beside that
 * `EVALSHA` with only the work no verification can skip around it (the floor).
 */
import { randomBytes } from 'node:crypto';
import { apiKey } from '@better-auth/api-key';
import {
  type ApiKeyStore,
  type ApiKeys,
  createApiKeys,
  MemoryApiKeyStore,
} from '@rampart/api-keys';
import { PostgresApiKeyStore } from '@rampart/api-keys/postgres';
import { RedisApiKeyStore, type RedisApiKeyStoreClient } from '@rampart/api-keys/redis';
import { constantTimeEqual, createKeyedHasher } from '@rampart/crypto';
import bcrypt from 'bcryptjs';
import { betterAuth } from 'better-auth';
import { memoryAdapter } from 'better-auth/adapters/memory';
import type { Kysely } from 'kysely';
import type { BenchRedis } from '../backends/redis.js';
import type { Variant } from '../harness/runner.js';

export const NAMES = {
  ours: '@rampart/api-keys verify, memory store, per-key limit',
  betterAuth: 'better-auth api-key verifyApiKey, memory adapter',
  seed: 'seed: bcrypt cost 10 over prefix-matched rows',
  bareRedis: 'bare EVALSHA of the same script (Redis)',
  floorRedis: 'bare EVALSHA + parse, CRC32, keyed hash, one comparison (Redis)',
  oursRedis: '@rampart/api-keys verify, Redis store, per-key limit',
  oursPostgres: '@rampart/api-keys verify, Postgres store, per-key limit',
} as const;

const HOUR = 3_600_000;
/** Enough that no round is ever limited: the limit is counted, never reached. */
const LIMIT = { limit: 1e9, windowMs: HOUR };

function service(store: ApiKeyStore, pepper: Buffer = randomBytes(32)): ApiKeys {
  return createApiKeys({
    store,
    peppers: [{ id: 'p1', key: pepper }],
    failureThrottle: false,
  });
}

/** The seed's table: rows of (8-character prefix, bcrypt cost-10 hash), 100 keys. */
async function seedTable(): Promise<{ verify(key: string): Promise<boolean>; key: string }> {
  const rows: Array<{ prefix: string; hash: string }> = [];
  let key = '';
  for (let i = 0; i < 100; i++) {
    const candidate = `sk_${randomBytes(24).toString('hex')}`;
    // Hashing 100 keys at cost 10 would take seconds; the others only need distinct prefixes.
    const hash = i === 42 ? await bcrypt.hash(candidate, 10) : `$2a$10$${'x'.repeat(53)}`;
    rows.push({ prefix: candidate.slice(0, 8), hash });
    if (i === 42) key = candidate;
  }
  return {
    key,
    async verify(presented: string) {
      // The seed scans for the prefix, then compares every match with bcrypt.
      for (const row of rows) {
        if (row.prefix === presented.slice(0, 8) && (await bcrypt.compare(presented, row.hash))) {
          return true;
        }
      }
      return false;
    },
  };
}

export async function memoryVariants(): Promise<Variant[]> {
  const ours = service(new MemoryApiKeyStore());
  const { key } = await ours.create({
    ownerId: 'bench-user',
    name: 'bench',
    scopes: ['entities:read'],
    rateLimit: LIMIT,
  });

  const db: Record<string, unknown[]> = {};
  const auth = betterAuth({
    secret: randomBytes(32).toString('base64url'),
    baseURL: 'http://localhost:3000',
    database: memoryAdapter(db),
    // Its per-key limit on, and out of reach, as ours: counted on every verification.
    plugins: [apiKey()],
    logger: { disabled: true },
  });
  const context = await auth.$context;
  const user = await context.internalAdapter.createUser(
    { email: 'bench@example.com', name: 'bench', emailVerified: true },
    { method: 'email' },
  );
  const created = await auth.api.createApiKey({
    body: { userId: user.id, name: 'bench', rateLimitMax: 1e9, rateLimitTimeWindow: HOUR },
  });
  const seed = await seedTable();

  return [
    {
      name: NAMES.ours,
      async op() {
        return (await ours.verify(key)).valid;
      },
    },
    {
      name: NAMES.betterAuth,
      baseline: NAMES.ours,
      async op() {
        const result = await auth.api.verifyApiKey({ body: { key: created.key } });
        return result.valid === true;
      },
    },
    {
      name: NAMES.seed,
      baseline: NAMES.ours,
      async op() {
        return seed.verify(seed.key);
      },
    },
  ];
}

/** The arguments of the store's last EVALSHA, recorded by a client wrapper. */
interface RecordedCall {
  sha: string;
  numKeys: number;
  args: Array<string | number>;
}

export interface RedisSuite {
  /** The service over the counting client: for counting round trips, not for timing. */
  apiKeys: ApiKeys;
  /** Commands our client sent so far (every method call on it): round trips seen from our side. */
  commandsSent(): number;
  key: string;
  prefix: string;
  variants: Variant[];
}

export async function redisVariants({ redis }: BenchRedis): Promise<RedisSuite> {
  const prefix = `rampart:bench-api-keys:${randomBytes(6).toString('hex')}:`;
  let recorded: RecordedCall | undefined;
  let sent = 0;
  // Records the store's own EVALSHA (script, key, now, cost, hash), so the bare row runs the very
  // same script with the same arguments: what the store adds on top of one round trip is the ratio.
  const recording = new Proxy(redis, {
    get(target, property, receiver) {
      if (property === 'evalsha') {
        return (sha: string, numKeys: number, ...args: Array<string | number>) => {
          recorded = { sha, numKeys, args };
          sent++;
          return target.evalsha(sha, numKeys, ...args);
        };
      }
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        sent++;
        return value.apply(target, args);
      };
    },
  }) as unknown as RedisApiKeyStoreClient;
  const pepper = randomBytes(32);
  const apiKeys = service(new RedisApiKeyStore({ redis: recording, keyPrefix: prefix }), pepper);
  // The timed row runs over the plain client, as the bare row does: the recording proxy is the
  // bench's instrument, and its trap and closure per call are no part of a verification.
  const timed = service(new RedisApiKeyStore({ redis, keyPrefix: prefix }), pepper);
  const { key } = await apiKeys.create({
    ownerId: 'bench-user',
    name: 'bench',
    scopes: ['entities:read'],
    rateLimit: LIMIT,
  });
  await apiKeys.verify(key);
  await apiKeys.verify(key);
  const call = recorded as RecordedCall;
  const hasher = createKeyedHasher({ keys: [{ id: 'p1', key: pepper }] });
  /** The store's script as the store calls it, with `hashes` as the presented secret's. */
  async function evalshaWith(hashes: readonly unknown[]): Promise<unknown[]> {
    const [keyName, , cost] = call.args;
    return (await redis.evalsha(
      call.sha,
      call.numKeys,
      keyName as string,
      Date.now(),
      cost as number,
      ...(hashes as Array<string | number>),
    )) as unknown[];
  }
  return {
    apiKeys,
    commandsSent: () => sent,
    key,
    prefix,
    variants: [
      {
        name: NAMES.bareRedis,
        async op() {
          const [, , , ...hashes] = call.args;
          const reply = await evalshaWith(hashes);
          return reply[0] === 'valid';
        },
      },
      {
        // What the security properties cost at least: the format and its checksum before any
        // I/O, the secret's keyed hash, one constant-time comparison. The rest of our row's
        // distance from the bare one is the store, its deadline and the verification's result.
        name: NAMES.floorRedis,
        baseline: NAMES.bareRedis,
        async op() {
          if (timed.format.parse(key) === undefined) return false;
          const hashes = hasher.hashAll(key);
          const reply = await evalshaWith(hashes);
          return constantTimeEqual(hashes[0] as string, reply[1] as string) && reply[0] === 'valid';
        },
      },
      {
        name: NAMES.oursRedis,
        baseline: NAMES.bareRedis,
        async op() {
          return (await timed.verify(key)).valid;
        },
      },
    ],
  };
}

/** A service on Postgres whose Kysely counts the statements it sends. */
export async function postgresSuite(
  // biome-ignore lint/suspicious/noExplicitAny: the bench's tables are created at run time
  db: Kysely<any>,
  schema: string,
): Promise<{ apiKeys: ApiKeys; key: string; variant: Variant }> {
  const apiKeys = service(new PostgresApiKeyStore({ db, schema }));
  const { key } = await apiKeys.create({
    ownerId: 'bench-user',
    name: 'bench',
    scopes: ['entities:read'],
    rateLimit: LIMIT,
  });
  return {
    apiKeys,
    key,
    variant: {
      name: NAMES.oursPostgres,
      async op() {
        return (await apiKeys.verify(key)).valid;
      },
    },
  };
}
