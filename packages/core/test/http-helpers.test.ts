import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRampartError } from '../src/errors/rampart-error.js';
import { assertJsonBodyHeaders, isJsonContentType } from '../src/http/content-type.js';
import { headersFromRaw, headerValues, singleHeader } from '../src/http/headers.js';
import { findPoisonedKey, parseJsonBody } from '../src/http/json-body.js';
import { clientError } from '../src/http/problems.js';
import { declaredContentLength, hasBody } from '../src/http/read-body.js';
import { requestPath } from '../src/http/request-path.js';

const bytes = (text: string) => new TextEncoder().encode(text);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isRampartError(error) ? error.code : `not a RampartError: ${String(error)}`;
  }
}

describe('parseJsonBody', () => {
  it('parses JSON', () => {
    expect(parseJsonBody(bytes(' {"a": [1, "é", null]} '))).toEqual({ a: [1, 'é', null] });
  });

  it.each([
    ['invalid JSON', '{"a":'],
    ['whitespace only', '   '],
    ['__proto__', '{"__proto__":{"x":1}}'],
    ['nested __proto__', '{"a":[{"b":{"__proto__":{}}}]}'],
    ['escaped __proto__', '{"\\u005f_proto__":{"x":1}}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"x":1}}}'],
  ])('refuses %s with ERR_MALFORMED_JSON', (_label, text) => {
    expect(codeOf(() => parseJsonBody(bytes(text)))).toBe('ERR_MALFORMED_JSON');
  });

  it('accepts harmless uses of the names', () => {
    expect(parseJsonBody(bytes('{"constructor":"x","a":"__proto__"}'))).toEqual({
      constructor: 'x',
      a: '__proto__',
    });
  });

  it('refuses invalid UTF-8', () => {
    expect(codeOf(() => parseJsonBody(Uint8Array.of(0x22, 0xff, 0x22)))).toBe('ERR_MALFORMED_JSON');
  });

  it('survives a million nested arrays', () => {
    const deep = `${'['.repeat(500_000)}{"__proto__":1}${']'.repeat(500_000)}`;
    expect(codeOf(() => parseJsonBody(bytes(deep)))).toBe('ERR_MALFORMED_JSON');
    expect(findPoisonedKey(JSON.parse(`${'['.repeat(500_000)}${']'.repeat(500_000)}`))).toBeNull();
  });

  it('throws nothing but RampartError, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.string().map(bytes),
          fc.json().map(bytes),
          fc.json().map((json) => bytes(json.replace('{', '{"__proto__":1,'))),
        ),
        (input) => {
          const code = codeOf(() => parseJsonBody(input));
          expect(code === undefined || code === 'ERR_MALFORMED_JSON').toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('isJsonContentType', () => {
  it.each([
    'application/json',
    'Application/JSON',
    'application/json; charset=utf-8',
    'application/json;charset="UTF-8"',
    'application/json;',
    'application/problem+json',
    'application/vnd.api+json; ext=x',
  ])('accepts %j', (value) => {
    expect(isJsonContentType(value)).toBe(true);
  });

  it.each([
    'text/plain',
    'text/json',
    'application/jsonx',
    'application/+json',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application',
    '',
  ])('refuses %j', (value) => {
    expect(isJsonContentType(value)).toBe(false);
  });

  it('refuses a repeated or missing header', () => {
    expect(isJsonContentType(['application/json', 'text/plain'])).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (value) => void isJsonContentType(value)));
  });

  it('refuses compressed bodies', () => {
    expect(
      codeOf(() =>
        assertJsonBodyHeaders({ 'content-type': 'application/json', 'content-encoding': 'gzip' }),
      ),
    ).toBe('ERR_UNSUPPORTED_CONTENT_ENCODING');
    expect(codeOf(() => assertJsonBodyHeaders({ 'content-type': 'text/plain' }))).toBe(
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    );
    expect(
      codeOf(() => assertJsonBodyHeaders({ 'content-type': 'application/json' })),
    ).toBeUndefined();
  });

  it('refuses a body compressed as a transfer coding, and reads a chunked one', () => {
    // Node de-chunks but never decodes gzip: read as JSON, a gzip, chunked body would be the
    // compressed bytes, which a proxy that decodes transfer codings reads otherwise.
    for (const coding of [
      'gzip, chunked',
      'deflate,chunked',
      'x-custom, chunked',
      ['chunked', 'chunked'],
    ]) {
      expect(
        codeOf(() =>
          assertJsonBodyHeaders({
            'content-type': 'application/json',
            'transfer-encoding': coding,
          }),
        ),
        String(coding),
      ).toBe('ERR_UNSUPPORTED_CONTENT_ENCODING');
    }
    for (const coding of ['chunked', 'Chunked', ' chunked ']) {
      expect(
        codeOf(() =>
          assertJsonBodyHeaders({
            'content-type': 'application/json',
            'transfer-encoding': coding,
          }),
        ),
      ).toBeUndefined();
    }
  });
});

describe('headers', () => {
  it('keeps repeated headers as arrays, in order, with lower-case names', () => {
    const headers = headersFromRaw([
      'X-Nonce',
      'a',
      'Host',
      'h',
      'x-nonce',
      'b',
      'X-NONCE',
      'c',
      '__proto__',
      'p',
    ]);
    expect(headers['x-nonce']).toEqual(['a', 'b', 'c']);
    expect(headers.host).toBe('h');
    expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value).toBe('p');
    expect(Object.getPrototypeOf(headers)).toBeNull();
    expect(headerValues(headers, 'x-nonce')).toEqual(['a', 'b', 'c']);
    expect(headerValues(headers, 'host')).toEqual(['h']);
    expect(headerValues(headers, 'absent')).toEqual([]);
    expect(singleHeader(headers, 'host')).toBe('h');
    expect(singleHeader(headers, 'absent')).toBeUndefined();
    expect(codeOf(() => singleHeader(headers, 'x-nonce'))).toBe('ERR_HEADER_REPEATED');
  });
});

describe('body framing', () => {
  it('sees a body only with Transfer-Encoding or a positive Content-Length', () => {
    expect(hasBody({})).toBe(false);
    expect(hasBody({ 'content-length': '0' })).toBe(false);
    expect(hasBody({ 'content-length': '12' })).toBe(true);
    expect(hasBody({ 'transfer-encoding': 'chunked' })).toBe(true);
  });

  it.each(['', ' 1', '0x10', '1e3', '-1', '1.0', '9999999999999999'])(
    'refuses Content-Length %j',
    (value) => {
      expect(codeOf(() => declaredContentLength({ 'content-length': value }))).toBe(
        'ERR_INVALID_CONTENT_LENGTH',
      );
    },
  );
});

describe('requestPath', () => {
  it('drops the query and keeps the path as received', () => {
    expect(requestPath('/a/../b?x=1&x=2%20')).toBe('/a/../b');
    expect(requestPath('/a%2Fb')).toBe('/a%2Fb');
    expect(requestPath(undefined)).toBe('/');
  });

  it('keeps only the path of an absolute-form target: its authority may carry credentials', () => {
    expect(requestPath('http://user:secret@example.com:8080/login?x=1')).toBe('/login');
    expect(requestPath('https://example.com')).toBe('/');
    expect(requestPath('http://user:secret@example.com?q')).toBe('/');
  });
});

describe('clientError', () => {
  it('keeps the status, gives a stable code and a sentence-case title like our own problems', () => {
    expect(clientError(400)).toMatchObject({
      status: 400,
      code: 'ERR_BAD_REQUEST',
      title: 'Bad request',
    });
    expect(clientError(431)).toMatchObject({
      code: 'ERR_HEADERS_TOO_LARGE',
      title: 'Request header fields too large',
    });
    expect(clientError(499)).toMatchObject({ status: 499, code: 'ERR_CLIENT_ERROR' });
  });
});
