import type { SecurityRequest } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { createCsrfCheck } from '../src/index.js';

const request = (method: string, headers: Record<string, string | string[]>): SecurityRequest => ({
  method,
  url: '/api/v1/sessions',
  headers: { host: 'app.example.com', ...headers },
  ip: '203.0.113.7',
});

const check = createCsrfCheck({ trustedOrigins: ['https://admin.example.com'] });
const verdict = (req: SecurityRequest) => {
  try {
    check(req);
    return 'pass';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('createCsrfCheck', () => {
  it.each([
    [
      'a safe method from anywhere',
      'GET',
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      'pass',
    ],
    ['Sec-Fetch-Site: same-origin', 'POST', { 'sec-fetch-site': 'same-origin' }, 'pass'],
    ['Sec-Fetch-Site: none (typed by the user)', 'POST', { 'sec-fetch-site': 'none' }, 'pass'],
    [
      'a trusted Origin, even cross-site',
      'POST',
      { origin: 'https://admin.example.com', 'sec-fetch-site': 'same-site' },
      'pass',
    ],
    [
      'the own Origin without Fetch Metadata (an older browser)',
      'DELETE',
      { origin: 'https://app.example.com' },
      'pass',
    ],
    ['no Origin and no Fetch Metadata (not a browser)', 'POST', {}, 'pass'],
    [
      'Sec-Fetch-Site: cross-site',
      'POST',
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      'ERR_CSRF',
    ],
    [
      'Sec-Fetch-Site: same-site (a sibling subdomain)',
      'PUT',
      { 'sec-fetch-site': 'same-site' },
      'ERR_CSRF',
    ],
    [
      'another Origin without Fetch Metadata',
      'PATCH',
      { origin: 'https://evil.example' },
      'ERR_CSRF',
    ],
    ['Origin: null (a sandboxed frame)', 'POST', { origin: 'null' }, 'ERR_CSRF'],
    [
      'Origin sent twice',
      'POST',
      { origin: ['https://app.example.com', 'https://evil.example'] },
      'ERR_CSRF',
    ],
  ])('%s → %s', (_, method, headers, expected) => {
    expect(verdict(request(method, headers as Record<string, string>))).toBe(expected);
  });

  describe("missingHeaders: 'refuse'", () => {
    const strict = createCsrfCheck({ missingHeaders: 'refuse' });
    const strictVerdict = (req: SecurityRequest) => {
      try {
        strict(req);
        return 'pass';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };

    it.each([
      ['no Origin and no Fetch Metadata', 'POST', {}, 'ERR_CSRF'],
      ['no Origin and no Fetch Metadata, DELETE', 'DELETE', {}, 'ERR_CSRF'],
      ['a safe method with neither header', 'GET', {}, 'pass'],
      ['the own Origin alone', 'POST', { origin: 'https://app.example.com' }, 'pass'],
      ['Sec-Fetch-Site: same-origin alone', 'PUT', { 'sec-fetch-site': 'same-origin' }, 'pass'],
      ['another Origin', 'PATCH', { origin: 'https://evil.example' }, 'ERR_CSRF'],
    ])('%s → %s', (_, method, headers, expected) => {
      expect(strictVerdict(request(method, headers as Record<string, string>))).toBe(expected);
    });

    it('is refused at start-up when neither allow nor refuse, naming the option', () => {
      expect(() => createCsrfCheck({ missingHeaders: 'block' as unknown as 'refuse' })).toThrow(
        /createCsrfCheck\.missingHeaders/,
      );
    });
  });

  it('refuses a bad trusted origin at start-up, naming the option', () => {
    expect(() => createCsrfCheck({ trustedOrigins: ['https://app.example.com/'] })).toThrow(
      /createCsrfCheck\.trustedOrigins\.0/,
    );
  });
});
