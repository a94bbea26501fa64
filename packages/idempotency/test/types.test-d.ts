import type { RequestHandler } from 'express';
import type { FastifyContextConfig } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { idempotent } from '../src/express.js';
import type { fastifyIdempotency } from '../src/fastify.js';
import {
  createIdempotency,
  type Idempotency,
  type IdempotencyClaimResult,
  type IdempotencyStart,
  type IdempotencyStore,
  type MemoryIdempotencyStore,
  type ResponseSealer,
} from '../src/index.js';
import type { PostgresIdempotencyStore } from '../src/postgres.js';
import type { RedisIdempotencyStore } from '../src/redis.js';

describe('public types', () => {
  it('creates an Idempotency whose begin resolves a start', () => {
    expectTypeOf(createIdempotency).returns.toEqualTypeOf<Idempotency>();
    expectTypeOf<ReturnType<Idempotency['begin']>>().toEqualTypeOf<Promise<IdempotencyStart>>();
    expectTypeOf<Idempotency['purgeUser']>().returns.toEqualTypeOf<Promise<void>>();
  });

  it('ships three stores of one contract', () => {
    expectTypeOf<MemoryIdempotencyStore>().toExtend<IdempotencyStore>();
    expectTypeOf<RedisIdempotencyStore>().toExtend<IdempotencyStore>();
    expectTypeOf<PostgresIdempotencyStore>().toExtend<IdempotencyStore>();
    expectTypeOf<IdempotencyClaimResult['outcome']>().toEqualTypeOf<
      'acquired' | 'in-flight' | 'mismatch' | 'completed'
    >();
  });

  it('takes a KeyRing-shaped sealer', () => {
    expectTypeOf<{
      seal(plaintext: Uint8Array | string, options: { aad: Uint8Array | string }): string;
      open(sealed: string, options: { aad: Uint8Array | string }): Uint8Array;
    }>().toExtend<ResponseSealer>();
  });

  it('gives an Express middleware and a Fastify route config', () => {
    expectTypeOf(idempotent).returns.toEqualTypeOf<RequestHandler>();
    expectTypeOf<FastifyContextConfig['idempotency']>().toEqualTypeOf<
      boolean | { required?: boolean } | undefined
    >();
    expectTypeOf<typeof fastifyIdempotency>().not.toBeAny();
  });
});
