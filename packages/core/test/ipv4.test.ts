import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv4, isIPv4, parseIPv4 } from '../src/ip/ipv4.js';

describe('parseIPv4', () => {
  it('accepts canonical dotted quads', () => {
    expect(Array.from(parseIPv4('192.0.2.1') ?? [])).toEqual([192, 0, 2, 1]);
    expect(Array.from(parseIPv4('0.0.0.0') ?? [])).toEqual([0, 0, 0, 0]);
    expect(Array.from(parseIPv4('255.255.255.255') ?? [])).toEqual([255, 255, 255, 255]);
  });

  it.each([
    ['leading zero (octal elsewhere)', '010.0.0.1'],
    ['leading zero in last octet', '10.0.0.01'],
    ['double zero', '00.0.0.0'],
    ['hex', '0x7f.0.0.1'],
    ['short form', '127.1'],
    ['single number', '2130706433'],
    ['octet over 255', '256.0.0.1'],
    ['four digits', '1000.0.0.1'],
    ['five parts', '1.2.3.4.5'],
    ['trailing dot', '1.2.3.4.'],
    ['leading dot', '.1.2.3.4'],
    ['empty octet', '1..2.3'],
    ['spaces', ' 1.2.3.4'],
    ['trailing newline', '1.2.3.4\n'],
    ['sign', '+1.2.3.4'],
    ['full-width digits', '１.2.3.4'],
    ['empty', ''],
    ['port', '1.2.3.4:80'],
    ['cidr', '1.2.3.4/32'],
  ])('refuses %s: %j', (_label, text) => {
    expect(parseIPv4(text)).toBeNull();
    expect(isIPv4(text)).toBe(false);
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9.]{0,20}$/)),
        (text) => {
          const bytes = parseIPv4(text);
          expect(bytes === null || bytes.length === 4).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips every address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (bytes) => {
        const text = formatIPv4(bytes);
        expect(Array.from(parseIPv4(text) ?? [])).toEqual(Array.from(bytes));
      }),
    );
  });

  it('accepts exactly what node:net calls IPv4 among dotted strings of digits', async () => {
    const { isIPv4: nodeIsIPv4 } = await import('node:net');
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,4}(\.[0-9]{1,4}){3}$/), (text) => {
        expect(isIPv4(text)).toBe(nodeIsIPv4(text));
      }),
      { numRuns: 2000 },
    );
  });
});
