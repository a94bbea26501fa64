import { isIPv6 as nodeIsIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeIp, parseIpBytes } from '../src/ip/address.js';
import { formatIPv6, isIPv6, parseIPv6 } from '../src/ip/ipv6.js';

function hex(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes).toString('hex');
}

describe('parseIPv6', () => {
  it.each([
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1::', '00010000000000000000000000000000'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['2001:DB8:0:0:0:0:0:1', '20010db8000000000000000000000001'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['::FFFF:c000:0201', '00000000000000000000ffffc0000201'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
    ['fe80::1', 'fe800000000000000000000000000001'],
  ])('parses %s', (text, expected) => {
    expect(hex(parseIPv6(text))).toBe(expected);
  });

  it.each([
    ['zone id', 'fe80::1%eth0'],
    ['numeric zone id', 'fe80::1%1'],
    ['brackets', '[::1]'],
    ['prefix', '::1/128'],
    ['two ::', '1::2::3'],
    [':::', ':::'],
    ['nine groups', '1:2:3:4:5:6:7:8:9'],
    ['seven groups, no ::', '1:2:3:4:5:6:7'],
    [':: standing for nothing', '1:2:3:4::5:6:7:8'],
    ['five hex digits', '12345::'],
    ['leading colon', ':1:2:3:4:5:6:7:8'],
    ['trailing colon', '1:2:3:4:5:6:7:8:'],
    ['ipv4 in the middle', '1.2.3.4::'],
    ['ipv4 too late', '1:2:3:4:5:6:7:1.2.3.4'],
    ['ipv4 with leading zero', '::ffff:01.2.3.4'],
    ['non-hex', '::g'],
    ['space', ':: 1'],
    ['plain ipv4', '1.2.3.4'],
    ['empty', ''],
    ['single colon', ':'],
  ])('refuses %s: %j', (_label, text) => {
    expect(parseIPv6(text)).toBeNull();
    expect(isIPv6(text)).toBe(false);
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.stringMatching(/^[0-9a-fA-F:.%]{0,48}$/),
        ),
        (text) => {
          const bytes = parseIPv6(text);
          expect(bytes === null || bytes.length === 16).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('agrees with node:net on hex-and-colon strings', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f:]{0,39}$/), (text) => {
        expect(isIPv6(text)).toBe(nodeIsIPv6(text));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('formatIPv6', () => {
  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
  ])('writes %s as %s (RFC 5952)', (text, expected) => {
    expect(formatIPv6(parseIPv6(text) as Uint8Array)).toBe(expected);
  });

  it('round-trips every address through its canonical form', () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    });
    fc.assert(
      fc.property(groups, (values) => {
        const bytes = new Uint8Array(16);
        values.forEach((value, i) => {
          bytes[2 * i] = value >> 8;
          bytes[2 * i + 1] = value & 0xff;
        });
        const text = formatIPv6(bytes);
        expect(hex(parseIPv6(text))).toBe(hex(bytes));
        // Canonical means a fixed point, and what Node's URL parser prints too.
        expect(formatIPv6(parseIPv6(text) as Uint8Array)).toBe(text);
        expect(new URL(`http://[${values.map((v) => v.toString(16)).join(':')}]/`).hostname).toBe(
          `[${text}]`,
        );
      }),
      { numRuns: 2000 },
    );
  });
});

describe('normalizeIp', () => {
  it('reads IPv4-mapped IPv6 as IPv4, in both spellings', () => {
    expect(normalizeIp('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(normalizeIp('::ffff:102:304')).toBe('1.2.3.4');
    expect(normalizeIp('0:0:0:0:0:FFFF:0102:0304')).toBe('1.2.3.4');
    // IPv4-compatible (deprecated) and NAT64 addresses are IPv6, not IPv4.
    expect(normalizeIp('::1.2.3.4')).toBe('::102:304');
    expect(normalizeIp('64:ff9b::1.2.3.4')).toBe('64:ff9b::102:304');
  });

  it('maps every IPv4-mapped address to the IPv4 it carries', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        const [a, b, c, d] = v4.split('.').map((part) => Number(part)) as [
          number,
          number,
          number,
          number,
        ];
        const hexForm = `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        expect(normalizeIp(`::ffff:${v4}`)).toBe(v4);
        expect(normalizeIp(hexForm)).toBe(v4);
        expect(normalizeIp(v4)).toBe(v4);
      }),
    );
  });

  it('never throws and returns a canonical fixed point', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.ipV4Extended()), (text) => {
        const normal = normalizeIp(text);
        if (normal !== null) expect(normalizeIp(normal)).toBe(normal);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every address fast-check generates, and agrees on its bytes with node:net', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        expect(parseIpBytes(text)).not.toBeNull();
        expect(nodeIsIPv6(text)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
