import { createIdempotency, type Idempotency, type IdempotencyStore } from '@rampart/idempotency';

/**
 * The `Idempotency-Key` rules of EXAMPLE-API.md: optional on the routes that take it, keys scoped
 * to the authenticated user and kept 24 hours (the package's defaults), on the app's store.
 * Responses that hold a secret (a created API key) are to be sealed with the app's key ring
 * (`sealer`) once the app has one; a record holds none.
 */
export function createAppIdempotency(store: IdempotencyStore): Idempotency {
  return createIdempotency({ store });
}
