import { describe, expect, it } from 'vitest';
import { BusyError, StoreUnavailableError } from './common-errors.js';
import { isRampartError, problemType, RampartError } from './rampart-error.js';

describe('RampartError', () => {
  it('renders an RFC 9457 problem with its code and extension members', () => {
    const error = new RampartError({
      status: 429,
      code: 'ERR_RATE_LIMIT_EXCEEDED',
      title: 'Too many requests',
      detail: 'Retry after 30 seconds.',
      headers: { 'Retry-After': '30' },
      extensions: { retryAfter: 30, policy: 'burst' },
    });
    expect(error.toProblem('/api/v1/auth/login')).toEqual({
      type: 'urn:rampart:problem:err-rate-limit-exceeded',
      title: 'Too many requests',
      status: 429,
      detail: 'Retry after 30 seconds.',
      instance: '/api/v1/auth/login',
      code: 'ERR_RATE_LIMIT_EXCEEDED',
      retryAfter: 30,
      policy: 'burst',
    });
    expect(error.headers).toEqual({ 'Retry-After': '30' });
  });

  it('does not let an extension overwrite a standard member', () => {
    const error = new RampartError({
      status: 400,
      code: 'ERR_X',
      title: 'Bad request',
      detail: 'd',
      extensions: { status: 'spoofed', type: 'spoofed' },
    });
    expect(error.toProblem()).toMatchObject({ status: 400, type: problemType('ERR_X') });
  });

  it('is recognised across package copies by shape', () => {
    expect(isRampartError(new StoreUnavailableError('redis-nonce-store'))).toBe(true);
    expect(isRampartError(new Error('x'))).toBe(false);
    expect(isRampartError({ status: 400, code: 'X' })).toBe(false);
  });

  it('StoreUnavailableError is a 503 that says to retry and names no internals', () => {
    const error = new StoreUnavailableError(
      'redis-nonce-store',
      new Error('connect ECONNREFUSED 10.0.0.5:6379'),
    );
    expect(error.status).toBe(503);
    expect(error.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(error.headers['Retry-After']).toBe('1');
    expect(JSON.stringify(error.toProblem())).not.toContain('10.0.0.5');
  });

  it('BusyError is a 503 ERR_BUSY with Retry-After, naming the resource only to the server', () => {
    const error = new BusyError('password-hasher');
    expect(error.status).toBe(503);
    expect(error.code).toBe('ERR_BUSY');
    expect(error.headers).toEqual({ 'Retry-After': '1' });
    expect(error.resource).toBe('password-hasher');
    expect(error.toProblem()).toMatchObject({ retryAfter: 1, status: 503 });
    expect(JSON.stringify(error.toProblem())).not.toContain('password-hasher');
    expect(new BusyError('x', 5).headers['Retry-After']).toBe('5');
    expect(isRampartError(error)).toBe(true);
  });
});
