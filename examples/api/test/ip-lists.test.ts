import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS } from '../src/config.js';
import { type AppProcess, startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, testSecrets } from './api-client.js';
import { available, isolation as storeIsolation } from './store-isolation.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

/** The test client connects from 127.0.0.1, a trusted proxy, so X-Forwarded-For names the caller. */
const isolation: Record<string, string> = {
  ...storeIsolation,
  TRUSTED_PROXIES: '127.0.0.1/32,::1/128',
};
const SETTINGS = '/api/v1/admin/security/settings';
const from = (ip: string) => ({ 'x-forwarded-for': ip });
const CLEAR = {
  security: { enableIpBlacklist: true, enableIpWhitelist: false, ipBlacklist: [], ipWhitelist: [] },
};

describe.each(['memory', 'redis'] as const)('IP lists of the settings on %s', (store) => {
  describe.each(FRAMEWORKS)('%s', (framework) => {
    const secrets = testSecrets();
    let app: AppProcess | undefined;
    let second: AppProcess | undefined;
    let api: ApiClient;
    let root: string;

    const patch = (body: unknown, headers: Record<string, string> = {}) =>
      api.request('PATCH', SETTINGS, body, { token: root, headers });
    const me = (headers: Record<string, string> = {}) =>
      api.get('/api/v1/me', { token: root, headers });

    beforeAll(async () => {
      if (!available[store]) return;
      const args = ['--port', '0', '--framework', framework, '--store', store];
      app = await startApp({ args: [...args, '--fresh'], env: { ...isolation, ...secrets } });
      if (store !== 'memory') second = await startApp({ args, env: { ...isolation, ...secrets } });
      api = new ApiClient(app.url, secrets);
      root = (await api.loginAdmin()).accessToken;
    });
    afterAll(async () => {
      await app?.stop();
      await second?.stop();
    });
    const onStore = it.skipIf(!available[store]);

    onStore.each([
      [{ security: { ipBlacklist: ['127.0.0.0/8'] } }, 'ipBlacklist'],
      [{ security: { ipBlacklist: ['::/0', 'loopback'] } }, 'ipBlacklist'],
      [{ security: { enableIpWhitelist: true, ipWhitelist: [] } }, 'ipWhitelist'],
      [{ security: { enableIpWhitelist: true, ipWhitelist: ['::/0'] } }, 'ipWhitelist'],
    ])(
      'refuses %j, which would lock the caller out, with 409 and no change',
      async (body, list) => {
        const before = await api.get(SETTINGS, { token: root });
        const refused = await patch(body);
        expectProblem(refused, 409, 'ERR_SETTINGS_SELF_LOCKOUT');
        expect(refused.body.detail).toContain(list);
        expect((await api.get(SETTINGS, { token: root })).body).toEqual(before.body);
        if (second !== undefined) {
          const other = new ApiClient(second.url, secrets);
          expect((await other.get(SETTINGS, { token: root })).body).toEqual(before.body);
        }
        expect((await me()).status).toBe(200);
      },
    );

    onStore(
      'judges the caller by the address TRUSTED_PROXIES resolves, not the socket',
      async () => {
        const caller = from('203.0.113.7');
        expectProblem(
          await patch({ security: { ipBlacklist: ['203.0.113.0/24'] } }, caller),
          409,
          'ERR_SETTINGS_SELF_LOCKOUT',
        );
        // 127.0.0.1 is only the proxy here: blocking it leaves the caller in.
        expect((await patch({ security: { ipBlacklist: ['127.0.0.0/8'] } }, caller)).status).toBe(
          200,
        );
        expectProblem(await me(), 403, 'ERR_IP_BLOCKED');
        expect((await me(caller)).status).toBe(200);
        expect((await patch(CLEAR, caller)).status).toBe(200);
        expect((await me()).status).toBe(200);
      },
    );

    onStore('an IPv6 range blocks IPv6 clients only; IPv4-mapped clients are IPv4', async () => {
      const caller = from('2001:db8:1::5');
      expect((await patch({ security: { ipBlacklist: ['::/0'] } })).status).toBe(200);
      expectProblem(await me(caller), 403, 'ERR_IP_BLOCKED');
      expect((await me(from('127.0.70.1'))).status).toBe(200);
      expect((await me(from('::ffff:127.0.70.1'))).status).toBe(200);
      expect((await patch({ security: { ipBlacklist: ['127.0.70.0/24'] } })).status).toBe(200);
      expectProblem(await me(from('::ffff:127.0.70.1')), 403, 'ERR_IP_BLOCKED');
      expectProblem(await me(from('127.0.70.1')), 403, 'ERR_IP_BLOCKED');
      expect((await me(caller)).status).toBe(200);
      expect((await patch(CLEAR)).status).toBe(200);
    });

    onStore('caps each list at 1,000 entries: more → 400 and no change', async () => {
      const entries = (count: number) =>
        Array.from({ length: count }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
      for (const list of ['ipBlacklist', 'ipWhitelist']) {
        const before = await api.get(SETTINGS, { token: root });
        const tooMany = await patch({ security: { [list]: entries(1001) } });
        expectProblem(tooMany, 400, 'ERR_SETTINGS_INVALID');
        expect(tooMany.body.fields).toEqual([`security.${list}`]);
        expect((await api.get(SETTINGS, { token: root })).body).toEqual(before.body);
        expect((await patch({ security: { [list]: entries(1000) } })).status).toBe(200);
      }
      expect((await me()).status).toBe(200);
      expect((await patch(CLEAR)).status).toBe(200);
    });
  });
});
