import { describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../src/events.js';
import { createIpFilter } from '../src/ip/ip-filter.js';
import { MemorySettingsStore } from '../src/settings/memory-settings-store.js';
import { createSecuritySettings } from '../src/settings/runtime-settings.js';
import { MAX_IP_LIST_ENTRIES } from '../src/settings/security-settings.js';

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('IP lists: each family matches its own clients', () => {
  it.each([
    ['::/0', '127.0.70.1', undefined],
    ['::/0', '::ffff:127.0.70.1', undefined],
    ['::/0', '2001:db8::1', 'blocked'],
    ['::/64', '10.0.0.1', undefined],
    ['::/80', '::ffff:10.0.0.1', undefined],
    ['127.0.0.0/8', '::ffff:127.0.0.1', 'blocked'],
    ['127.0.0.0/8', '::ffff:7f00:1', 'blocked'],
    ['::ffff:0:0/96', '192.0.2.1', 'blocked'],
    ['::ffff:0:0/96', '2001:db8::1', undefined],
    ['0.0.0.0/0', '::1', undefined],
  ])('block %s, client %s → %s', (range, ip, refusal) => {
    expect(createIpFilter({ rules: { block: [range] } }).refusal(ip)).toBe(refusal);
  });

  it('an IPv6-only allow list refuses an IPv4 client, however its socket spells it', () => {
    const filter = createIpFilter({ rules: { allow: ['::/0'] } });
    expect(filter.refusal('2001:db8::1')).toBeUndefined();
    expect(filter.refusal('::ffff:127.0.0.1')).toBe('not-allowed');
    expect(filter.refusal('127.0.0.1')).toBe('not-allowed');
  });
});

describe('a settings change that would lock its caller out', () => {
  async function setup() {
    const events: SecurityEvent[] = [];
    const settings = await createSecuritySettings({
      store: new MemorySettingsStore(),
      onEvent: (event) => events.push(event),
    });
    return { settings, events };
  }

  it.each([
    [{ security: { ipBlacklist: ['127.0.0.0/8'] } }, '127.0.0.1', 'blacklist'],
    [{ security: { ipBlacklist: ['127.0.0.0/8'] } }, '::ffff:127.0.0.1', 'blacklist'],
    [{ security: { ipBlacklist: ['loopback'] } }, '::1', 'blacklist'],
    [{ security: { enableIpWhitelist: true, ipWhitelist: [] } }, '127.0.0.1', 'whitelist'],
    [
      { security: { enableIpWhitelist: true, ipWhitelist: ['10.0.0.0/8', '::/0'] } },
      '127.0.0.1',
      'whitelist',
    ],
  ])('%j from %s → 409 naming the %s, nothing changed', async (patch, ip, list) => {
    const { settings, events } = await setup();
    const error = await rejection(settings.update(patch, { userId: 'u1', ip }));
    expect(error.status).toBe(409);
    expect(error.code).toBe('ERR_SETTINGS_SELF_LOCKOUT');
    expect(String(error.detail)).toContain(list === 'blacklist' ? 'ipBlacklist' : 'ipWhitelist');
    expect(settings.version).toBe(0);
    expect(settings.current().security.ipBlacklist).toEqual([]);
    expect(settings.current().security.enableIpWhitelist).toBe(false);
    expect(events).toEqual([]);
  });

  it('accepts lists that leave the caller in', async () => {
    const { settings } = await setup();
    await settings.update(
      { security: { ipBlacklist: ['::/0', '203.0.113.0/24'] } },
      { ip: '127.0.0.1' },
    );
    await settings.update(
      { security: { enableIpWhitelist: true, ipWhitelist: ['127.0.0.0/8'] } },
      { ip: '127.0.0.1' },
    );
    expect(settings.version).toBe(2);
  });

  it('does not refuse a caller the settings already refused (it is not locked out by the change)', async () => {
    const { settings } = await setup();
    await settings.update({ security: { ipBlacklist: ['198.51.100.0/24'] } });
    await settings.update({ rateLimit: { maxRequests: 50 } }, { ip: '198.51.100.7' });
    expect(settings.current().rateLimit.maxRequests).toBe(50);
  });

  it('does not check when the change names no caller address', async () => {
    const { settings } = await setup();
    await settings.update({ security: { ipBlacklist: ['127.0.0.0/8'] } });
    expect(settings.current().security.ipBlacklist).toEqual(['127.0.0.0/8']);
  });
});

describe('IP list caps', () => {
  const entries = (count: number) =>
    Array.from({ length: count }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);

  it.each(['ipBlacklist', 'ipWhitelist'])(
    '%s over the cap → 400, at the cap accepted',
    async (field) => {
      const settings = await createSecuritySettings();
      const error = await rejection(
        settings.update({ security: { [field]: entries(MAX_IP_LIST_ENTRIES + 1) } }),
      );
      expect(error.status).toBe(400);
      expect(error.code).toBe('ERR_SETTINGS_INVALID');
      expect((error.extensions as { fields: unknown }).fields).toEqual([`security.${field}`]);
      expect(settings.version).toBe(0);
      await settings.update({ security: { [field]: entries(MAX_IP_LIST_ENTRIES) } });
      expect(settings.current().security[field as 'ipBlacklist']).toHaveLength(MAX_IP_LIST_ENTRIES);
    },
  );

  it('the cap is 1,000', () => {
    expect(MAX_IP_LIST_ENTRIES).toBe(1000);
  });
});
