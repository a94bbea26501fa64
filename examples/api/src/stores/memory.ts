import { MemoryNonceStore } from '@rampart/core';
import { MemoryJwtNonceStore } from '@rampart/jwt-nonce';
import { MemoryRateLimitStore } from '@rampart/rate-limit';
import { MemoryRecordStore } from '../entities/memory-record-store.js';
import { MemoryUserStore } from '../users/memory-user-store.js';
import type { AppStores } from './app-stores.js';

/** The embedded default: state lives in this process and dies with it. */
export function openMemoryStores(): AppStores {
  const nonces = new MemoryNonceStore();
  const tokens = new MemoryJwtNonceStore();
  const rateLimits = new MemoryRateLimitStore();
  return {
    kind: 'memory',
    nonces,
    tokens,
    rateLimits,
    users: new MemoryUserStore(),
    records: new MemoryRecordStore(),
    // Memory cannot be unreachable.
    ping: () => Promise.resolve(),
    close: () => {
      nonces.close();
      tokens.close();
      rateLimits.close();
      return Promise.resolve();
    },
  };
}
