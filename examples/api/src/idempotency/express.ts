import type { Idempotency } from '@rampart/idempotency';
import { idempotent } from '@rampart/idempotency/express';
import type { RequestHandler } from 'express';

/**
 * The Express guard of an idempotent route: last in the chain, after the limit, the caller and
 * the signature (a retry must prove it is the client's before it is answered from the store).
 */
export function idempotentRoute(idempotency: Idempotency): RequestHandler {
  return idempotent({ idempotency });
}
