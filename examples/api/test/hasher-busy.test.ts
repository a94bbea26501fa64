import { BusyError } from '@rampart/core';
import {
  createPasswordHasher,
  createPasswordPolicy,
  type PasswordHasher,
} from '@rampart/passwords';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthService } from '../src/auth/auth-service.js';
import { FRAMEWORKS, parseConfig } from '../src/config.js';
import { type AppContext, createAppContext } from '../src/context.js';
import { type RunningServer, startServer } from '../src/server.js';
import { createAppHasher } from '../src/services.js';
import { type AppStores, openStores } from '../src/stores/app-stores.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';

/**
 * A hasher at capacity: every hash and verify is refused with the error @rampart/passwords
 * throws past `maxQueued` (its own tests show when; the bench shows it under a real flood).
 */
function saturatedHasher(): PasswordHasher {
  const real = createPasswordHasher({ memoryCost: 7168, timeCost: 1 });
  return Object.freeze({
    options: real.options,
    needsRehash: (stored: string) => real.needsRehash(stored),
    hash: () => Promise.reject(new BusyError('password-hasher')),
    verify: () => Promise.reject(new BusyError('password-hasher')),
  });
}

/** The app of `main.ts`, in this process, with the auth routes on `hasher`. */
function withHasher(ctx: AppContext, hasher: PasswordHasher): AppContext {
  const { users } = ctx.stores;
  const { tokens } = ctx.services;
  const auth = createAuthService({ users, tokens, hasher, policy: createPasswordPolicy() });
  return { ...ctx, services: Object.freeze({ ...ctx.services, hasher, auth }) };
}

describe.each(FRAMEWORKS)('503 ERR_BUSY from the hasher on %s', (framework) => {
  let stores: AppStores;
  let server: RunningServer;
  let api: ApiClient;

  beforeAll(async () => {
    const secrets = testSecrets();
    const config = parseConfig(['--port', '0', '--framework', framework], secrets);
    stores = await openStores(config);
    server = await startServer(withHasher(createAppContext(config, stores), saturatedHasher()));
    api = new ApiClient(server.url, secrets);
  });
  afterAll(async () => {
    await server?.close();
    await stores?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([
    ['login', '/api/v1/auth/login'],
    ['register', '/api/v1/auth/register'],
  ])('%s answers a problem+json 503 with Retry-After, not a 500 or a wait', async (_name, path) => {
    // Load shedding is no fault: neither framework's error handler logs it (a line per refusal).
    const logged = vi.spyOn(console, 'error');
    const response = await api.post(path, newAccount('busy'));
    expect(logged).not.toHaveBeenCalled();
    expectProblem(response, 503, 'ERR_BUSY');
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.body).toMatchObject({ retryAfter: 1, title: 'Service unavailable' });
    expect(JSON.stringify(response.body)).not.toContain('password-hasher');
  });
});

/**
 * Keeps the one slot of a `concurrency: 1, maxQueued: 0` hasher taken with real argon2 hashes:
 * each next hash starts in the callback of the last one, before any request can be read, so every
 * login in between is refused. No timer decides it.
 */
function holdTheSlot(hasher: PasswordHasher): { release(): Promise<void> } {
  let holding = true;
  const next = (): Promise<void> =>
    hasher.hash('holding the only slot').then(() => (holding ? next() : undefined));
  const chain = next();
  return {
    release() {
      holding = false;
      return chain;
    },
  };
}

describe.each(FRAMEWORKS)('a refusal at capacity in the audit trail on %s', (framework) => {
  let stores: AppStores;
  let server: RunningServer;
  let api: ApiClient;
  let ctx: AppContext;
  let hasher: PasswordHasher;

  beforeAll(async () => {
    const secrets = testSecrets();
    const config = parseConfig(['--port', '0', '--framework', framework], secrets);
    stores = await openStores(config);
    ctx = createAppContext(config, stores);
    // The app's hasher, as services.ts builds it, with one slot and no queue.
    hasher = createAppHasher(ctx.services.audit.onEvent, {
      memoryCost: 7168,
      timeCost: 1,
      concurrency: 1,
      maxQueued: 0,
    });
    // The dummy hash made at construction is done once an unknown user's verify has run.
    expect(await hasher.verify(undefined, 'warming up the dummy hash')).toBe(false);
    server = await startServer(withHasher(ctx, hasher));
    api = new ApiClient(server.url, secrets);
  });
  afterAll(async () => {
    await server?.close();
    await stores?.close();
  });

  it('records one CAPACITY_EXCEEDED warning per 503, naming neither the email nor the password', async () => {
    const account = newAccount('flood');
    const busy = holdTheSlot(hasher);
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const response = await api.post('/api/v1/auth/login', account);
        expectProblem(response, 503, 'ERR_BUSY');
        statuses.push(response.status);
      }
    } finally {
      await busy.release();
    }
    await ctx.services.audit.trail.flush();
    const { items } = await ctx.services.audit.trail.query({ type: 'CAPACITY_EXCEEDED' });
    expect(items).toHaveLength(statuses.length);
    for (const item of items) {
      expect(item).toMatchObject({
        severity: 'warning',
        outcome: 'failure',
        source: '@rampart/passwords',
        code: 'ERR_BUSY',
        details: { resource: 'password-hasher', operation: 'verify', concurrency: 1, maxQueued: 0 },
      });
    }
    const text = JSON.stringify(items);
    expect(text).not.toContain(account.email);
    expect(text).not.toContain(account.password);
  });
});
