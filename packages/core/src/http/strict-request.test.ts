import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RampartConfigError } from '../errors/configuration-error.js';
import { isRampartError } from '../errors/rampart-error.js';
import { checkPathEncoding } from './path-encoding.js';
import { findRepeatedSingleton, SINGLETON_HEADERS } from './singleton-headers.js';
import { createStrictRequestCheck, DEFAULT_REQUEST_METHODS } from './strict-request.js';

const MALFORMED = /not valid percent-encoding/;
const NEEDLESS = /percent-encodes a letter/;

describe('checkPathEncoding', () => {
  it.each([
    '/',
    '/api/v1/auth/login',
    '/api/v1/entities/a%20b/records', // a space must be escaped
    '/api/v1/entities/a%2Fb/records', // so must a slash inside a segment
    '/api/v1/entities/%C3%A9t%C3%A9/records', // UTF-8
    '/a%25b', // an escaped %
    '/a%3Ab%40c%2C%3B%3D%2B%24%26', // reserved characters, escaped to mean data
    '/a?x=%zz&y=%6c', // the query is not the path
    '/a#%zz',
    'http://example.com/api/v1/me', // absolute form
  ])('accepts %s', (url) => {
    expect(checkPathEncoding(url)).toBeUndefined();
  });

  it.each([
    '/%zz',
    '/%',
    '/a%4',
    '/a%4?x=1',
    '/%ff', // not UTF-8
    '/%C3', // a truncated sequence
    '/%C3%28',
    '/%ED%A0%80', // an encoded surrogate
    '/api/v1/entities/%zz/records',
  ])('refuses %s as malformed (400 ERR_INVALID_PATH)', (url) => {
    const refusal = checkPathEncoding(url);
    expect(refusal).toMatchObject({ status: 400, code: 'ERR_INVALID_PATH' });
    expect(refusal?.detail).toMatch(MALFORMED);
  });

  it('refuses an escape of exactly the characters a path sends as themselves', () => {
    const sentAsThemselves = /^[A-Za-z0-9\-._~!'()*]$/;
    for (let code = 0; code < 128; code++) {
      const character = String.fromCharCode(code);
      const hex = code.toString(16).padStart(2, '0');
      for (const escaped of [`%${hex.toLowerCase()}`, `%${hex.toUpperCase()}`]) {
        const refusal = checkPathEncoding(`/api/x${escaped}y/records`);
        if (sentAsThemselves.test(character)) {
          expect(refusal?.code, escaped).toBe('ERR_INVALID_PATH');
          expect(refusal?.detail, escaped).toMatch(NEEDLESS);
        } else {
          expect(refusal, escaped).toBeUndefined();
        }
      }
    }
  });

  it.each([
    '/api/v1/auth/%6cogin',
    '/api/v1/auth/%6Cogin',
    '/%2e%2e/health',
    '/api/v1/entities/%61bc/records',
  ])('refuses %s: no router may read it another way', (url) => {
    expect(checkPathEncoding(url)?.detail).toMatch(NEEDLESS);
  });

  it('accepts every path a client builds with encodeURIComponent', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 5 }), (segments) => {
        const path = `/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;
        expect(checkPathEncoding(path)).toBeUndefined();
      }),
    );
  });

  it('never throws, whatever the target', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.stringMatching(/^\/[%0-9a-fA-FzZ/?#]{0,24}$/),
        ),
        (url) => {
          const refusal = checkPathEncoding(url);
          expect(refusal === undefined || isRampartError(refusal)).toBe(true);
        },
      ),
    );
  });
});

describe('findRepeatedSingleton', () => {
  it.each(SINGLETON_HEADERS)('refuses %s sent twice, in any letter case', (name) => {
    const upper = name.toUpperCase();
    const refusal = findRepeatedSingleton(['Accept', '*/*', upper, 'a', 'X-Other', 'b', name, 'a']);
    expect(refusal).toMatchObject({ status: 400, code: 'ERR_HEADER_REPEATED' });
    expect(refusal?.detail).toBe(`The ${name} header was sent more than once. Send it once.`);
  });

  it('refuses a repeated Content-Type whichever value comes first', () => {
    for (const values of [
      ['application/json', 'text/plain'],
      ['text/plain', 'application/json'],
      ['application/json', 'application/json'],
    ]) {
      const raw = ['Content-Type', values[0] as string, 'content-type', values[1] as string];
      expect(findRepeatedSingleton(raw)?.detail).toContain('content-type');
    }
  });

  it('names the first header repeated', () => {
    const raw = ['Host', 'a', 'Authorization', 'x', 'authorization', 'y', 'host', 'b'];
    expect(findRepeatedSingleton(raw)?.detail).toContain('authorization');
  });

  it('lets each singleton through once, and repeats of Cookie and list headers', () => {
    const raw = [
      ...SINGLETON_HEADERS.flatMap((name) => [name, 'v']),
      ...['Cookie', 'a=1', 'Cookie', 'b=2', 'Accept', 'text/plain', 'Accept', '*/*'],
      ...['X-Forwarded-For', '10.0.0.1', 'X-Forwarded-For', '10.0.0.2'],
    ];
    expect(findRepeatedSingleton(raw)).toBeUndefined();
    expect(findRepeatedSingleton([])).toBeUndefined();
  });
});

describe('createStrictRequestCheck', () => {
  const strict = createStrictRequestCheck();
  /** An HTTP/1.1 request with one Host header and `raw` after it. */
  const check = (method: string, url: string, raw: readonly string[]) =>
    strict(method, url, ['Host', 'h', ...raw], '1.1');
  const duplicateType = ['Content-Type', 'application/json', 'Content-Type', 'text/plain'];

  it('passes an ordinary request', () => {
    expect(check('POST', '/api/v1/auth/login?x=1', duplicateType.slice(0, 2))).toBeUndefined();
  });

  it.each(['QUERY', 'TRACE', 'CONNECT', 'PROPFIND', 'M-SEARCH'])(
    'refuses %s with 400 ERR_METHOD_NOT_SUPPORTED naming the methods served',
    (method) => {
      const refusal = check(method, '/health', []);
      expect(refusal).toMatchObject({ status: 400, code: 'ERR_METHOD_NOT_SUPPORTED' });
      expect(refusal?.detail).toContain(DEFAULT_REQUEST_METHODS.join(', '));
    },
  );

  it.each(DEFAULT_REQUEST_METHODS)('serves %s', (method) => {
    expect(check(method, '/health', [])).toBeUndefined();
  });

  it('refuses an HTTP/1.1 request without Host with 400 ERR_MALFORMED_REQUEST naming Host', () => {
    const refusal = strict('GET', '/health', ['Accept', '*/*'], '1.1');
    expect(refusal).toMatchObject({ status: 400, code: 'ERR_MALFORMED_REQUEST' });
    expect(refusal?.detail).toContain('Host');
  });

  it.each([
    ['HTTP/1.0 without Host', [], '1.0'],
    ['HTTP/0.9', [], '0.9'],
    ['an empty Host (allowed by RFC 9112)', ['Host', ''], '1.1'],
    ['a Host in another case', ['hOsT', 'h'], '1.1'],
  ] as const)('passes %s', (_name, raw, version) => {
    expect(strict('GET', '/health', raw, version)).toBeUndefined();
  });

  it('answers the path first, then Host, then the method, then the headers, as Fastify meets them', () => {
    expect(check('QUERY', '/%zz', duplicateType)?.code).toBe('ERR_INVALID_PATH');
    expect(check('QUERY', '/%6c', duplicateType)?.code).toBe('ERR_INVALID_PATH');
    expect(strict('QUERY', '/%zz', duplicateType, '1.1')?.code).toBe('ERR_INVALID_PATH');
    expect(strict('QUERY', '/ok', duplicateType, '1.1')?.detail).toContain('Host');
    expect(check('QUERY', '/ok', duplicateType)?.code).toBe('ERR_METHOD_NOT_SUPPORTED');
    expect(check('POST', '/ok', duplicateType)?.code).toBe('ERR_HEADER_REPEATED');
  });

  it('serves the methods given instead', () => {
    const withQuery = createStrictRequestCheck({ methods: [...DEFAULT_REQUEST_METHODS, 'QUERY'] });
    expect(withQuery('QUERY', '/search', ['Host', 'h'], '1.1')).toBeUndefined();
    const getOnly = createStrictRequestCheck({ methods: ['GET'] });
    expect(getOnly('POST', '/x', ['Host', 'h'], '1.1')?.detail).toContain('Use one of GET.');
  });

  it.each([
    [{ method: ['GET'] }, 'strictRequest.method'],
    [{ methods: [] }, 'strictRequest.methods'],
    [{ methods: 'GET' }, 'strictRequest.methods'],
    [{ methods: ['get'] }, 'strictRequest.methods.0'],
    [{ methods: ['BREW'] }, 'strictRequest.methods.0'],
  ])('refuses %j at start-up, naming %s', (options, option) => {
    expect(() => createStrictRequestCheck(options as never)).toThrow(RampartConfigError);
    expect(() => createStrictRequestCheck(options as never)).toThrow(`${option}:`);
  });
});
