import { describe, expect, it, vi } from 'vitest';
import { type AuthContext, createAuthContext } from '../src/auth/auth-context.js';
import { authRequiredError } from '../src/auth/auth-required.js';
import { authenticate, compileAuthentication } from '../src/auth/authenticate.js';
import type { Authenticator } from '../src/auth/authenticator.js';
import { StoreUnavailableError } from '../src/errors/common-errors.js';
import { RampartConfigError } from '../src/errors/configuration-error.js';
import { RampartError } from '../src/errors/rampart-error.js';
import type { SecurityRequest } from '../src/request.js';

function requestWith(headers: Record<string, string>): SecurityRequest {
  return { method: 'GET', url: '/x', headers, ip: '127.0.0.1' };
}

function badCredential(code: string): RampartError {
  return new RampartError({ status: 401, code, title: 'Unauthorized', detail: 'Bad credential.' });
}

/** A header authenticator: `<header>: ok-<user>` is valid, anything else present is refused. */
function headerAuthenticator(
  header: string,
  method: AuthContext['method'],
  challenge?: string,
): Authenticator & { authenticate: ReturnType<typeof vi.fn> } {
  const authenticate = vi.fn((request: SecurityRequest): Promise<AuthContext> | undefined => {
    const value = request.headers[header];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.startsWith('ok-')) {
      const userId = value.slice(3);
      return Promise.resolve(createAuthContext({ userId, method, credentialId: `${header}:1` }));
    }
    return Promise.reject(badCredential(`ERR_${header.toUpperCase().replaceAll('-', '_')}`));
  });
  return { name: header, ...(challenge ? { challenge } : {}), authenticate };
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'passed',
    (error: unknown) => error,
  );
}

describe('authenticate: composition', () => {
  it('lets the first credential present decide, and never asks the authenticators after it', async () => {
    const bearer = headerAuthenticator('authorization', 'jwt', 'Bearer');
    const apiKey = headerAuthenticator('x-test-key', 'api-key', 'TestKey');
    const identify = authenticate([bearer, apiKey]);
    const auth = await identify(requestWith({ authorization: 'ok-alice', 'x-test-key': 'ok-bob' }));
    expect(auth).toEqual({ userId: 'alice', method: 'jwt', credentialId: 'authorization:1' });
    expect(apiKey.authenticate).not.toHaveBeenCalled();
  });

  it('refuses a bad first credential at once, even beside a valid second one (no fall-through)', async () => {
    const bearer = headerAuthenticator('authorization', 'jwt', 'Bearer');
    const apiKey = headerAuthenticator('x-test-key', 'api-key', 'TestKey');
    for (const mode of ['required', 'optional'] as const) {
      const identify = authenticate([bearer, apiKey], { mode });
      const error = await refusal(
        identify(requestWith({ authorization: 'forged', 'x-test-key': 'ok-bob' })),
      );
      expect(error).toMatchObject({ status: 401, code: 'ERR_AUTHORIZATION' });
    }
    expect(apiKey.authenticate).not.toHaveBeenCalled();
  });

  it('passes an absent credential on to the next authenticator', async () => {
    const bearer = headerAuthenticator('authorization', 'jwt', 'Bearer');
    const apiKey = headerAuthenticator('x-test-key', 'api-key', 'TestKey');
    const auth = await authenticate([bearer, apiKey])(requestWith({ 'x-test-key': 'ok-bob' }));
    expect(auth).toMatchObject({ userId: 'bob', method: 'api-key' });
  });

  it('without any credential: optional resolves undefined, required is 401 ERR_AUTH_REQUIRED with every challenge', async () => {
    const bearer = headerAuthenticator('authorization', 'jwt', 'Bearer');
    const cookie = headerAuthenticator('cookie', 'session');
    const apiKey = headerAuthenticator('x-test-key', 'api-key', 'TestKey realm="api"');
    const none = requestWith({ accept: 'application/json' });
    await expect(authenticate([bearer, cookie, apiKey], { mode: 'optional' })(none)).resolves.toBe(
      undefined,
    );
    const error = await refusal(authenticate([bearer, cookie, apiKey])(none));
    expect(error).toBeInstanceOf(RampartError);
    expect(error).toMatchObject({
      status: 401,
      code: 'ERR_AUTH_REQUIRED',
      headers: { 'WWW-Authenticate': 'Bearer, TestKey realm="api"' },
    });
  });

  it('sends no WWW-Authenticate when no authenticator has an HTTP scheme', async () => {
    const cookie = headerAuthenticator('cookie', 'session');
    const error = await refusal(authenticate([cookie])(requestWith({})));
    expect(error).toMatchObject({ code: 'ERR_AUTH_REQUIRED', headers: {} });
  });

  it("answers a lone authenticator's own missing-credential error, but not when it is one of several", async () => {
    const bearer = {
      ...headerAuthenticator('authorization', 'jwt', 'Bearer'),
      missingCredentialError: () => badCredential('ERR_TOKEN_MISSING'),
    };
    const apiKey = headerAuthenticator('x-test-key', 'api-key', 'TestKey');
    await expect(authenticate([bearer])(requestWith({}))).rejects.toMatchObject({
      code: 'ERR_TOKEN_MISSING',
    });
    await expect(authenticate([bearer, apiKey])(requestWith({}))).rejects.toMatchObject({
      code: 'ERR_AUTH_REQUIRED',
    });
  });

  it('passes a store outage on as it is (503), without trying the next authenticator', async () => {
    const down: Authenticator = {
      name: 'down',
      authenticate: () => Promise.reject(new StoreUnavailableError('test-store')),
    };
    const apiKey = headerAuthenticator('x-test-key', 'api-key');
    const error = await refusal(
      authenticate([down, apiKey])(requestWith({ 'x-test-key': 'ok-b' })),
    );
    expect(error).toMatchObject({ status: 503, code: 'ERR_STORE_UNAVAILABLE' });
    expect(apiKey.authenticate).not.toHaveBeenCalled();
  });

  it('answers synchronously, with no promise, when no credential is present', () => {
    const bearer = headerAuthenticator('authorization', 'jwt', 'Bearer');
    const compiled = compileAuthentication('test', [bearer], 'optional');
    expect(compiled.run(requestWith({}))).toBe(undefined);
    const required = compileAuthentication('test', [bearer], 'required');
    expect(() => required.run(requestWith({}))).toThrow(RampartError);
    expect(compiled.run(requestWith({ authorization: 'ok-a' }))).toBeInstanceOf(Promise);
  });

  it('refuses a credential an authenticator throws on synchronously, as one it rejects', async () => {
    const throwing: Authenticator = {
      name: 'throwing',
      authenticate() {
        throw badCredential('ERR_SYNC');
      },
    };
    await expect(authenticate([throwing])(requestWith({}))).rejects.toMatchObject({
      code: 'ERR_SYNC',
    });
  });
});

describe('authenticate: an authenticator that breaks its contract fails closed', () => {
  const cases: Array<[string, Authenticator['authenticate']]> = [
    // An "absent" decided after I/O would let a bad credential pass on an optional route.
    ['resolves undefined', () => Promise.resolve(undefined as unknown as AuthContext)],
    ['resolves null', () => Promise.resolve(null as unknown as AuthContext)],
    [
      'resolves a context without userId',
      () => Promise.resolve({ method: 'jwt', credentialId: 'f' } as AuthContext),
    ],
    [
      'resolves an unknown method',
      () =>
        Promise.resolve({
          userId: 'u',
          method: 'magic',
          credentialId: 'f',
        } as unknown as AuthContext),
    ],
    [
      'returns a context without a promise',
      () =>
        createAuthContext({
          userId: 'u',
          method: 'jwt',
          credentialId: 'f',
        }) as unknown as Promise<AuthContext>,
    ],
    ['returns null', () => null as unknown as undefined],
  ];
  for (const [what, authenticateFn] of cases) {
    it(`when it ${what}: a TypeError (a logged 500), never a pass`, async () => {
      const broken: Authenticator = { name: 'broken', authenticate: authenticateFn };
      const error = await refusal(authenticate([broken], { mode: 'optional' })(requestWith({})));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toMatch(/Authenticator "broken"/);
    });
  }
});

describe('authenticate: start-up checks', () => {
  const good = headerAuthenticator('authorization', 'jwt', 'Bearer');
  function configError(make: () => unknown): RampartConfigError {
    try {
      make();
    } catch (error) {
      expect(error).toBeInstanceOf(RampartConfigError);
      return error as RampartConfigError;
    }
    throw new Error('no RampartConfigError thrown');
  }

  it('names the option that is wrong', () => {
    const list = (value: unknown) => value as Authenticator[];
    expect(configError(() => authenticate(list(undefined))).option).toBe(
      'authenticate.authenticators',
    );
    expect(configError(() => authenticate([])).option).toBe('authenticate.authenticators');
    expect(configError(() => authenticate(list([good, {}]))).option).toBe(
      'authenticate.authenticators[1]',
    );
    expect(configError(() => authenticate(list([{ authenticate: () => undefined }]))).option).toBe(
      'authenticate.authenticators[0].name',
    );
    expect(configError(() => authenticate([good], { mode: 'lenient' as never })).option).toBe(
      'authenticate.mode',
    );
    expect(configError(() => authenticate([good], { bogus: 1 } as never)).option).toBe(
      'authenticate.bogus',
    );
    expect(
      configError(() => authenticate([{ ...good, missingCredentialError: 'nope' as never }]))
        .option,
    ).toBe('authenticate.authenticators[0].missingCredentialError');
  });

  it('refuses a challenge that could not be sent as a header, or would split one', () => {
    for (const challenge of ['', 'Bearer\r\nSet-Cookie: a=b', 'Bearer, Basic', ' Bearer', 'Bé']) {
      expect(
        configError(() => authenticate([{ ...good, challenge }])).option,
        JSON.stringify(challenge),
      ).toBe('authenticate.authenticators[0].challenge');
    }
  });
});

describe('createAuthContext', () => {
  it('builds a frozen context and leaves out the members given as undefined', () => {
    const context = createAuthContext({
      userId: 'u1',
      method: 'api-key',
      credentialId: 'key-1',
      scopes: ['read'],
      role: undefined,
      mfaAt: 1_700_000_000_000,
    });
    expect(context).toEqual({
      userId: 'u1',
      method: 'api-key',
      credentialId: 'key-1',
      scopes: ['read'],
      mfaAt: 1_700_000_000_000,
    });
    expect(Object.hasOwn(context, 'role')).toBe(false);
    expect(Object.isFrozen(context)).toBe(true);
    expect(Object.isFrozen(context.scopes)).toBe(true);
  });

  it('copies the scopes, so the caller cannot change them afterwards', () => {
    const scopes = ['read'];
    const context = createAuthContext({
      userId: 'u',
      method: 'api-key',
      credentialId: 'k',
      scopes,
    });
    scopes.push('admin');
    expect(context.scopes).toEqual(['read']);
  });

  it('throws a TypeError for what is not a context', () => {
    const bad: unknown[] = [
      null,
      { userId: '', method: 'jwt', credentialId: 'f' },
      { userId: 'u', method: 'basic', credentialId: 'f' },
      { userId: 'u', method: 'jwt', credentialId: '' },
      { userId: 'u', method: 'jwt', credentialId: 'f', role: 7 },
      { userId: 'u', method: 'jwt', credentialId: 'f', scopes: 'read' },
      { userId: 'u', method: 'jwt', credentialId: 'f', scopes: [1] },
      { userId: 'u', method: 'jwt', credentialId: 'f', mfaAt: -1 },
      { userId: 'u', method: 'jwt', credentialId: 'f', mfaAt: 1.5 },
      { userId: 'u', method: 'jwt', credentialId: 'f', mfaAt: '1700000000000' },
    ];
    for (const init of bad) {
      expect(() => createAuthContext(init as AuthContext), JSON.stringify(init)).toThrow(TypeError);
    }
  });
});

describe('authRequiredError', () => {
  it('is the 401 ERR_AUTH_REQUIRED problem, with the challenges joined in one header', () => {
    const error = authRequiredError(['Bearer', 'ApiKey']);
    expect(error.toProblem('/orders')).toEqual({
      type: 'urn:rampart:problem:err-auth-required',
      title: 'Unauthorized',
      status: 401,
      detail: 'This route requires authentication. Send a valid credential with the request.',
      code: 'ERR_AUTH_REQUIRED',
      instance: '/orders',
    });
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer, ApiKey' });
    expect(authRequiredError().headers).toEqual({});
  });
});
