import { SyncTwinSite } from '@rampart/core';
import type { IdempotencyLease } from './lease.js';
import type { CapturedResponse } from './response.js';

// One call site for both adapters' leases: it stays monomorphic (see core's SyncTwinSite).
const completeSite = new SyncTwinSite<IdempotencyLease, 'complete'>('complete');

/**
 * Completes `lease` with `response`, then calls `send`: at once when the store completed in
 * process (the memory store), after the store's promise otherwise, whatever its outcome (a lease
 * never rejects). The response is sent only once it is kept, so a client retrying the moment it
 * arrives gets the replay, not a 409.
 */
export function completeThenSend(
  lease: IdempotencyLease,
  response: CapturedResponse,
  send: () => void,
): void {
  const completeNow = completeSite.twinOf(lease, lease.complete);
  const completed =
    completeNow === undefined ? lease.complete(response) : completeNow.call(lease, response);
  if (completed instanceof Promise) completed.then(send, send);
  else send();
}
