import { RampartConfigError } from '@rampart/core';
import { tokenChecksum } from '@rampart/crypto';
import { describe, expect, it, vi } from 'vitest';
import { createApiKeyFormat, MemoryApiKeyStore } from '../src/index.js';
import { serviceOn } from './helpers/service.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('the key format', () => {
  const format = createApiKeyFormat();

  it('is rk_<env>_<16 id>_<43 secret><6 checksum> and parses back to its parts', () => {
    const key = format.generate('live', 'AbCdEfGh01234567');
    expect(key).toMatch(/^rk_live_AbCdEfGh01234567_[0-9A-Za-z]{49}$/);
    expect(tokenChecksum(key.slice(0, -6))).toBe(key.slice(-6));
    expect(format.parse(key)).toEqual({
      environment: 'live',
      id: 'AbCdEfGh01234567',
      secret: key.slice(25, 68),
    });
    const test = format.generate('test', 'AbCdEfGh01234567');
    expect(format.parse(test)?.environment).toBe('test');
    expect(format.displayPrefix('live', 'AbCdEfGh01234567')).toBe('rk_live_AbCdEfGh01234567');
  });

  it('publishes a scanner regex that finds keys in text and nothing shorter', () => {
    const a = format.generate('live', '0000000000000001');
    const b = format.generate('test', '0000000000000002');
    const text = `config: API_KEY=${a}\n  other=${b}; not=${a.slice(0, -1)} rk_live_short`;
    expect(text.match(format.scanPattern)).toEqual([a, b]);
  });

  it('refuses anything that is not a key, whatever it is, without throwing', () => {
    const key = format.generate('live', '0000000000000001');
    for (const input of [
      undefined,
      null,
      42,
      {},
      [key],
      '',
      key.slice(0, -1),
      `${key}x`,
      ` ${key}`,
      key.replace('rk_live', 'rk_prod'),
      key.replace('rk_', 'RK_'),
      'x'.repeat(100_000),
    ]) {
      expect(format.parse(input)).toBeUndefined();
    }
  });

  it('names the option at fault in a bad format', () => {
    expect(() => createApiKeyFormat({ prefix: 'rk_' })).toThrow(RampartConfigError);
    expect(() => createApiKeyFormat({ environments: [] })).toThrow(/environments/);
    expect(() => createApiKeyFormat({ secretBytes: 8 })).toThrow(/secretBytes/);
  });

  it('keeps a configured prefix and environments', () => {
    const acme = createApiKeyFormat({
      prefix: 'acme',
      environments: ['prod', 'dev'],
      secretBytes: 16,
    });
    const key = acme.generate('dev', '0000000000000001');
    expect(key).toMatch(/^acme_dev_0000000000000001_[0-9A-Za-z]{28}$/);
    expect(acme.parse(key)?.environment).toBe('dev');
    expect(format.parse(key)).toBeUndefined();
  });
});

describe('a key changed in any one character', () => {
  it('is refused before the store is touched, for every position and every replacement', async () => {
    const store = new MemoryApiKeyStore();
    const { apiKeys } = serviceOn(store, { failureThrottle: false });
    const { key } = await apiKeys.create({ ownerId: 'u1', name: 'k', scopes: ['entities:read'] });
    const verify = vi.spyOn(store, 'verify');
    const replacements = [...BASE62, '_', '-', ' ', '.', '\u0000', 'é'];
    let tried = 0;
    for (let position = 0; position < key.length; position++) {
      for (const replacement of replacements) {
        if (replacement === key[position]) continue;
        const changed = key.slice(0, position) + replacement + key.slice(position + 1);
        const result = await apiKeys.verify(changed);
        expect(result.valid).toBe(false);
        if (!result.valid) expect(result.code).toBe('ERR_API_KEY_INVALID');
        tried++;
      }
      // Dropped and doubled characters too: a truncated or stuttering paste.
      for (const changed of [
        key.slice(0, position) + key.slice(position + 1),
        key.slice(0, position) + key[position] + key.slice(position),
      ]) {
        expect((await apiKeys.verify(changed)).valid).toBe(false);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(5000);
    expect(verify).not.toHaveBeenCalled();
    expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(verify).toHaveBeenCalledTimes(1);
  });
});
