import { randomUUID } from 'node:crypto';
import { signRequest } from '@rampart/request-signing/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, STORE_KINDS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import {
  ApiClient,
  type ApiResponse,
  expectProblem,
  newAccount,
  testSecrets,
} from './api-client.js';
import { available, isolation, redis, redisPrefix } from './store-isolation.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const cases = STORE_KINDS.flatMap((store) =>
  FRAMEWORKS.map((framework) => [store, framework] as const),
);

describe.each(cases)('Idempotency-Key on POST …/records, %s store, %s', (store, framework) => {
  let app: AppProcess;
  let api: ApiClient;
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    if (!available[store]) return;
    const secrets = testSecrets();
    app = await startApp({
      args: ['--port', '0', '--framework', framework, '--store', store],
      env: { ...isolation, ...secrets },
    });
    api = new ApiClient(app.url, secrets);
    for (const [name, set] of [
      ['idempotent', (value: string) => (token = value)],
      ['idempotent-other', (value: string) => (otherToken = value)],
    ] as const) {
      const account = newAccount(name);
      await api.register(account);
      set((await api.login(account)).accessToken);
    }
  });
  afterAll(async () => {
    if (app !== undefined) expect(await app.stop()).toBe(0);
  });

  const records = (entity: string) => `/api/v1/entities/${entity}/records`;

  /** A signed POST (a fresh nonce and signature each time, as a real retry) with the key. */
  async function post(entity: string, body: string, key: string, as = token): Promise<ApiResponse> {
    const path = records(entity);
    const signature = await signRequest({
      method: 'POST',
      url: new URL(path, api.baseUrl),
      body,
      keyId: api.secrets.SIGNING_KEY_ID as string,
      secret: api.secrets.SIGNING_SECRET as string,
    });
    return api.post(path, undefined, {
      raw: body,
      token: as,
      headers: { ...signature, 'idempotency-key': key },
    });
  }

  it.skipIf(!available[store])(
    'answers a signed retry from the store, marked, and creates nothing',
    async () => {
      const entity = `orders-${randomUUID().slice(0, 8)}`;
      const key = `"${randomUUID()}"`;
      const body = '{"data":{"item":"widget","quantity":2}}';
      const first = await post(entity, body, key);
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.headers.get('idempotency-replayed')).toBeNull();
      const retry = await post(entity, body, key);
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotency-replayed')).toBe('true');
      expect(retry.body).toEqual(first.body);
      expectProblem(
        await post(entity, '{"data":{"item":"widget","quantity":3}}', key),
        422,
        'ERR_IDEMPOTENCY_KEY_REUSED',
      );
      const listed = await api.get(records(entity), { token });
      expect(listed.body.records).toEqual([first.body]);
    },
  );

  it.skipIf(!available[store])(
    'answers a retried API-key creation with the same key, once, and refuses another body',
    async () => {
      const key = `"${randomUUID()}"`;
      const create = (name: string) =>
        api.post(
          '/api/v1/api-keys',
          { name, scopes: ['entities:read'] },
          { token, headers: { 'idempotency-key': key } },
        );
      const first = await create('ci');
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      const retry = await create('ci');
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotency-replayed')).toBe('true');
      expect(retry.body).toEqual(first.body);
      expectProblem(await create('other'), 422, 'ERR_IDEMPOTENCY_KEY_REUSED');
      const listed = await api.get('/api/v1/api-keys', { token });
      expect(
        (listed.body as unknown as Array<{ name: string }>).filter((item) => item.name === 'ci'),
      ).toHaveLength(1);
    },
  );

  it.skipIf(store !== 'redis' || !available[store])(
    'keeps the response sealed in the store, never the record in clear',
    async () => {
      const entity = `sealed-${randomUUID().slice(0, 8)}`;
      const body = '{"data":{"item":"sealed-widget-marker"}}';
      expect((await post(entity, body, `"${randomUUID()}"`)).status).toBe(201);
      const prefix = `${redisPrefix?.prefix}idempotency:`;
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = (await redis?.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)) ?? [
          '0',
          [],
        ];
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
      const responses = await Promise.all(keys.map((key) => redis?.hget(key, 'resp')));
      const kept = responses.filter((value): value is string => typeof value === 'string');
      expect(kept.length).toBeGreaterThan(0);
      for (const value of kept) {
        // A sealed text of @rampart/crypto (v1.<kid>.<iv>.<ciphertext+tag>), not the encoded
        // response (JSON with the body in base64), which would hold the record in the open.
        expect(value).toMatch(/^v1\.[^.]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        expect(() => JSON.parse(value)).toThrow();
      }
    },
  );

  it.skipIf(!available[store])(
    'creates one record for 10 concurrent signed copies of one request',
    async () => {
      const entity = `race-${randomUUID().slice(0, 8)}`;
      const key = `"${randomUUID()}"`;
      const body = '{"data":{"n":1}}';
      const answers = await Promise.all(Array.from({ length: 10 }, () => post(entity, body, key)));
      const created = answers.filter(
        (answer) => answer.status === 201 && answer.headers.get('idempotency-replayed') === null,
      );
      expect(created).toHaveLength(1);
      for (const answer of answers) {
        if (answer.status !== 201) expectProblem(answer, 409, 'ERR_IDEMPOTENCY_IN_FLIGHT');
      }
      expect((await api.get(records(entity), { token })).body.records).toHaveLength(1);
    },
  );

  it.skipIf(!available[store])(
    'keeps keys per user, refuses a key that is not an sf-string, and runs requests without one',
    async () => {
      const entity = `scoped-${randomUUID().slice(0, 8)}`;
      const body = '{"data":{"x":1}}';
      expect((await post(entity, body, '"shared-key"')).status).toBe(201);
      const other = await post(entity, body, '"shared-key"', otherToken);
      expect(other.status).toBe(201);
      expect(other.headers.get('idempotency-replayed')).toBeNull();
      expectProblem(await post(entity, body, 'bare-token'), 400, 'ERR_IDEMPOTENCY_KEY_INVALID');
      const signature = await signRequest({
        method: 'POST',
        url: new URL(records(entity), api.baseUrl),
        body,
        keyId: api.secrets.SIGNING_KEY_ID as string,
        secret: api.secrets.SIGNING_SECRET as string,
      });
      const unkeyed = await api.post(records(entity), undefined, {
        raw: body,
        token,
        headers: signature,
      });
      expect(unkeyed.status).toBe(201);
    },
  );
});
