import { signRequest } from '@rampart/request-signing/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const records = (entityId: string) => `/api/v1/entities/${entityId}/records`;

describe.each(FRAMEWORKS)('entity routes on %s', (framework) => {
  let app: AppProcess;
  let api: ApiClient;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    const secrets = testSecrets();
    app = await startApp({ args: ['--port', '0', '--framework', framework], env: secrets });
    api = new ApiClient(app.url, secrets);
    const account = newAccount('entities');
    userId = await api.register(account);
    token = (await api.login(account)).accessToken;
  });
  afterAll(async () => {
    expect(await app?.stop()).toBe(0);
  });

  it('stores a signed record and lists it, pretty-printed JSON included', async () => {
    const pretty = JSON.stringify(
      { data: { reading: [1, 2, { deep: true }], note: 'é' } },
      null,
      2,
    );
    const created = await api.signedPost(records('list-me'), pretty, token);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      entityId: 'list-me',
      data: { reading: [1, 2, { deep: true }], note: 'é' },
      createdBy: userId,
    });
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const listed = await api.get(records('list-me'), { token });
    expect(listed.status).toBe(200);
    expect(listed.body.records).toEqual([created.body]);
    expect((await api.get(records('empty'), { token })).body).toEqual({ records: [] });
  });

  it('the bootstrap admin may write too (every permission)', async () => {
    const admin = await api.loginAdmin();
    const response = await api.signedPost(
      records('admin'),
      '{"data":{"ok":true}}',
      admin.accessToken,
    );
    expect(response.status).toBe(201);
  });

  it.each([
    ['no data', '{}'],
    ['data an array', '{"data":[1,2]}'],
    ['data a string', '{"data":"x"}'],
    ['data null', '{"data":null}'],
    ['an extra member', '{"data":{},"createdBy":"someone-else"}'],
    ['a body that is an array', '[{"data":{}}]'],
    ['a number', '42'],
    ['an empty key', '{"data":{"":1}}'],
    ['data over 16 KiB', JSON.stringify({ data: { blob: 'x'.repeat(17_000) } })],
  ])('%s → 400, never a 500', async (_name, raw) => {
    expectProblem(await api.signedPost(records('hostile'), raw, token), 400, 'ERR_VALIDATION');
  });

  it.each([
    ['a dot', 'no.dots'],
    ['an encoded slash', 'a%2Fb'],
    ['65 characters', 'x'.repeat(65)],
    ['a space', 'a%20b'],
    ['unicode', '%C3%A9t%C3%A9'],
    // Past Fastify's default 100-character cap on a path parameter (a 414 there).
    ['200 characters', 'x'.repeat(200)],
  ])('an entity id with %s → 400', async (_name, entityId) => {
    expectProblem(await api.get(records(entityId), { token }), 400, 'ERR_VALIDATION');
    expectProblem(
      await api.signedPost(records(entityId), '{"data":{}}', token),
      400,
      'ERR_VALIDATION',
    );
  });

  it('an empty entity id is no route: 404, with or without a token', async () => {
    expectProblem(await api.get(records(''), { token }), 404, 'ERR_NOT_FOUND');
    expectProblem(await api.get(records('')), 404, 'ERR_NOT_FOUND');
    expectProblem(await api.signedPost(records(''), '{"data":{}}', token), 404, 'ERR_NOT_FOUND');
  });

  it('a signature of another client or secret → 401', async () => {
    const forged = new ApiClient(app.url, {
      ...api.secrets,
      SIGNING_SECRET: testSecrets().SIGNING_SECRET as string,
    });
    const response = await forged.signedPost(records('forged'), '{"data":{}}', token);
    expectProblem(response, 401, 'ERR_SIGNATURE_INVALID');
    const unknownKey = new ApiClient(app.url, { ...api.secrets, SIGNING_KEY_ID: 'someone-else' });
    const other = await unknownKey.signedPost(records('forged'), '{"data":{}}', token);
    expectProblem(other, 401, 'ERR_SIGNATURE_INVALID');
    const { instance: _a, ...forgedBody } = response.body;
    const { instance: _b, ...otherBody } = other.body;
    expect(otherBody).toEqual(forgedBody);
  });

  it('a signed request for another path does not verify on this one', async () => {
    const headers = await signRequest({
      method: 'POST',
      url: new URL(records('signed-for'), app.url),
      body: '{"data":{}}',
      keyId: api.secrets.SIGNING_KEY_ID as string,
      secret: api.secrets.SIGNING_SECRET as string,
    });
    const response = await api.post(records('sent-to'), undefined, {
      raw: '{"data":{}}',
      token,
      headers,
    });
    expectProblem(response, 401, 'ERR_SIGNATURE_INVALID');
  });

  it('counts every entities request of a principal in one budget, refused ones too', async () => {
    const account = newAccount('budget');
    await api.register(account);
    const own = (await api.login(account)).accessToken;
    const remaining = async (response: Promise<{ headers: Headers }>) =>
      Number((await response).headers.get('x-ratelimit-remaining'));
    expect(await remaining(api.get(records('a'), { token: own }))).toBe(99);
    expect(await remaining(api.post(records('b'), { data: {} }, { token: own }))).toBe(98);
    expect(await remaining(api.signedPost(records('c'), '{"data":{}}', own))).toBe(97);
    // Another principal has its own.
    expect(await remaining(api.get(records('a'), { token }))).toBeLessThan(99);
  });

  it('the 101st entities request within a minute → 429 with Retry-After', async () => {
    const account = newAccount('flood');
    await api.register(account);
    const own = (await api.login(account)).accessToken;
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++)
      statuses.push((await api.get(records('flood'), { token: own })).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const refused = await api.get(records('flood'), { token: own });
    expectProblem(refused, 429, 'ERR_RATE_LIMIT_EXCEEDED');
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(refused.headers.get('ratelimit')).toMatch(/^"entities";r=0;t=\d+$/);
  });
});
