import { MemoryNonceStore } from '@rampart/core';
import type { AppStores } from './app-stores.js';

/** The embedded default: state lives in this process and dies with it. */
export function openMemoryStores(): AppStores {
  const nonces = new MemoryNonceStore();
  return {
    kind: 'memory',
    nonces,
    // Memory cannot be unreachable.
    ping: () => Promise.resolve(),
    close: () => {
      nonces.close();
      return Promise.resolve();
    },
  };
}
