import {
  createFakeClock,
  defineSyncTwin,
  RampartConfigError,
  type SecurityEvent,
  syncTwinOf,
} from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './limiter.js';
import type { RateLimitRequest } from './request.js';
import type { RateLimitCheck } from './store.js';
import { MemoryRateLimitStore } from './stores/memory.js';

const T0 = Date.UTC(2026, 0, 1);
const one = { one: { algorithm: 'fixed-window' as const, limit: 1, windowMs: 60_000 } };

function req(overrides: Partial<RateLimitRequest> = {}): RateLimitRequest {
  return {
    method: 'POST',
    url: '/login?x=1',
    route: '/login',
    headers: {},
    ip: '203.0.113.9',
    ...overrides,
  };
}

describe('createRateLimiter', () => {
  it('keys on the matched route and method, never the raw path', async () => {
    const limiter = createRateLimiter({ clock: createFakeClock(T0), policies: one });
    expect((await limiter.check(req({ url: '/login' }))).allowed).toBe(true);
    expect((await limiter.check(req({ url: '/LOGIN/', route: '/login' }))).allowed).toBe(false);
    expect((await limiter.check(req({ url: '/a/../login', route: '/login' }))).allowed).toBe(false);
    expect((await limiter.check(req({ method: 'GET' }))).allowed).toBe(true);
    expect((await limiter.check(req({ route: '/other' }))).allowed).toBe(true);
  });

  it('a fixed scope shares one bucket across routes', async () => {
    const limiter = createRateLimiter({ clock: createFakeClock(T0), scope: 'auth', policies: one });
    expect((await limiter.check(req({ route: '/a' }))).allowed).toBe(true);
    expect((await limiter.check(req({ route: '/b', method: 'GET' }))).allowed).toBe(false);
  });

  it('combines IP and a custom part (login: IP + email)', async () => {
    const limiter = createRateLimiter({
      clock: createFakeClock(T0),
      policies: one,
      key: [
        'ip',
        (r) => String((r.body as { email?: string } | undefined)?.email ?? '').toLowerCase(),
      ],
    });
    expect((await limiter.check(req({ body: { email: 'A@x.io' } }))).allowed).toBe(true);
    expect((await limiter.check(req({ body: { email: 'a@x.io' } }))).allowed).toBe(false);
    expect((await limiter.check(req({ body: { email: 'b@x.io' } }))).allowed).toBe(true);
    expect(
      (await limiter.check(req({ ip: '203.0.113.10', body: { email: 'a@x.io' } }))).allowed,
    ).toBe(true);
  });

  it('keys by principal, and limits anonymous callers by IP', async () => {
    const limiter = createRateLimiter({
      clock: createFakeClock(T0),
      policies: one,
      key: 'principal',
    });
    expect((await limiter.check(req({ principal: { id: '42', kind: 'user' } }))).allowed).toBe(
      true,
    );
    expect(
      (await limiter.check(req({ ip: '198.51.100.1', principal: { id: '42', kind: 'user' } })))
        .allowed,
    ).toBe(false);
    expect((await limiter.check(req({ principal: { id: '42', kind: 'api-key' } }))).allowed).toBe(
      true,
    );
    expect((await limiter.check(req())).allowed).toBe(true);
    expect((await limiter.check(req())).allowed).toBe(false);
  });

  it('applies overrides: exact beats wildcard beats default; unlimited and allow list skip', async () => {
    const limiter = createRateLimiter({
      clock: createFakeClock(T0),
      key: 'principal',
      policies: { minute: { algorithm: 'fixed-window', limit: 2, windowMs: 60_000 } },
      overrides: {
        'user:vip': { minute: { limit: 5 } },
        'user:*': { minute: { limit: 3 } },
        'api-key:internal': 'unlimited',
      },
      allowList: ['10.0.0.5'],
    });
    const count = async (r: RateLimitRequest) => {
      let n = 0;
      while (n < 10 && (await limiter.check(r)).allowed) n++;
      return n;
    };
    expect(await count(req({ principal: { id: 'vip', kind: 'user' } }))).toBe(5);
    expect(await count(req({ principal: { id: 'bob', kind: 'user' } }))).toBe(3);
    expect(await count(req({ principal: { id: 'k', kind: 'api-key' } }))).toBe(2);
    expect(await count(req({ principal: { id: 'internal', kind: 'api-key' } }))).toBe(10);
    expect(await count(req({ ip: '10.0.0.5' }))).toBe(10);
    const skipped = await limiter.check(req({ ip: '10.0.0.5' }));
    expect(skipped.outcome).toBe('skipped');
    expect(skipped.policies).toHaveLength(0);
    const vip = await limiter.check(req({ principal: { id: 'vip', kind: 'user' } }));
    expect(vip.policyField).toBe('"minute";q=5;w=60');
  });

  it('skip() bypasses the limiter', async () => {
    const limiter = createRateLimiter({
      clock: createFakeClock(T0),
      policies: one,
      skip: (r) => r.route === '/health',
    });
    for (let i = 0; i < 3; i++)
      expect((await limiter.check(req({ route: '/health' }))).outcome).toBe('skipped');
  });

  it('emits RATE_LIMIT_EXCEEDED on each refusal with the policy and route, never the identity', async () => {
    const events: SecurityEvent[] = [];
    const limiter = createRateLimiter({
      clock: createFakeClock(T0),
      policies: one,
      key: ['ip', () => 'secret@x.io'],
      onEvent: (e) => events.push(e),
    });
    await limiter.check(req());
    await limiter.check(req());
    await limiter.check(req());
    expect(events.map((e) => e.type)).toEqual(['RATE_LIMIT_EXCEEDED', 'RATE_LIMIT_EXCEEDED']);
    expect(events[0]).toMatchObject({
      code: 'ERR_RATE_LIMIT_EXCEEDED',
      route: '/login',
      method: 'POST',
      ip: '203.0.113.9',
      detail: { policy: 'one' },
    });
    expect(JSON.stringify(events)).not.toContain('secret@x.io');
  });

  it('429 problem names the policy that tripped', async () => {
    const clock = createFakeClock(T0);
    const limiter = createRateLimiter({
      clock,
      policies: {
        burst: { algorithm: 'gcra', limit: 10, windowMs: 1000 },
        daily: { algorithm: 'fixed-window', limit: 2, windowMs: 86_400_000 },
      },
    });
    await limiter.check(req());
    await limiter.check(req());
    const refused = await limiter.check(req());
    expect(refused).toMatchObject({ allowed: false, outcome: 'limited', policy: 'daily' });
    const problem = limiter.exceededError(refused).toProblem('/login');
    expect(problem).toMatchObject({
      status: 429,
      code: 'ERR_RATE_LIMIT_EXCEEDED',
      policy: 'daily',
      retryAfter: 86_400,
    });
  });

  it('peek, reward, penalty (with a block) and reset act on a decision key', async () => {
    const clock = createFakeClock(T0);
    const limiter = createRateLimiter({
      clock,
      policies: { w: { algorithm: 'fixed-window', limit: 3, windowMs: 60_000 } },
    });
    const first = await limiter.check(req());
    const key = first.key!;
    expect((await limiter.peek(key)).policies[0]?.remaining).toBe(1);
    await limiter.penalty(key, { cost: 2 });
    expect((await limiter.check(req())).allowed).toBe(false);
    await limiter.reward(key);
    expect((await limiter.check(req())).allowed).toBe(true);
    await limiter.reset(key);
    await limiter.penalty(key, { cost: 0, blockMs: 30_000 });
    expect(await limiter.check(req())).toMatchObject({ allowed: false, retryAfterMs: 30_000 });
    clock.advance(30_000);
    expect((await limiter.check(req())).allowed).toBe(true);
  });

  it('resets a client to a fresh quota, and counts a new window afresh after a sweep', async () => {
    const clock = createFakeClock(T0);
    const store = new MemoryRateLimitStore({ clock, sweepIntervalMs: 0 });
    const limiter = createRateLimiter({
      clock,
      store,
      policies: { w: { algorithm: 'fixed-window', limit: 2, windowMs: 60_000 } },
      allowList: ['198.51.100.1'],
    });
    const key = (await limiter.check(req())).key!;
    expect(limiter.keyFor(req())).toEqual(key);
    expect(limiter.keyFor(req({ method: 'GET' }))?.scope).toBe('GET /login');
    expect((await limiter.check(req())).policies[0]?.remaining).toBe(0);
    expect((await limiter.check(req())).allowed).toBe(false);
    await limiter.reset(key);
    expect(store.size).toBe(0);
    expect((await limiter.check(req())).policies[0]?.remaining).toBe(1);
    expect(store.size).toBe(1);
    // Expired and swept: the next window starts from zero, in one entry the store holds.
    clock.advance(120_000);
    expect(store.sweep(clock.now())).toBe(1);
    expect((await limiter.check(req())).policies[0]?.remaining).toBe(1);
    expect(store.size).toBe(1);
    expect(limiter.keyFor(req({ ip: '198.51.100.1' }))).toBeUndefined();
    expect((await limiter.check(req({ ip: '198.51.100.1' }))).outcome).toBe('skipped');
  });

  it("decides without a promise on the memory store, through check's synchronous twin", async () => {
    const limiter = createRateLimiter({ clock: createFakeClock(T0), policies: one });
    const checkNow = syncTwinOf(limiter, 'check');
    expect(checkNow).toBeDefined();
    expect(checkNow?.call(limiter, req())).toMatchObject({ allowed: true, policy: 'one' });
    expect(checkNow?.call(limiter, req())).toMatchObject({ allowed: false, policy: 'one' });
    // The same counter through the promise.
    expect(await limiter.check(req())).toMatchObject({ allowed: false });
  });

  it('gives a store whose twin answers later a check of its own, never refilled by the next', async () => {
    /** A memory store whose twin waits a turn before it counts, reading the check only then. */
    class LateTwinStore extends MemoryRateLimitStore {
      readonly seen: string[] = [];
      override hit(check: RateLimitCheck) {
        return super.hit(check);
      }
      static {
        defineSyncTwin(LateTwinStore.prototype, 'hit', function hitLater(check) {
          return Promise.resolve().then(() => {
            this.seen.push(check.key.identity);
            return MemoryRateLimitStore.prototype.hit.call(this, check);
          });
        });
      }
    }
    const store = new LateTwinStore();
    const limiter = createRateLimiter({ clock: createFakeClock(T0), store, policies: one });
    const decisions = await Promise.all([
      limiter.check(req({ ip: '203.0.113.1' })),
      limiter.check(req({ ip: '203.0.113.2' })),
      limiter.check(req({ ip: '203.0.113.3' })),
    ]);
    expect(store.seen).toEqual(['203.0.113.1', '203.0.113.2', '203.0.113.3']);
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true]);
  });

  it('charges a cost function', async () => {
    const limiter = createRateLimiter({
      clock: createFakeClock(T0),
      cost: (r) => (r.route === '/bulk' ? 5 : 1),
      policies: { w: { algorithm: 'fixed-window', limit: 6, windowMs: 60_000 } },
    });
    expect((await limiter.check(req({ route: '/bulk' }))).policies[0]?.remaining).toBe(1);
  });

  it.each([
    [{ policies: {} }, 'createRateLimiter.policies'],
    [
      { policies: { 'Bad Name': { limit: 1, windowMs: 1000 } } },
      'createRateLimiter.policies.Bad Name',
    ],
    [{ policies: { a: { limit: 0, windowMs: 1000 } } }, 'createRateLimiter.policies.a.limit'],
    [{ policies: { a: { limit: 1, windowMs: 1500 } } }, 'createRateLimiter.policies.a.windowMs'],
    [
      { policies: { a: { limit: 1, windowMs: 1000, algorithm: 'leaky' } } },
      'createRateLimiter.policies.a.algorithm',
    ],
    [
      { policies: { a: { limit: 1, windowMs: 1000, burst: 2 } } },
      'createRateLimiter.policies.a.burst',
    ],
    [{ policies: one, onStoreError: 'ignore' }, 'createRateLimiter.onStoreError'],
    [
      { policies: one, overrides: { 'user:1': { nope: { limit: 1 } } } },
      'createRateLimiter.overrides.user:1.nope',
    ],
    [{ policies: one, key: 'email' }, 'createRateLimiter.key'],
    [{ policies: one, key: ['ip', 'email'] }, 'createRateLimiter.key.1'],
    [
      { policies: one, overrides: { 'user:1': { one: { algorithm: 'gcra' } } } },
      'createRateLimiter.overrides.user:1.one.algorithm',
    ],
    [
      { policies: one, overrides: { 'user:1': { one: { burst: 3 } } } },
      'createRateLimiter.overrides.user:1.one.burst',
    ],
    [{ policies: one, allowList: ['10.*.0.1'] }, 'createRateLimiter.allowList.0'],
    [{ policies: one, store: {} }, 'createRateLimiter.store'],
    [{ policies: one, scope: '' }, 'createRateLimiter.scope'],
    [{ policies: one, cost: 0 }, 'createRateLimiter.cost'],
    // An option that does not exist is named in the message.
    [{ policies: one, headers: { draft: true } }, 'createRateLimiter.headers.draft', /draft/],
    [{ policies: one, typo: 1 }, 'createRateLimiter.typo', /typo/],
  ])(
    'refuses misconfiguration at construction, naming the option (%#)',
    (options, option, message = /./) => {
      let error: unknown;
      try {
        createRateLimiter(options as never);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(RampartConfigError);
      expect((error as RampartConfigError).option).toBe(option);
      expect((error as RampartConfigError).message).toMatch(message);
    },
  );

  it.each([
    [{}, 'ERR_CONFIG_MISSING_OPTION', 'createRateLimiter.policies'],
    [{ policies: 5 }, 'ERR_CONFIG_INVALID_TYPE', 'createRateLimiter.policies'],
    [{ policies: one, typo: 1 }, 'ERR_CONFIG_UNKNOWN_OPTION', 'createRateLimiter.typo'],
    [{ policies: one, cost: 0 }, 'ERR_CONFIG_INVALID_VALUE', 'createRateLimiter.cost'],
  ])('gives each kind of misconfiguration its code (%#)', (options, code, option) => {
    expect(() => createRateLimiter(options as never)).toThrow(
      expect.objectContaining({ code, option }),
    );
  });
});
