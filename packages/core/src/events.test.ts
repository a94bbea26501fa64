import { afterEach, describe, expect, it, vi } from 'vitest';
import { emitEvent, SECURITY_EVENT_TYPES, type SecurityEvent } from './events.js';

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
