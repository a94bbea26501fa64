import { createHash, createHmac } from 'node:crypto';
import type { SecurityRequest } from '@rampart/core';

/** The README's test secret: the bytes 0x00…0x1f, in base64url. */
export const SECRET = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64url');
export const OTHER_SECRET = Buffer.alloc(32, 7).toString('base64url');
export const KEY_ID = 'client-a';
export const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

export interface V1Fields {
  keyId?: string;
  method?: string;
  target?: string;
  timestamp?: string;
  nonce?: string;
  body?: string | Buffer;
  secret?: string;
}

let counter = 0;
/** A fresh valid nonce each call. */
export function freshNonce(): string {
  counter++;
  return `nonce-${String(counter).padStart(12, '0')}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Signs with node:crypto's own `createHmac`, independently of the package's HMAC, so a bug in
 * the package cannot hide behind the same bug here.
 */
export function signV1(fields: V1Fields = {}): Record<string, string> {
  const keyId = fields.keyId ?? KEY_ID;
  const method = fields.method ?? 'POST';
  const target = fields.target ?? '/api/v1/entities/e1/records';
  const timestamp = fields.timestamp ?? String(NOW);
  const nonce = fields.nonce ?? freshNonce();
  const body = fields.body ?? '';
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const message = ['rampart-v1', keyId, method, target, timestamp, nonce, bodyHash].join('\n');
  const signature = createHmac('sha256', Buffer.from(fields.secret ?? SECRET, 'base64url'))
    .update(message)
    .digest('hex');
  return {
    'x-key-id': keyId,
    'x-nonce': nonce,
    'x-timestamp': timestamp,
    'x-signature': signature,
  };
}

/** A neutral request, as the adapters build it. */
export function securityRequest(
  headers: Record<string, string | string[]>,
  options: { method?: string; url?: string; body?: string | Buffer } = {},
): SecurityRequest {
  const request: SecurityRequest = {
    method: options.method ?? 'POST',
    url: options.url ?? '/api/v1/entities/e1/records',
    headers,
    ip: '203.0.113.7',
  };
  if (options.body !== undefined) request.rawBody = Buffer.from(options.body);
  return request;
}
