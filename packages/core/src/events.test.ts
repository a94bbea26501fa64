import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from './clock.js';
import {
  createEventEmitter,
  emitEvent,
  SECURITY_EVENT_TYPES,
  type SecurityEvent,
} from './events.js';

const event: SecurityEvent = {
  type: 'INVALID_NONCE',
  severity: 'warning',
  at: 0,
  source: '@rampart/test',
};

describe('emitEvent', () => {
  afterEach(() => vi.restoreAllMocks());

  it('delivers the event to the hook', () => {
    const seen: SecurityEvent[] = [];
    emitEvent((e) => seen.push(e), event);
    expect(seen).toEqual([event]);
  });

  it('survives a throwing hook and warns once', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const throwing = () => {
      throw new Error('sink down');
    };
    expect(() => emitEvent(throwing, event)).not.toThrow();
    expect(() => emitEvent(throwing, event)).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[1]).toMatchObject({ code: 'RAMPART_EVENT_HOOK_FAILED' });
  });

  it('catalogues each type once', () => {
    expect(new Set(SECURITY_EVENT_TYPES).size).toBe(SECURITY_EVENT_TYPES.length);
    expect(SECURITY_EVENT_TYPES).toContain('LOGIN_SUCCESS');
    expect(SECURITY_EVENT_TYPES).toContain('API_KEY_COMPROMISED');
  });
});

describe('createEventEmitter', () => {
  afterEach(() => vi.restoreAllMocks());

  it("stamps each event with the package's source and the time on its clock", () => {
    const clock = createFakeClock(1_000);
    const seen: SecurityEvent[] = [];
    const emit = createEventEmitter({
      source: '@rampart/test',
      clock,
      onEvent: (e) => seen.push(e),
    });
    emit({
      type: 'INVALID_TOKEN',
      severity: 'warning',
      code: 'ERR_TOKEN_INVALID',
      reason: 'revoked',
    });
    clock.advance(500);
    emit({ type: 'TOKEN_ISSUED', severity: 'info', userId: 'alice' });
    expect(seen).toEqual([
      {
        type: 'INVALID_TOKEN',
        severity: 'warning',
        code: 'ERR_TOKEN_INVALID',
        reason: 'revoked',
        at: 1_000,
        source: '@rampart/test',
      },
      {
        type: 'TOKEN_ISSUED',
        severity: 'info',
        userId: 'alice',
        at: 1_500,
        source: '@rampart/test',
      },
    ]);
  });

  it('reads no clock without a hook, and survives a throwing hook', () => {
    const clock = { now: vi.fn(() => 0) };
    createEventEmitter({ source: '@rampart/test', clock })({ type: 'LOGOUT', severity: 'info' });
    expect(clock.now).not.toHaveBeenCalled();
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const emit = createEventEmitter({
      source: '@rampart/test',
      onEvent: () => {
        throw new Error('sink down');
      },
    });
    expect(() => emit({ type: 'LOGOUT', severity: 'info' })).not.toThrow();
  });
});
