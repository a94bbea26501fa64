import { RampartConfigError } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { COMPOSITION_PRESET, createPasswordPolicy } from '../src/index.js';

describe('the default (NIST SP 800-63B-4) policy', () => {
  const policy = createPasswordPolicy();

  it('asks for length, not composition', async () => {
    expect(await policy.check('all lower case words here')).toEqual({ ok: true, failedRules: [] });
    expect((await policy.check('Sh0rt!pass')).failedRules).toEqual(['min-length']);
    expect((await policy.check(`${'x'.repeat(128)}y`)).failedRules).toEqual(['max-length']);
  });

  it('counts code points, not UTF-16 units', async () => {
    const fifteen = '😀😃😄'.repeat(5);
    expect(fifteen.length).toBe(30);
    expect((await policy.check(fifteen)).ok).toBe(true);
    expect((await policy.check([...fifteen].slice(1).join(''))).failedRules).toEqual([
      'min-length',
    ]);
  });

  it('refuses well-known, repetitive and self-describing passwords', async () => {
    expect((await policy.check('correcthorsebatterystaple')).failedRules).toEqual(['common']);
    expect((await policy.check('zzzzzzzzzzzzzzzzzz')).failedRules).toEqual(['repetitive']);
    expect(
      (await policy.check('my name is alice and this', { email: 'alice@example.com' })).failedRules,
    ).toEqual(['contains-context']);
    expect(
      (await policy.check('nothing about her in here', { email: 'alice@example.com' })).ok,
    ).toBe(true);
  });

  it('answers input that is no password with 400 ERR_PASSWORD_INVALID, never a TypeError', async () => {
    for (const value of [
      undefined,
      null,
      123,
      { a: 1 },
      ['x'],
      '',
      'a long enough passphrase \ud800',
    ]) {
      await expect(policy.check(value as string)).rejects.toMatchObject({
        status: 400,
        code: 'ERR_PASSWORD_INVALID',
      });
      await expect(policy.assert(value as string)).rejects.toMatchObject({
        code: 'ERR_PASSWORD_INVALID',
      });
    }
  });

  it('ignores context values that are not strings instead of throwing', async () => {
    const context = { email: 42, userName: { x: 1 }, words: ['acme', 7, null] } as never;
    expect(await policy.check('correct horse battery staple', context)).toEqual({
      ok: true,
      failedRules: [],
    });
    expect((await policy.check('my acme passphrase here', context)).failedRules).toEqual([
      'contains-context',
    ]);
  });

  it('refuses a megabyte password as too long', async () => {
    expect((await policy.check('x'.repeat(1_000_000))).failedRules).toContain('max-length');
  });

  it('assert throws a 400 ERR_PASSWORD_POLICY listing the failed rules', async () => {
    await expect(policy.assert('password')).rejects.toMatchObject({
      status: 400,
      code: 'ERR_PASSWORD_POLICY',
      extensions: { failedRules: ['min-length', 'common'] },
    });
  });

  it('exposes the synchronous rules as a zod schema', () => {
    expect(policy.schema.safeParse('a long enough passphrase').success).toBe(true);
    const result = policy.schema.safeParse('short');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['min-length']);
  });
});

describe('options', () => {
  it('8 characters for accounts with MFA', async () => {
    const policy = createPasswordPolicy({ minLength: 8 });
    expect((await policy.check('tr4in-g0')).ok).toBe(true);
  });

  it('the composition preset requires every character class', async () => {
    const policy = createPasswordPolicy(COMPOSITION_PRESET);
    expect((await policy.check('lowercaseonly')).failedRules).toEqual([
      'uppercase',
      'digit',
      'symbol',
    ]);
    expect((await policy.check('Mixed-Case-42x')).ok).toBe(true);
  });

  it('the breach hook refuses a breached password and fails closed when it cannot answer', async () => {
    const breached = new Set(['a long but leaked passphrase']);
    const policy = createPasswordPolicy({ isBreached: async (password) => breached.has(password) });
    expect((await policy.check('a long but leaked passphrase')).failedRules).toEqual(['breached']);
    expect((await policy.check('a long unleaked passphrase')).ok).toBe(true);
    const down = createPasswordPolicy({
      isBreached: () => {
        throw new Error('ECONNRESET api.pwnedpasswords.com');
      },
    });
    await expect(down.check('a long unleaked passphrase')).rejects.toMatchObject({
      status: 503,
      code: 'ERR_PASSWORD_CHECK_UNAVAILABLE',
    });
  });

  it('skips the breach hook when a cheaper rule already failed', async () => {
    let calls = 0;
    const policy = createPasswordPolicy({ isBreached: () => ++calls > 0 });
    await policy.check('short');
    expect(calls).toBe(0);
  });

  it.each([
    [{ minLength: 6 }, 'createPasswordPolicy.minLength', 'ERR_CONFIG_OUT_OF_RANGE'],
    [{ maxLength: 32 }, 'createPasswordPolicy.maxLength', 'ERR_CONFIG_OUT_OF_RANGE'],
    [{ isBreached: 'yes' }, 'createPasswordPolicy.isBreached', 'ERR_CONFIG_INVALID_VALUE'],
    [{ requireSpecial: true }, 'createPasswordPolicy.requireSpecial', 'ERR_CONFIG_UNKNOWN_OPTION'],
  ])('%o throws naming %s (%s)', (options, option, code) => {
    try {
      createPasswordPolicy(options as never);
      throw new Error('expected a RampartConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(RampartConfigError);
      expect(error).toMatchObject({ option, code });
    }
  });
});
