import { describe, expect, it } from 'vitest';
import { BusyError, StoreFullError, StoreUnavailableError } from '../errors/common-errors.js';
import { mapError } from './error-mapping.js';

describe('mapError: which 5xx are logged as faults', () => {
  it('sends a BusyError as is and does not log it: load shedding, at a flood’s rate', () => {
    const busy = new BusyError('password-hasher');
    expect(mapError(busy)).toEqual({ error: busy, unexpected: false });
  });

  it('logs every other 5xx: store failures and anything that is no RampartError', () => {
    expect(mapError(new StoreUnavailableError('redis-nonce-store')).unexpected).toBe(true);
    expect(mapError(new StoreFullError('memory-nonce-store', 10)).unexpected).toBe(true);
    const unknown = mapError(new Error('boom'));
    expect(unknown).toMatchObject({ unexpected: true, error: { status: 500 } });
  });
});
