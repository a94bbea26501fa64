import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createAlerter,
  createAnomalyDetector,
  createAuditTrail,
  MemoryAuditStore,
} from '../src/index.js';
import { PostgresAuditStore } from '../src/postgres.js';
import { testKeyRing } from './helpers/trail.js';

const keyRing = testKeyRing();
const hmacKey = randomBytes(32);

describe('misconfiguration throws at construction, naming the option', () => {
  it.each([
    [
      'a 16-byte hmacKey',
      { hmacKey: randomBytes(16) },
      'createAuditTrail.hmacKey',
      'ERR_CONFIG_SECRET_TOO_SHORT',
    ],
    [
      'an hmacKey that is not base64url',
      { hmacKey: 'not base64url!' },
      'createAuditTrail.hmacKey',
      'ERR_CONFIG_INVALID_TYPE',
    ],
    ['no keyRing', { keyRing: undefined }, 'createAuditTrail.keyRing', 'ERR_CONFIG_INVALID_VALUE'],
    [
      'an unknown option',
      { flushEvery: 3 },
      'createAuditTrail.flushEvery',
      'ERR_CONFIG_UNKNOWN_OPTION',
    ],
    [
      'a chain id with a space',
      { chainId: 'a b' },
      'createAuditTrail.chainId',
      'ERR_CONFIG_INVALID_VALUE',
    ],
    ['a batch of 0', { batchSize: 0 }, 'createAuditTrail.batchSize', 'ERR_CONFIG_OUT_OF_RANGE'],
    [
      'a store that is not one',
      { store: {} },
      'createAuditTrail.store',
      'ERR_CONFIG_INVALID_VALUE',
    ],
  ])('createAuditTrail with %s', (_name, overrides, option, code) => {
    expect(() => createAuditTrail({ hmacKey, keyRing, ...overrides } as never)).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(option) }),
    );
  });

  it('the stores, the alerter and the detector too', () => {
    expect(() => new MemoryAuditStore({ maxRecords: 0 })).toThrow(/MemoryAuditStore\.maxRecords/);
    expect(() => new PostgresAuditStore({ db: {} as never })).toThrow(/PostgresAuditStore\.db/);
    expect(() =>
      createAlerter({ sinks: [], rules: [{ name: 'x y', types: ['LOGIN_FAILURE'] }] }),
    ).toThrow(/createAlerter\.rules\.0\.name/);
    expect(() => createAnomalyDetector({ thresholds: { failedLogins: 0 } })).toThrow(
      /createAnomalyDetector\.thresholds\.failedLogins/,
    );
  });

  it('a base64url hmacKey of 32 bytes is accepted', () => {
    const trail = createAuditTrail({ hmacKey: randomBytes(32).toString('base64url'), keyRing });
    expect(trail.stats().written).toBe(0);
  });
});
