import { randomBytes } from 'node:crypto';
import { createFakeClock, type FakeClock, type SecurityEvent } from '@rampart/core';
import { createKeyRing } from '@rampart/crypto';
import {
  type ApiKeyStore,
  type ApiKeys,
  type ApiKeysOptions,
  createApiKeys,
} from '../../src/index.js';

/** 32 random bytes with an id, as `peppers` and the key ring take them. */
export const newKey = (id: string) => ({ id, key: randomBytes(32) });

/** A service on `store` with a fake clock, a key ring and a list of the events it emitted. */
export function serviceOn(
  store: ApiKeyStore,
  options: Partial<ApiKeysOptions> = {},
): { apiKeys: ApiKeys; clock: FakeClock; events: SecurityEvent[] } {
  // On the hour: the per-key windows start at a known point.
  const clock = createFakeClock(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 1000);
  const events: SecurityEvent[] = [];
  const apiKeys = createApiKeys({
    store,
    peppers: [newKey('p1')],
    keyRing: createKeyRing({ keys: [newKey('k1')] }),
    clock,
    lastUsedFlushMs: 0,
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { apiKeys, clock, events };
}
