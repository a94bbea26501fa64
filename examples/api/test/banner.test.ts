import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { banner } from '../src/banner.js';
import { parseConfig } from '../src/config.js';

const secret = () => randomBytes(32).toString('base64url');

// A second instance on the same store, or this one restarted, reads what this run sealed or
// keyed only with the same secrets: each one the app generates must be printed to be kept.
const STATEFUL = [
  'ADMIN_PASSWORD',
  'JWT_SECRET',
  'SIGNING_KEY_ID',
  'SIGNING_SECRET',
  'ENCRYPTION_KEYS',
  'API_KEY_PEPPER',
  'AUDIT_HMAC_KEY',
];

describe('the start-up banner', () => {
  it('prints every secret it generated, each as the value that keeps it', () => {
    const config = parseConfig(['--store', 'redis'], {});
    const lines = banner(config, 'http://127.0.0.1:3000');
    for (const name of STATEFUL) expect(lines).toContainEqual(expect.stringMatching(`^  ${name}=`));
    const printed = Object.fromEntries(
      lines
        .filter((line) => /^ {2}[A-Z_]+=/.test(line))
        .map((line) => [line.slice(2, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    // Given back, the printed values configure the same secrets.
    const again = parseConfig(['--store', 'redis'], printed);
    expect(again.mfa.encryptionKeys.value).toEqual(config.mfa.encryptionKeys.value);
    expect(again.apiKeys.pepper.value).toBe(config.apiKeys.pepper.value);
    expect(again.audit.hmacKey.value).toBe(config.audit.hmacKey.value);
    expect(again.jwt.secret.value).toBe(config.jwt.secret.value);
  });

  it('never prints a secret the operator set', () => {
    const env = {
      ADMIN_PASSWORD: 'an-admin-password',
      JWT_SECRET: secret(),
      SIGNING_KEY_ID: 'client-1',
      SIGNING_SECRET: secret(),
      ENCRYPTION_KEYS: `k1:${secret()}`,
      API_KEY_PEPPER: secret(),
      AUDIT_HMAC_KEY: secret(),
    };
    const lines = banner(parseConfig([], env), 'http://127.0.0.1:3000').join('\n');
    for (const value of Object.values(env)) expect(lines).not.toContain(value);
    expect(lines).not.toMatch(/Generated for this run/);
  });
});
