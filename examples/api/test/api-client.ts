import { randomBytes } from 'node:crypto';
import { signRequest } from '@rampart/request-signing/client';
import { expect } from 'vitest';

/**
 * The secrets keying stored state, one set per test file: every app a file starts on its store
 * (one Redis prefix, one Postgres schema) must share them, or the second refuses to start.
 */
export const STORED_STATE_SECRETS = {
  ENCRYPTION_KEYS: `test:${randomBytes(32).toString('base64url')}`,
  API_KEY_PEPPER: randomBytes(32).toString('base64url'),
  AUDIT_HMAC_KEY: randomBytes(32).toString('base64url'),
};

/**
 * Fixed credentials the tests start the app with, so they can log in as admin and sign, and a
 * register limit above the accounts one test file makes from 127.0.0.1 (the default 3 per hour
 * has its own test, register-limit.test.ts).
 */
export function testSecrets(): Record<string, string> {
  return {
    ...STORED_STATE_SECRETS,
    REGISTER_LIMIT_PER_HOUR: '1000',
    ADMIN_EMAIL: 'admin@example.com',
    ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    JWT_SECRET: randomBytes(32).toString('base64url'),
    SIGNING_KEY_ID: 'test-client',
    SIGNING_SECRET: randomBytes(32).toString('base64url'),
  };
}

/** A fresh email and a password the default policy accepts. */
export function newAccount(name = 'user'): { email: string; password: string } {
  return {
    email: `${name}-${randomBytes(5).toString('hex')}@example.com`,
    password: `pw-${randomBytes(12).toString('hex')}`,
  };
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

export interface RequestOptions {
  readonly token?: string;
  readonly headers?: Record<string, string>;
  /** Sent as is (a string) instead of `JSON.stringify(body)`. */
  readonly raw?: string;
}

/** A small client of the example app for the focused tests. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly secrets: Record<string, string>,
  ) {}

  async request(method: string, path: string, body?: unknown, options: RequestOptions = {}) {
    const headers: Record<string, string> = { ...options.headers };
    const text = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    if (text !== undefined) headers['content-type'] ??= 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(new URL(path, this.baseUrl), { method, headers, body: text });
    const raw = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      parsed = { unparsed: raw };
    }
    return { status: response.status, headers: response.headers, body: parsed } as ApiResponse;
  }

  post(path: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('POST', path, body, options);
  }

  get(path: string, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('GET', path, undefined, options);
  }

  /** Registers `account`, expecting 201; resolves its id. */
  async register(account: { email: string; password: string }): Promise<string> {
    const response = await this.post('/api/v1/auth/register', account);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  }

  /** Logs in, expecting 200; resolves the token pair. */
  async login(account: { email: string; password: string }) {
    const response = await this.post('/api/v1/auth/login', account);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { accessToken: string; refreshToken: string };
  }

  /** Logs in as the bootstrap admin of `secrets` (ADMIN_EMAIL, ADMIN_PASSWORD), expecting 200. */
  loginAdmin() {
    return this.login({
      email: this.secrets.ADMIN_EMAIL as string,
      password: this.secrets.ADMIN_PASSWORD as string,
    });
  }

  /** A POST signed by the configured signing client; `raw` is the exact body, signed and sent. */
  async signedPost(path: string, raw: string, token: string): Promise<ApiResponse> {
    const headers = await signRequest({
      method: 'POST',
      url: new URL(path, this.baseUrl),
      body: raw,
      keyId: this.secrets.SIGNING_KEY_ID as string,
      secret: this.secrets.SIGNING_SECRET as string,
    });
    return this.post(path, undefined, { raw, token, headers });
  }
}

/** Asserts a problem+json answer with `status` and `code`, with every member of the contract. */
export function expectProblem(response: ApiResponse, status: number, code?: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  for (const member of ['type', 'title', 'status', 'detail', 'instance', 'code']) {
    expect(response.body).toHaveProperty(member);
  }
  if (code !== undefined) expect(response.body.code).toBe(code);
  expect(response.body).not.toHaveProperty('stack');
}
