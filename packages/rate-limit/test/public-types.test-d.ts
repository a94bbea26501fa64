/**
 * Type tests: what a user of `@rampart/rate-limit` relies on, imported as a user imports it (the
 * package name and its subpaths, resolved to the sources), pinned. A changed option, decision,
 * error code or adapter signature fails `pnpm vitest run --project rate-limit`, which runs tsc
 * over this file.
 */
import type { RampartError } from '@rampart/core';
import * as root from '@rampart/rate-limit';
import {
  createRateLimiter,
  type KeySource,
  MemoryRateLimitStore,
  type OnStoreError,
  type PolicyResult,
  type RATE_LIMIT_EXCEEDED,
  type RateLimitAlgorithm,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitKey,
  type RateLimitPolicy,
  type RateLimitRequest,
  type RateLimitStore,
} from '@rampart/rate-limit';
import {
  type ExpressRateLimitOptions,
  type RateLimitRulesOptions,
  rateLimit,
  rateLimitRules,
} from '@rampart/rate-limit/express';
import {
  type FastifyRateLimitOptions,
  fastifyRateLimit,
  type RouteRateLimitConfig,
} from '@rampart/rate-limit/fastify';
import * as storeKit from '@rampart/rate-limit/store';
import type { describeRateLimitStoreConformance } from '@rampart/rate-limit/testing';
import type { Request as ExpressRequest, RequestHandler } from 'express';
import type {
  FastifyContextConfig,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyRequest,
} from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';

const policies = { minute: { limit: 100, windowMs: 60_000 } };

describe('createRateLimiter', () => {
  it('requires the policies; everything else is optional', () => {
    expectTypeOf(createRateLimiter).parameters.toEqualTypeOf<[options: RateLimiterOptions]>();
    expectTypeOf(createRateLimiter).returns.toEqualTypeOf<RateLimiter>();
    expectTypeOf<RateLimiterOptions['policies']>().toEqualTypeOf<
      Readonly<Record<string, RateLimitPolicy>>
    >();
    expectTypeOf<RateLimiterOptions['key']>().toEqualTypeOf<
      KeySource | readonly KeySource[] | undefined
    >();
    expectTypeOf<RateLimiterOptions['store']>().toEqualTypeOf<RateLimitStore | undefined>();
    createRateLimiter({ policies });
    createRateLimiter({ policies, key: ['ip', (request) => request.principal?.id] });
    // @ts-expect-error the policies are required: a limiter without a limit limits nothing
    createRateLimiter({ key: 'ip' });
    // @ts-expect-error no positional owner: the options are one object
    createRateLimiter({ policies }, 'owner');
  });

  it('names policies with a limit and a window; the rest is optional', () => {
    expectTypeOf<RateLimitPolicy>().toEqualTypeOf<{
      algorithm?: RateLimitAlgorithm;
      limit: number;
      windowMs: number;
      burst?: number;
      blockMs?: number;
    }>();
    expectTypeOf<RateLimitAlgorithm>().toEqualTypeOf<'fixed-window' | 'sliding-window' | 'gcra'>();
    // @ts-expect-error three algorithms only
    createRateLimiter({ policies: { x: { algorithm: 'token-bucket', limit: 1, windowMs: 1000 } } });
  });

  it('keys by ip, principal or a function of the request', () => {
    expectTypeOf<KeySource>().toEqualTypeOf<
      'ip' | 'principal' | ((request: RateLimitRequest) => string | undefined)
    >();
    expectTypeOf<RateLimitRequest['body']>().toEqualTypeOf<unknown>();
    expectTypeOf<OnStoreError>().toEqualTypeOf<
      'fail-closed' | 'fail-open' | { fallback: RateLimitStore }
    >();
  });
});

describe('decisions', () => {
  it('say what was decided and why, as a closed list of outcomes', () => {
    expectTypeOf<RateLimitDecision['outcome']>().toEqualTypeOf<
      'allowed' | 'limited' | 'skipped' | 'fail-open' | 'fallback'
    >();
    expectTypeOf<RateLimitDecision['allowed']>().toEqualTypeOf<boolean>();
    expectTypeOf<RateLimitDecision['policies']>().toEqualTypeOf<readonly PolicyResult[]>();
    expectTypeOf<RateLimitDecision['tightest']>().toEqualTypeOf<PolicyResult | undefined>();
    expectTypeOf<RateLimitDecision['key']>().toEqualTypeOf<RateLimitKey | undefined>();
    const decision = {} as RateLimitDecision;
    // @ts-expect-error a decision is read, not rewritten downstream
    decision.allowed = true;
  });

  it('refuse with one code, as a literal type', () => {
    expectTypeOf<typeof RATE_LIMIT_EXCEEDED>().toEqualTypeOf<'ERR_RATE_LIMIT_EXCEEDED'>();
    expectTypeOf<RateLimiter['exceededError']>().toEqualTypeOf<
      (decision: RateLimitDecision) => RampartError
    >();
  });

  it('come from a limiter whose type carries no fast path', () => {
    expectTypeOf<keyof RateLimiter>().toEqualTypeOf<
      | 'check'
      | 'keyFor'
      | 'peek'
      | 'reset'
      | 'reward'
      | 'penalty'
      | 'writeHeaders'
      | 'exceededError'
    >();
    expectTypeOf<RateLimiter['check']>().toEqualTypeOf<
      (request: RateLimitRequest) => Promise<RateLimitDecision>
    >();
    expectTypeOf<RateLimiter['penalty']>().toEqualTypeOf<
      (key: RateLimitKey, options?: { cost?: number; blockMs?: number }) => Promise<void>
    >();
  });
});

describe('stores', () => {
  it('keep one documented contract of four promise-returning methods', () => {
    expectTypeOf<keyof RateLimitStore>().toEqualTypeOf<
      'name' | 'hit' | 'peek' | 'adjust' | 'reset'
    >();
    expectTypeOf<ReturnType<RateLimitStore['hit']>>().toEqualTypeOf<
      Promise<readonly root.PolicyOutcome[]>
    >();
    expectTypeOf<ReturnType<RateLimitStore['reset']>>().toEqualTypeOf<Promise<void>>();
    expectTypeOf(new MemoryRateLimitStore()).toExtend<RateLimitStore>();
    // @ts-expect-error the memory store's options are checked
    new MemoryRateLimitStore({ maxKeys: 10 });
  });
});

describe('the Express adapter', () => {
  it('is a middleware made from the limiter options', () => {
    expectTypeOf(rateLimit).toEqualTypeOf<(options: ExpressRateLimitOptions) => RequestHandler>();
    expectTypeOf(rateLimitRules).toEqualTypeOf<
      (options: RateLimitRulesOptions) => RequestHandler
    >();
    rateLimit({ policies, forwardErrors: true });
    rateLimitRules({ key: 'principal', rules: [{ route: '/api/v1/records', policies }] });
    // @ts-expect-error a rule names its route
    rateLimitRules({ rules: [{ method: 'GET', policies }] });
  });

  it('sets req.rateLimit, absent on routes without a limit', () => {
    expectTypeOf<ExpressRequest['rateLimit']>().toEqualTypeOf<RateLimitDecision | undefined>();
  });
});

describe('the Fastify adapter', () => {
  const app = {} as FastifyInstance;

  it('is a plugin whose policies are optional (routes may bring their own)', async () => {
    expectTypeOf(fastifyRateLimit).toEqualTypeOf<FastifyPluginAsync<FastifyRateLimitOptions>>();
    await app.register(fastifyRateLimit, {});
    await app.register(fastifyRateLimit, { policies, hook: 'preHandler' });
    // @ts-expect-error two hooks only
    await app.register(fastifyRateLimit, { policies, hook: 'onSend' });
  });

  it('reads route config by declaration merging and sets request.rateLimit', () => {
    expectTypeOf<FastifyContextConfig['rateLimit']>().toEqualTypeOf<
      RouteRateLimitConfig | undefined
    >();
    expectTypeOf<FastifyRequest['rateLimit']>().toEqualTypeOf<RateLimitDecision | null>();
    app.get('/health', { config: { rateLimit: false } }, async () => ({}));
    app.post(
      '/login',
      { config: { rateLimit: [{ key: 'ip' }, { hook: 'preHandler' }] } },
      () => {},
    );
    // @ts-expect-error `true` is no configuration: a limiter's options, a list of them, or false
    ({ rateLimit: true }) satisfies FastifyContextConfig;
    // Inline in a route, Fastify infers its ContextConfig from the literal and lets `true` pass
    // the type check; the plugin's onRoute check refuses it at start-up instead.
  });
});

describe('entry points', () => {
  it('keep the store-author helpers off the root entry point, on ./store', () => {
    // @ts-expect-error the algorithms' arithmetic is for store authors: ./store
    void root.evaluatePolicy;
    // @ts-expect-error ./store
    void root.evaluateCheck;
    // @ts-expect-error ./store
    void root.adjustState;
    // @ts-expect-error ./store
    void root.storageKey;
    // @ts-expect-error ./store
    void root.resolvePolicy;
    // @ts-expect-error the limiter's internals are on no entry point
    void root.limiterFor;
    expectTypeOf(storeKit).toHaveProperty('evaluateCheck');
    expectTypeOf(storeKit).toHaveProperty('storageKey');
    expectTypeOf(storeKit).toHaveProperty('adjustState');
  });

  it('keep the conformance suite on ./testing only', () => {
    expectTypeOf<typeof describeRateLimitStoreConformance>().toBeFunction();
    // @ts-expect-error ./testing
    void root.describeRateLimitStoreConformance;
    // @ts-expect-error ./testing
    void storeKit.describeRateLimitStoreConformance;
  });
});
