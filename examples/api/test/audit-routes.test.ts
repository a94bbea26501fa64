import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, STORE_KINDS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import { isolation, pg } from './store-isolation.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
interface Delivery {
  headers: IncomingMessage['headers'];
  body: string;
}
const deliveries: Delivery[] = [];
let receiver: Server;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

const cases = STORE_KINDS.flatMap((store) =>
  FRAMEWORKS.map((framework) => [store, framework] as const),
);

describe.each(cases)('audit, alerts and privacy on %s / %s', (store, framework) => {
  let app: AppProcess;
  let api: ApiClient;
  let admin: string;

  beforeAll(async () => {
    const secrets = testSecrets();
    const env: Record<string, string> = {
      ...isolation,
      ...secrets,
      // The brute force comes from many addresses (X-Forwarded-For through loopback), as a
      // distributed one does: the per-(IP, email) login limit never answers it, the lock does.
      TRUSTED_PROXIES: 'loopback',
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`,
      ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    };
    app = await startApp({
      args: ['--port', '0', '--framework', framework, '--store', store, '--fresh'],
      env,
    });
    api = new ApiClient(app.url, secrets);
    admin = (await api.loginAdmin()).accessToken;
  });
  afterAll(async () => {
    if (app !== undefined) expect(await app.stop()).toBe(0);
  });

  it('a brute force locks the account (403 ERR_ACCOUNT_LOCKED), audited and alerted; an admin unlocks it', async () => {
    const account = newAccount('victim');
    const userId = await api.register(account);
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 5; i++) {
      const wrong = { email: account.email, password: `wrong-${i}-password` };
      const failed = await api.post('/api/v1/auth/login', wrong, from(`198.51.100.${i + 1}`));
      expect(failed.status).toBe(401);
    }
    await vi.waitFor(async () => {
      const login = await api.post('/api/v1/auth/login', account, from('198.51.100.99'));
      expectProblem(login, 403, 'ERR_ACCOUNT_LOCKED');
    });
    const anomalies = await api.get(`/api/v1/admin/security/anomalies?userId=${userId}`, {
      token: admin,
    });
    expect(anomalies.body).toMatchObject({
      userId,
      recommendedAction: 'LOCKDOWN',
      anomalies: [{ type: 'BRUTE_FORCE_ATTEMPT', severity: 'HIGH' }],
    });
    const locked = await api.get(`/api/v1/admin/audit?type=ACCOUNT_LOCKED&userId=${userId}`, {
      token: admin,
    });
    expect(locked.status).toBe(200);
    expect(locked.body.items).toMatchObject([
      { type: 'ACCOUNT_LOCKED', severity: 'critical', actor: { userId } },
    ]);
    await vi.waitFor(() => {
      const alert = deliveries.find(
        (d) => d.body.includes(userId) && d.body.includes('ACCOUNT_LOCKED'),
      );
      expect(alert).toBeDefined();
      const verified = new Webhook(WEBHOOK_SECRET).verify(
        alert!.body,
        alert!.headers as Record<string, string>,
      );
      expect(verified).toMatchObject({ data: { type: 'ACCOUNT_LOCKED', event: { userId } } });
    });
    const unlocked = await api.post(`/api/v1/admin/users/${userId}/unlock`, undefined, {
      token: admin,
    });
    expect(unlocked.status).toBe(200);
    expect((await api.post('/api/v1/auth/login', account, from('198.51.100.98'))).status).toBe(200);
  });

  it("an admin lock revokes the user's tokens at once; a user cannot read the trail (403)", async () => {
    const account = newAccount('locked');
    const userId = await api.register(account);
    const { accessToken } = await api.login(account);
    expectProblem(
      await api.get('/api/v1/admin/audit', { token: accessToken }),
      403,
      'ERR_FORBIDDEN',
    );
    expectProblem(
      await api.post(`/api/v1/admin/users/${userId}/lock`, undefined, { token: accessToken }),
      403,
      'ERR_FORBIDDEN',
    );
    const lock = await api.post(`/api/v1/admin/users/${userId}/lock`, undefined, { token: admin });
    expect(lock.status).toBe(200);
    expect((await api.get('/api/v1/me', { token: accessToken })).status).toBe(401);
    expectProblem(await api.post('/api/v1/auth/login', account), 403, 'ERR_ACCOUNT_LOCKED');
  });

  it('query, verify and metrics; bad query parameters are 400 problems', async () => {
    const page = await api.get('/api/v1/admin/audit?limit=2', { token: admin });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);
    const next = await api.get(`/api/v1/admin/audit?limit=2&cursor=${page.body.nextCursor}`, {
      token: admin,
    });
    expect((next.body.items as { seq: number }[])[0]?.seq).toBeLessThan(
      (page.body.items as { seq: number }[])[1]?.seq as number,
    );
    expect((await api.get('/api/v1/admin/audit/verify', { token: admin })).body).toMatchObject({
      valid: true,
    });
    const metrics = await api.get('/api/v1/admin/security/metrics', { token: admin });
    expect(metrics.body).toMatchObject({
      authentication: { failedLogins: expect.any(Number), successfulLogins: expect.any(Number) },
      authorization: { accessDenied: expect.any(Number) },
      threats: { rateLimitViolations: expect.any(Number) },
      compliance: { auditLogEntries: expect.any(Number) },
    });
    for (const query of [
      'limit=0',
      'cursor=abc',
      'since=yesterday',
      'type=lower',
      'userId=a&userId=b',
      'bogus=1',
    ]) {
      expectProblem(
        await api.get(`/api/v1/admin/audit?${query}`, { token: admin }),
        400,
        'ERR_AUDIT_QUERY_INVALID',
      );
    }
  });

  it('privacy: consent is kept and exported; deleting the account erases who they were and keeps the chain valid', async () => {
    const account = newAccount('leaving');
    const userId = await api.register(account);
    const { accessToken } = await api.login(account);
    const consent = await api.post(
      '/api/v1/privacy/consent',
      { analytics: true, marketing: false },
      { token: accessToken },
    );
    expect(consent.body).toMatchObject({
      analytics: true,
      marketing: false,
      updatedAt: expect.any(String),
    });
    expectProblem(
      await api.post('/api/v1/privacy/consent', { analytics: 'yes' }, { token: accessToken }),
      400,
      'ERR_VALIDATION',
    );
    const mine = await api.get('/api/v1/privacy/my-data', { token: accessToken });
    expect(mine.body).toMatchObject({
      profile: { id: userId, email: account.email },
      role: 'user',
      consent: { analytics: true },
    });
    expect(JSON.stringify(mine.body)).not.toContain(account.password);
    expect((mine.body.auditEvents as unknown[]).length).toBeGreaterThan(0);

    expect(
      (
        await api.request(
          'DELETE',
          '/api/v1/privacy/my-account',
          { password: 'not-it' },
          { token: accessToken },
        )
      ).status,
    ).toBe(401);
    const gone = await api.request(
      'DELETE',
      '/api/v1/privacy/my-account',
      { password: account.password },
      { token: accessToken },
    );
    expect(gone.status).toBe(204);
    expectProblem(await api.post('/api/v1/auth/login', account), 401, 'ERR_LOGIN_FAILED');
    expect(
      (await api.get(`/api/v1/admin/audit?userId=${userId}`, { token: admin })).body.items,
    ).toEqual([]);
    const all = await api.get('/api/v1/admin/audit?limit=500', { token: admin });
    expect(JSON.stringify(all.body)).not.toContain(userId);
    expect(JSON.stringify(all.body)).not.toContain(account.email);
    expect((all.body.items as { erased?: boolean }[]).some((item) => item.erased)).toBe(true);
    expect((await api.get('/api/v1/admin/audit/verify', { token: admin })).body).toMatchObject({
      valid: true,
    });
  });

  it.skipIf(store !== 'postgres')(
    'a record changed in the database is caught by verify, naming it',
    async () => {
      if (pg === undefined) return;
      const table = sql.id(pg.schema, 'rampart_audit_records');
      const { rows } = await sql<{
        seq: string;
        chain: string;
      }>`select seq, chain from ${table} order by id desc limit 1`.execute(pg.db);
      const target = rows[0];
      if (target === undefined) throw new Error('no record');
      await sql`alter table ${table} disable trigger rampart_audit_append_only`.execute(pg.db);
      await sql`update ${table} set body = replace(body, '"severity":"', '"severity":"x') where chain = ${target.chain} and seq = ${target.seq}`.execute(
        pg.db,
      );
      await sql`alter table ${table} enable trigger rampart_audit_append_only`.execute(pg.db);
      const verdict = await api.get('/api/v1/admin/audit/verify', { token: admin });
      expect(verdict.body).toMatchObject({ valid: false, firstBadSeq: Number(target.seq) });
    },
  );
});
