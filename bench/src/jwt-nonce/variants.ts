import { createHmac, createSecretKey, randomBytes, webcrypto } from 'node:crypto';
import { createJwtNonce, type JwtNonce, MemoryJwtNonceStore } from '@rampart/jwt-nonce';
import { RedisJwtNonceStore } from '@rampart/jwt-nonce/redis';
import { type CryptoKey, jwtVerify } from 'jose';
import type { BenchRedis } from '../backends/redis.js';
import type { Variant } from '../harness/runner.js';

/**
 * The variants of the JWT verification benchmark: one HS256 access token, verified again and
 * again (a verification reads state, it does not consume it), by Rampart (node:crypto + the jti
 * check on a store) and by jose's `jwtVerify` with its key held three ways.
 */

export const ISSUER = 'https://bench.rampart.test';
export const AUDIENCE = 'bench-api';
const secret = randomBytes(32);
const key = { kid: 'bench-1', alg: 'HS256' as const, secret };

/** The names the report compares. */
export const NAMES = {
  hmac: 'node:crypto HMAC-SHA256 only (bare)',
  joseCryptoKey: 'jose jwtVerify, CryptoKey imported once',
  joseBytes: 'jose jwtVerify, Uint8Array secret',
  joseKeyObject: 'jose jwtVerify, KeyObject secret',
  rampartMemory: 'Rampart verifyAccessToken + jti check, memory store',
  rampartRedis: 'Rampart verifyAccessToken + jti check, Redis store',
  bareRedis: 'bare EVALSHA of a 3-key read script',
} as const;

export interface MemorySuite {
  variants: Variant[];
  token: string;
}

export async function memoryVariants(): Promise<MemorySuite> {
  const tokens = createJwtNonce({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: [key],
    store: new MemoryJwtNonceStore({ sweepIntervalMs: 0 }),
  });
  const { accessToken } = await tokens.issue('bench-user');
  const cryptoKey = (await webcrypto.subtle.importKey(
    'raw',
    secret,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  )) as CryptoKey;
  const bytes = Uint8Array.from(secret);
  const keyObject = createSecretKey(secret);
  const options = { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], typ: 'at+jwt' };
  const signingInput = accessToken.slice(0, accessToken.lastIndexOf('.'));
  const signature = accessToken.slice(accessToken.lastIndexOf('.') + 1);
  const joseOk = async (key: Parameters<typeof jwtVerify>[1]) =>
    (await jwtVerify(accessToken, key as CryptoKey, options)).payload.sub === 'bench-user';
  return {
    token: accessToken,
    variants: [
      {
        name: NAMES.hmac,
        // The floor: the HMAC alone, no parsing, no claims, no store.
        async op() {
          return (
            createHmac('sha256', secret).update(signingInput).digest('base64url') === signature
          );
        },
      },
      { name: NAMES.joseCryptoKey, baseline: NAMES.hmac, op: () => joseOk(cryptoKey) },
      { name: NAMES.joseBytes, baseline: NAMES.hmac, op: () => joseOk(bytes) },
      { name: NAMES.joseKeyObject, baseline: NAMES.hmac, op: () => joseOk(keyObject) },
      {
        name: NAMES.rampartMemory,
        baseline: NAMES.hmac,
        async op() {
          return (await tokens.verifyAccessToken(accessToken)).sub === 'bench-user';
        },
      },
    ],
  };
}

/** The Redis suite, and what it needs to count commands afterwards. */
export interface RedisSuite {
  variants: Variant[];
  tokens: JwtNonce;
  token: string;
  prefix: string;
}

export async function redisVariants({ redis }: BenchRedis): Promise<RedisSuite> {
  const prefix = `rampart:bench-jwt:${randomBytes(6).toString('hex')}:`;
  const tokens = createJwtNonce({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: [key],
    store: new RedisJwtNonceStore({ redis, keyPrefix: prefix }),
  });
  const { accessToken } = await tokens.issue('bench-user');
  // The same three reads as the store's lookup, from a script of the same size: what the store
  // adds on top of one round trip is the ratio.
  const script = `local t = redis.call('GET', KEYS[1]) local f = redis.call('EXISTS', KEYS[2]) local u = redis.call('GET', KEYS[3]) return {t, f, u}`;
  const sha = (await redis.script('LOAD', script)) as string;
  const keys = [`${prefix}bare:t`, `${prefix}bare:f`, `${prefix}bare:u`];
  await redis.set(keys[0] as string, 'a1', 'PX', 600_000);
  return {
    tokens,
    token: accessToken,
    prefix,
    variants: [
      {
        name: NAMES.bareRedis,
        async op() {
          const reply = (await redis.evalsha(sha, 3, ...keys)) as unknown[];
          return reply[0] === 'a1';
        },
      },
      {
        name: NAMES.rampartRedis,
        baseline: NAMES.bareRedis,
        async op() {
          return (await tokens.verifyAccessToken(accessToken)).sub === 'bench-user';
        },
      },
    ],
  };
}
