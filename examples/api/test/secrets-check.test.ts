import { randomBytes } from 'node:crypto';
import { MemorySettingsStore } from '@rampart/core';
import { createKeyRing } from '@rampart/crypto';
import { describe, expect, it, vi } from 'vitest';
import { runAppToExit, startApp } from '../src/demo/app-process.js';
import { checkSecretsMatchStore, type StoredStateSecrets } from '../src/secrets-check.js';
import { testSecrets } from './api-client.js';
import { available, pg, redisPrefix } from './store-isolation.js';

vi.setConfig({ testTimeout: 60_000 });

const secret = () => randomBytes(32).toString('base64url');
const keyBytes = new Map<string, Buffer>();
const keyOf = (id: string) => keyBytes.get(id) ?? keyBytes.set(id, randomBytes(32)).get(id);
const ring = (...ids: string[]) =>
  createKeyRing({ keys: ids.map((id) => ({ id, key: keyOf(id) as Buffer })) });
const secrets = (overrides: Partial<StoredStateSecrets> = {}): StoredStateSecrets => ({
  keyRing: ring('k1'),
  apiKeyPepper: 'pepper-one-pepper-one-pepper-one-pepper-one',
  auditHmacKey: 'audit-one-audit-one-audit-one-audit-one-audi',
  ...overrides,
});

describe('checkSecretsMatchStore', () => {
  it('accepts the secrets the store was first keyed with, and names each one that differs', async () => {
    const store = new MemorySettingsStore();
    await checkSecretsMatchStore(store, secrets(), 'the store');
    await checkSecretsMatchStore(store, secrets(), 'the store');
    await expect(
      checkSecretsMatchStore(store, secrets({ keyRing: ring('k2') }), 'the store'),
    ).rejects.toMatchObject({ option: 'ENCRYPTION_KEYS' });
    await expect(
      checkSecretsMatchStore(store, secrets({ apiKeyPepper: 'another' }), 'the store'),
    ).rejects.toMatchObject({ option: 'API_KEY_PEPPER' });
    await expect(
      checkSecretsMatchStore(store, secrets({ auditHmacKey: 'another' }), 'the store'),
    ).rejects.toMatchObject({ option: 'AUDIT_HMAC_KEY' });
  });

  it('follows a key rotation: the new ring reseals, so the old key may go afterwards', async () => {
    const store = new MemorySettingsStore();
    await checkSecretsMatchStore(store, secrets({ keyRing: ring('k1') }), 'the store');
    // k2 first (it seals), k1 kept (it still opens): accepted, and resealed with k2.
    await checkSecretsMatchStore(store, secrets({ keyRing: ring('k2', 'k1') }), 'the store');
    await checkSecretsMatchStore(store, secrets({ keyRing: ring('k2') }), 'the store');
    await expect(
      checkSecretsMatchStore(store, secrets({ keyRing: ring('k1') }), 'the store'),
    ).rejects.toMatchObject({ option: 'ENCRYPTION_KEYS' });
  });
});

describe.each(['redis', 'postgres'] as const)('a restart on %s', (store) => {
  it.skipIf(!available[store])(
    'with another ENCRYPTION_KEYS or API_KEY_PEPPER stops at start-up naming it; the same ones start',
    async () => {
      const isolation: Record<string, string> =
        store === 'redis'
          ? { RAMPART_KEY_PREFIX: `${redisPrefix?.prefix}restart:` }
          : { DATABASE_SCHEMA: pg?.schema as string };
      const first = testSecrets();
      const args = ['--port', '0', '--store', store];
      const app = await startApp({ args, env: { ...isolation, ...first } });
      await app.stop();

      for (const variable of ['ENCRYPTION_KEYS', 'API_KEY_PEPPER', 'AUDIT_HMAC_KEY']) {
        const changed = {
          ...first,
          [variable]: variable === 'ENCRYPTION_KEYS' ? `other:${secret()}` : secret(),
        };
        const exit = await runAppToExit({ args, env: { ...isolation, ...changed } });
        expect(exit.code, exit.stderr).toBe(2);
        expect(exit.stderr).toMatch(new RegExp(`^example-api: ${variable}: `, 'm'));
        expect(exit.stdout).not.toContain('Listening on');
      }
      const again = await startApp({ args, env: { ...isolation, ...first } });
      await again.stop();
    },
  );
});
