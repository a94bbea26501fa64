import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RampartConfigError } from '../src/errors/configuration-error.js';
import { parseCidr, parseCidrList } from '../src/ip/cidr.js';
import { createClientIpResolver, UNKNOWN_CLIENT_IP } from '../src/ip/client-ip.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Any IPv4 or IPv6 text, in any spelling fast-check knows. */
const anyIp = fc.oneof(fc.ipV4(), fc.ipV6());

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8', 4],
    ['10.1.2.3/8', '10.0.0.0/8', 4],
    ['192.0.2.1', '192.0.2.1/32', 4],
    ['0.0.0.0/0', '0.0.0.0/0', 4],
    ['::1', '::1/128', 6],
    ['::1/128', '::1/128', 6],
    ['2001:db8::/32', '2001:db8::/32', 6],
    ['2001:db8:ffff::/32', '2001:db8::/32', 6],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8', 4],
    ['::/0', '::/0', 6],
    ['fe80::/10', 'fe80::/10', 6],
  ])('parses %s as %s', (text, cidr, family) => {
    expect(parseCidr(text)).toMatchObject({ cidr, family });
  });

  it.each([
    '10.0.0.0/33',
    '10.0.0.0/08',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    '::/129',
    '10.0.0.0/255.0.0.0',
    ' 10.0.0.0/8',
    'fe80::/10%eth0',
    'localhost',
    '',
  ])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeNull();
  });

  it('never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f:.]{1,20}\/[0-9]{0,4}$/)),
        (text) => {
          parseCidr(text);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('parseCidrList', () => {
  it('expands presets', () => {
    expect(parseCidrList(['loopback'], 'trustedProxies').map((range) => range.cidr)).toEqual([
      '127.0.0.0/8',
      '::1/128',
    ]);
  });

  it('names the bad entry in the error', () => {
    expect(() => parseCidrList(['10.0.0.0/8', '::1', '10.0.0.0/33'], 'trustedProxies')).toThrow(
      expect.objectContaining({ name: 'RampartConfigError', option: 'trustedProxies[2]' }),
    );
  });
});

describe('createClientIpResolver: configuration', () => {
  it('says whether X-Forwarded-For can change an answer: only when a proxy is trusted', () => {
    expect(createClientIpResolver().trustsProxies).toBe(false);
    expect(createClientIpResolver({ trustedProxies: ['10.0.0.0/8'] }).trustsProxies).toBe(true);
  });

  it('throws RampartConfigError naming a bad CIDR', () => {
    try {
      createClientIpResolver({ trustedProxies: ['loopback', '10.0.0.0/8', 'not-an-ip'] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RampartConfigError);
      expect((error as RampartConfigError).option).toBe('createClientIpResolver.trustedProxies[2]');
      expect((error as RampartConfigError).code).toBe('ERR_CONFIG_INVALID_VALUE');
      expect((error as Error).message).toMatch(
        /^createClientIpResolver\.trustedProxies\[2\]: "not-an-ip" is not/,
      );
    }
  });

  it.each([0, 129, 1.5, Number.NaN, '64'])('refuses ipv6PrefixLength %j', (value) => {
    expect(() => createClientIpResolver({ ipv6PrefixLength: value as number })).toThrow(
      expect.objectContaining({ option: 'createClientIpResolver.ipv6PrefixLength' }),
    );
  });

  it('refuses a non-string entry and an unknown option', () => {
    expect(() =>
      createClientIpResolver({ trustedProxies: ['::1', 7 as unknown as string] }),
    ).toThrow(
      expect.objectContaining({
        option: 'createClientIpResolver.trustedProxies.1',
        code: 'ERR_CONFIG_INVALID_TYPE',
      }),
    );
    expect(() => createClientIpResolver({ trustedProxy: ['::1'] } as never)).toThrow(
      expect.objectContaining({
        option: 'createClientIpResolver.trustedProxy',
        code: 'ERR_CONFIG_UNKNOWN_OPTION',
        docs: 'docs/errors.md#err_config_unknown_option',
      }),
    );
  });

  it('returns a frozen resolver', () => {
    const resolver = createClientIpResolver();
    expect(Object.isFrozen(resolver)).toBe(true);
  });

  it('warns once per process about permissive ranges, not about presets or narrow ranges', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    createClientIpResolver({
      trustedProxies: ['loopback', 'linklocal', 'uniquelocal', '10.0.0.0/8', '2001:db8::/32'],
    });
    expect(warn).not.toHaveBeenCalled();
    createClientIpResolver({ trustedProxies: ['10.0.0.0/8', '0.0.0.0/0', '::/0'] });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toContain('trustedProxies[1] = 0.0.0.0/0');
    expect(warn.mock.calls[0]?.[0]).toContain('trustedProxies[2] = ::/0');
    expect(warn.mock.calls[0]?.[1]).toEqual({ code: 'RAMPART_PERMISSIVE_TRUST_PROXY' });
    createClientIpResolver({ trustedProxies: ['0.0.0.0/1'] });
    createClientIpResolver({ trustedProxies: ['2000::/3'] });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('createClientIpResolver: resolve', () => {
  const direct = createClientIpResolver();
  const behindProxy = createClientIpResolver({
    trustedProxies: ['10.0.0.0/8', '2001:db8:ffff::/48'],
  });

  it('uses the socket peer when no proxy is trusted, ignoring X-Forwarded-For', () => {
    expect(direct.resolve('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
    expect(direct.resolve('::ffff:203.0.113.9', undefined)).toBe('203.0.113.9');
    expect(direct.resolve('2001:DB8::0001', undefined)).toBe('2001:db8::1');
  });

  it('uses the socket peer when the peer is not trusted', () => {
    expect(behindProxy.resolve('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it('walks X-Forwarded-For right to left past trusted hops', () => {
    expect(behindProxy.resolve('10.0.0.1', '198.51.100.1')).toBe('198.51.100.1');
    expect(behindProxy.resolve('10.0.0.1', '6.6.6.6, 198.51.100.1, 10.0.0.2, 10.0.0.3')).toBe(
      '198.51.100.1',
    );
    expect(behindProxy.resolve('::ffff:10.0.0.1', '198.51.100.1,10.9.9.9')).toBe('198.51.100.1');
    expect(behindProxy.resolve('2001:db8:ffff::1', '2001:db8:1::5')).toBe('2001:db8:1::5');
  });

  it('reads several X-Forwarded-For headers as one list, in order', () => {
    expect(behindProxy.resolve('10.0.0.1', ['6.6.6.6, 198.51.100.1', '10.0.0.2'])).toBe(
      '198.51.100.1',
    );
    expect(behindProxy.resolve('10.0.0.1', ['198.51.100.1', '10.0.0.2, 10.0.0.3'])).toBe(
      '198.51.100.1',
    );
  });

  it('returns the furthest trusted hop when every hop is trusted', () => {
    expect(behindProxy.resolve('10.0.0.1', '10.0.0.2, 10.0.0.3')).toBe('10.0.0.2');
    expect(behindProxy.resolve('10.0.0.1', undefined)).toBe('10.0.0.1');
  });

  it('stops at a malformed entry and uses the last trusted hop, never the text', () => {
    expect(behindProxy.resolve('10.0.0.1', 'evil, 10.0.0.2')).toBe('10.0.0.2');
    expect(behindProxy.resolve('10.0.0.1', '198.51.100.1, <script>')).toBe('10.0.0.1');
    expect(behindProxy.resolve('10.0.0.1', '198.51.100.1,,10.0.0.2')).toBe('10.0.0.2');
    expect(behindProxy.resolve('10.0.0.1', '')).toBe('10.0.0.1');
    expect(behindProxy.resolve('10.0.0.1', 'unknown')).toBe('10.0.0.1');
    expect(behindProxy.resolve('10.0.0.1', '010.0.0.1')).toBe('10.0.0.1');
    expect(behindProxy.resolve('10.0.0.1', 'fe80::1%eth0')).toBe('10.0.0.1');
  });

  it('accepts ports and brackets as load balancers write them', () => {
    expect(behindProxy.resolve('10.0.0.1', '198.51.100.1:4711')).toBe('198.51.100.1');
    expect(behindProxy.resolve('10.0.0.1', '[2001:db8:1::5]:443')).toBe('2001:db8:1::5');
    expect(behindProxy.resolve('10.0.0.1', '[2001:db8:1::5]')).toBe('2001:db8:1::5');
    expect(behindProxy.resolve('10.0.0.1', '198.51.100.1:99999')).toBe('10.0.0.1');
    expect(behindProxy.resolve('10.0.0.1', '[1.2.3.4]:80')).toBe('10.0.0.1');
  });

  it('drops the zone id of a link-local socket peer', () => {
    expect(direct.resolve('fe80::1%eth0', undefined)).toBe('fe80::1');
    expect(direct.resolve('fe80::1%', undefined)).toBe(UNKNOWN_CLIENT_IP);
  });

  it('answers UNKNOWN_CLIENT_IP without a usable socket address, and then ignores the header', () => {
    expect(behindProxy.resolve(undefined, '198.51.100.1')).toBe(UNKNOWN_CLIENT_IP);
    expect(behindProxy.resolve('garbage', '198.51.100.1')).toBe(UNKNOWN_CLIENT_IP);
  });

  it('trusts IPv4 proxies however the socket spells them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.ipV4(), (host, client) => {
        const proxy = `10.${host >> 16}.${(host >> 8) & 0xff}.${host & 0xff}`;
        fc.pre(!client.startsWith('10.'));
        expect(behindProxy.resolve(`::ffff:${proxy}`, client)).toBe(client);
        expect(behindProxy.resolve(proxy, client)).toBe(client);
      }),
    );
  });

  it('resolves to the peer whatever X-Forwarded-For an untrusted peer rotates through', () => {
    fc.assert(
      fc.property(
        fc.ipV4().filter((ip) => !ip.startsWith('10.')),
        fc.array(fc.oneof(anyIp, fc.string()), { maxLength: 8 }),
        (peer, forwarded) => {
          expect(behindProxy.resolve(peer, forwarded.join(', '))).toBe(peer);
          expect(behindProxy.resolve(peer, forwarded)).toBe(peer);
        },
      ),
    );
  });

  it('never throws and always returns a canonical IP', () => {
    const everything = createClientIpResolver({ trustedProxies: ['0.0.0.0/0', '::/0'] });
    fc.assert(
      fc.property(
        fc.option(fc.oneof(anyIp, fc.string()), { nil: undefined }),
        fc.option(fc.oneof(fc.string(), fc.array(fc.oneof(anyIp, fc.string()))), {
          nil: undefined,
        }),
        (socket, forwarded) => {
          for (const resolver of [direct, behindProxy, everything]) {
            const ip = resolver.resolve(socket, forwarded);
            expect(createClientIpResolver().resolve(ip, undefined)).toBe(ip);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('createClientIpResolver: key', () => {
  const resolver = createClientIpResolver();

  it('keys IPv4 as is and IPv6 by its /64', () => {
    expect(resolver.key('192.0.2.1')).toBe('192.0.2.1');
    expect(resolver.key('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(resolver.key('2001:db8::1')).toBe('2001:db8::/64');
    expect(resolver.key('not an ip')).toBe(UNKNOWN_CLIENT_IP);
  });

  it('honours ipv6PrefixLength', () => {
    expect(createClientIpResolver({ ipv6PrefixLength: 48 }).key('2001:db8:1:2::1')).toBe(
      '2001:db8:1::/48',
    );
    expect(createClientIpResolver({ ipv6PrefixLength: 128 }).key('2001:db8::1')).toBe(
      '2001:db8::1/128',
    );
    expect(createClientIpResolver({ ipv6PrefixLength: 60 }).key('2001:db8:0:1f::1')).toBe(
      '2001:db8:0:10::/60',
    );
  });

  it('gives every address of one /64 the same key', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (network, hostA, hostB) => {
          fc.pre(!network.every((byte) => byte === 0));
          const a = ipv6Text(network, hostA);
          const b = ipv6Text(network, hostB);
          expect(resolver.key(resolver.resolve(a, undefined))).toBe(
            resolver.key(resolver.resolve(b, undefined)),
          );
        },
      ),
    );
  });

  it('resolves and keys ::ffff:a.b.c.d as a.b.c.d', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        const ip = resolver.resolve(`::ffff:${v4}`, undefined);
        expect(ip).toBe(v4);
        expect(resolver.key(ip)).toBe(v4);
        expect(resolver.key(`::ffff:${v4}`)).toBe(v4);
      }),
    );
  });
});

function ipv6Text(network: Uint8Array, host: Uint8Array): string {
  const bytes = [...network, ...host];
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}
