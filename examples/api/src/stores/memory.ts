import { MemoryNonceStore } from '@rampart/core';
import { MemoryIdempotencyStore } from '@rampart/idempotency';
import { MemoryJwtNonceStore } from '@rampart/jwt-nonce';
import { MemoryMfaStore } from '@rampart/mfa';
import { MemoryRateLimitStore } from '@rampart/rate-limit';
import { MemoryRecordStore } from '../entities/memory-record-store.js';
import { MemoryUserStore } from '../users/memory-user-store.js';
import type { AppStores } from './app-stores.js';

/** The embedded default: state lives in this process and dies with it. */
export function openMemoryStores(): AppStores {
  const nonces = new MemoryNonceStore();
  const tokens = new MemoryJwtNonceStore();
  const rateLimits = new MemoryRateLimitStore();
  const idempotency = new MemoryIdempotencyStore();
  return {
    kind: 'memory',
    nonces,
    tokens,
    rateLimits,
    users: new MemoryUserStore(),
    records: new MemoryRecordStore(),
    idempotency,
    mfa: new MemoryMfaStore(),
    // Memory cannot be unreachable.
    ping: () => Promise.resolve(),
    close: () => {
      nonces.close();
      tokens.close();
      rateLimits.close();
      idempotency.close();
      return Promise.resolve();
    },
  };
}
