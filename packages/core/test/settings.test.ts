import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../src/clock.js';
import type { SecurityEvent } from '../src/events.js';
import { createIpFilter } from '../src/ip/ip-filter.js';
import { MemorySettingsStore } from '../src/settings/memory-settings-store.js';
import { createSecuritySettings } from '../src/settings/runtime-settings.js';
import { ipRulesOf, securitySettingsSchema } from '../src/settings/security-settings.js';
import { diffSettings } from '../src/settings/settings-diff.js';
import { describeSettingsStoreConformance } from '../src/settings/settings-store-conformance.js';

describeSettingsStoreConformance('memory', async () => {
  const store = new MemorySettingsStore();
  return { store, twin: store };
});

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('the security settings', () => {
  it('default every field, as the example contract states', () => {
    const defaults = securitySettingsSchema.parse({});
    expect(defaults.security).toMatchObject({
      enableIpBlacklist: true,
      enableIpWhitelist: false,
      ipBlacklist: [],
      ipWhitelist: [],
      corsOrigins: [],
    });
    expect(defaults.authentication.maxConcurrentSessions).toBe(5);
    expect(defaults.authentication.passwordPolicy.minLength).toBe(12);
  });

  it('start from initial over the defaults, and refuse a bad initial naming it', async () => {
    const settings = await createSecuritySettings({
      initial: { security: { corsOrigins: ['https://a.example'] } },
    });
    expect(settings.current().security.corsOrigins).toEqual(['https://a.example']);
    expect(settings.version).toBe(0);
    await expect(
      createSecuritySettings({ initial: { security: { ipBlacklist: ['10.0.0.0/33'] } } }),
    ).rejects.toThrow(
      expect.objectContaining({ option: 'createSecuritySettings.initial.security.ipBlacklist.0' }),
    );
  });

  it('apply a patch as a new version with a critical event holding the diff', async () => {
    const events: SecurityEvent[] = [];
    const settings = await createSecuritySettings({
      onEvent: (event) => events.push(event),
      clock: createFakeClock(1000),
    });
    const next = await settings.update(
      {
        authentication: { maxConcurrentSessions: 3, passwordPolicy: { requireSymbol: true } },
        security: { ipBlacklist: ['203.0.113.0/24'] },
      },
      { userId: 'admin-1', ip: '192.0.2.1' },
    );
    expect(settings.version).toBe(1);
    expect(next.authentication.maxConcurrentSessions).toBe(3);
    expect(next.authentication.passwordPolicy).toMatchObject({
      requireSymbol: true,
      minLength: 12,
    });
    expect(Object.isFrozen(next.security.ipBlacklist)).toBe(true);
    expect(events).toEqual([
      {
        type: 'SECURITY_SETTING_CHANGE',
        severity: 'critical',
        at: 1000,
        source: '@rampart/core',
        userId: 'admin-1',
        ip: '192.0.2.1',
        detail: {
          version: 1,
          changed:
            'authentication.passwordPolicy.requireSymbol,authentication.maxConcurrentSessions,security.ipBlacklist',
          'authentication.passwordPolicy.requireSymbol': 'false → true',
          'authentication.maxConcurrentSessions': '5 → 3',
          'security.ipBlacklist': '[] → ["203.0.113.0/24"]',
        },
      },
    ]);
  });

  it.each([
    [
      'a value out of range',
      { authentication: { maxConcurrentSessions: 0 } },
      'authentication.maxConcurrentSessions',
    ],
    ['a wrong type', { rateLimit: { maxRequests: '100' } }, 'rateLimit.maxRequests'],
    [
      'a bad CIDR',
      { security: { ipBlacklist: ['10.0.0.0/8', '10.0.0.0/33'] } },
      'security.ipBlacklist.1',
    ],
    ['a wildcard origin', { security: { corsOrigins: ['*'] } }, 'security.corsOrigins.0'],
    [
      'an origin with a path',
      { security: { corsOrigins: ['https://a.example/'] } },
      'security.corsOrigins.0',
    ],
    ['an unknown setting', { security: { ipBlacklst: [] } }, 'security.ipBlacklst'],
    ['an unknown group', { extra: {} }, 'extra'],
    ['a prototype key', JSON.parse('{"__proto__": {"polluted": true}}'), '__proto__'],
    ['a group that is not an object', { security: null }, 'security'],
    ['not an object at all', [1], ''],
  ])('refuse %s with 400 ERR_SETTINGS_INVALID and change nothing', async (_case, patch, path) => {
    const events: SecurityEvent[] = [];
    const settings = await createSecuritySettings({ onEvent: (event) => events.push(event) });
    await settings.update({ authentication: { maxConcurrentSessions: 7 } });
    const before = settings.current();
    const error = await rejection(settings.update(patch));
    expect(error).toMatchObject({ status: 400, code: 'ERR_SETTINGS_INVALID' });
    expect((error.extensions as { fields: string[] }).fields).toContain(path);
    expect(settings.version).toBe(1);
    expect(settings.current()).toBe(before);
    expect(events).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('write nothing for a patch that changes nothing', async () => {
    const events: SecurityEvent[] = [];
    const settings = await createSecuritySettings({ onEvent: (event) => events.push(event) });
    await settings.update({ security: { enableIpBlacklist: true } });
    expect(settings.version).toBe(0);
    expect(events).toEqual([]);
  });

  it('hand out getters that keep their value, and the same object, until a change', async () => {
    const settings = await createSecuritySettings();
    const origins = settings.getter((s) => s.security.corsOrigins);
    const rules = settings.getter(ipRulesOf);
    const first = rules();
    expect(rules()).toBe(first);
    await settings.update({ security: { corsOrigins: ['https://b.example'] } });
    expect(origins()).toEqual(['https://b.example']);
    expect(rules()).not.toBe(first);
    const filter = createIpFilter({ rules: rules });
    expect(filter.refusal('203.0.113.1')).toBeUndefined();
    await settings.update({ security: { ipBlacklist: ['203.0.113.0/24'] } });
    expect(filter.refusal('203.0.113.1')).toBe('blocked');
    await settings.update({
      security: { enableIpBlacklist: false, enableIpWhitelist: true, ipWhitelist: ['10.0.0.0/8'] },
    });
    expect(filter.refusal('203.0.113.1')).toBe('not-allowed');
    expect(filter.refusal('10.1.1.1')).toBeUndefined();
  });

  it('see another instance’s change on the next sync, and tell their listeners', async () => {
    const store = new MemorySettingsStore();
    const one = await createSecuritySettings({ store });
    const two = await createSecuritySettings({ store });
    const seen: number[] = [];
    two.onChange((next, previous) =>
      seen.push(previous.rateLimit.maxRequests, next.rateLimit.maxRequests),
    );
    await one.update({ rateLimit: { maxRequests: 50 } });
    expect(two.current().rateLimit.maxRequests).toBe(100);
    await two.sync();
    expect(two.current().rateLimit.maxRequests).toBe(50);
    expect(seen).toEqual([100, 50]);
    // A patch from the stale-free instance applies over the newest version, not its own copy.
    await one.update({ rateLimit: { windowSeconds: 30 } });
    await two.update({ rateLimit: { maxRequests: 60 } });
    expect(two.current().rateLimit).toEqual({ windowSeconds: 30, maxRequests: 60 });
    expect(two.version).toBe(3);
  });

  it('ask the store at most once per maxStalenessMs when told to', async () => {
    const clock = createFakeClock(0);
    const store = new MemorySettingsStore();
    let reads = 0;
    const counting = {
      read: (n: string, v: number) => {
        reads++;
        return store.read(n, v);
      },
      compareAndSet: store.compareAndSet.bind(store),
    };
    const settings = await createSecuritySettings({ store: counting, maxStalenessMs: 1000, clock });
    await settings.sync();
    await settings.sync();
    expect(reads).toBe(1);
    clock.advance(1000);
    await settings.sync();
    expect(reads).toBe(2);
  });

  it('diff leaves, arrays as a whole', () => {
    expect(diffSettings({ a: { b: 1, c: [1, 2] } }, { a: { b: 1, c: [1, 3] } })).toEqual([
      { path: 'a.c', from: [1, 2], to: [1, 3] },
    ]);
  });
});
