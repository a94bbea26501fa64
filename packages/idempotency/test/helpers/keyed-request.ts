import type { SecurityRequest } from '@rampart/core';

/** What a test request may set; everything else is a POST with `{"a":1}` from one address. */
export interface KeyedRequestInit {
  readonly key: string;
  readonly method?: string;
  readonly route?: string;
  readonly url?: string;
  readonly body?: string | Uint8Array;
  readonly ip?: string;
}

/** A request view as the adapters build it, carrying `Idempotency-Key: "<key>"`. */
export function keyedRequest(init: KeyedRequestInit): SecurityRequest {
  const { key, body = '{"a":1}' } = init;
  return {
    method: init.method ?? 'POST',
    route: init.route ?? '/orders/:id',
    url: init.url ?? '/orders/1',
    headers: { 'idempotency-key': `"${key}"` },
    ip: init.ip ?? '203.0.113.9',
    rawBody: typeof body === 'string' ? Buffer.from(body) : body,
  };
}
