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
