import type { StoreKind } from './config.js';
import type { AppStores } from './stores/app-stores.js';

/** The body of a healthy `GET /health`. */
export interface HealthReport {
  status: 'ok';
  store: StoreKind;
}

/**
 * Pings the store the app runs on. Rejects with `StoreUnavailableError` (a 503 problem) when it
 * does not answer, so a load balancer takes the instance out instead of sending it traffic that
 * would fail closed.
 */
export async function checkHealth(stores: AppStores): Promise<HealthReport> {
  await stores.ping();
  return { status: 'ok', store: stores.kind };
}
