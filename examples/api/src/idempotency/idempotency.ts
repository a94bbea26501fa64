import { createKeyRing } from '@rampart/crypto';
import { createIdempotency, type Idempotency, type IdempotencyStore } from '@rampart/idempotency';

/** A key of the app's ring (`ENCRYPTION_KEYS`). */
export interface IdempotencyKey {
  readonly id: string;
  readonly key: string;
}

/** Largest response body kept for a replay: the app's body limit, 1 MiB. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The `Idempotency-Key` rules of EXAMPLE-API.md: optional on the routes that take it, keys scoped
 * to the authenticated user and kept 24 hours (the package's defaults), on the app's store. Kept
 * responses are sealed with the app's key ring (`ENCRYPTION_KEYS`): `POST /api/v1/api-keys`
 * answers with the key and its signing secret, which no store may hold in clear.
 */
export function createAppIdempotency(
  store: IdempotencyStore,
  keys: readonly IdempotencyKey[],
): Idempotency {
  const sealer = createKeyRing({
    keys: keys.map(({ id, key }) => ({ id, key })),
    // The encoded response (base64 body in JSON) is about 4/3 of the body.
    maxPlaintextBytes: 2 * MAX_RESPONSE_BYTES,
  });
  return createIdempotency({ store, sealer, maxResponseBytes: MAX_RESPONSE_BYTES });
}
