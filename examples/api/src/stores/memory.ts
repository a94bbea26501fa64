import { MemoryApiKeyStore } from '@rampart/api-keys';
import { MemoryNonceStore, MemorySettingsStore } from '@rampart/core';
import { MemoryIdempotencyStore } from '@rampart/idempotency';
import { MemoryJwtNonceStore } from '@rampart/jwt-nonce';
import { MemoryMfaStore } from '@rampart/mfa';
import { MemoryOAuthLinkStore } from '@rampart/oauth';
import { MemoryRateLimitStore } from '@rampart/rate-limit';
import { memoryAuditStores } from '../audit/audit-stores.js';
import type { AppConfig } from '../config.js';
import { MemoryRecordStore } from '../entities/memory-record-store.js';
import { memorySessionStores } from '../sessions/session-stores.js';
import { MemoryUserStore } from '../users/memory-user-store.js';
import type { AppStores } from './app-stores.js';

/** The embedded default: state lives in this process and dies with it. */
export function openMemoryStores(config: AppConfig): AppStores {
  const nonces = new MemoryNonceStore();
  const tokens = new MemoryJwtNonceStore();
  const rateLimits = new MemoryRateLimitStore();
  const idempotency = new MemoryIdempotencyStore();
  const sessions = memorySessionStores();
  return {
    kind: 'memory',
    nonces,
    tokens,
    rateLimits,
    users: new MemoryUserStore(),
    settings: new MemorySettingsStore(),
    records: new MemoryRecordStore(),
    apiKeys: new MemoryApiKeyStore(),
    idempotency,
    mfa: new MemoryMfaStore(),
    sessions,
    audit: memoryAuditStores(config.audit.memoryRecords),
    oauthLinks: new MemoryOAuthLinkStore(),
    // Memory cannot be unreachable.
    ping: () => Promise.resolve(),
    close: () => {
      nonces.close();
      tokens.close();
      rateLimits.close();
      idempotency.close();
      sessions.close();
      return Promise.resolve();
    },
  };
}
