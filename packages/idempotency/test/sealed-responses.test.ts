import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createAuthContext } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { createIdempotency, MemoryIdempotencyStore, type ResponseSealer } from '../src/index.js';
import { keyedRequest } from './helpers/keyed-request.js';

const auth = createAuthContext({ userId: 'user-7', method: 'jwt', credentialId: 'family-1' });

/**
 * AES-256-GCM in base64url with a 12-byte IV and a 16-byte tag: the size a `@rampart/crypto` key
 * ring's sealed text grows by (its `v1.<kid>.` prefix aside).
 */
function testSealer(): ResponseSealer {
  const key = randomBytes(32);
  return {
    seal(plaintext, { aad }) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(aad));
      const sealed = Buffer.concat([
        iv,
        cipher.update(plaintext),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return sealed.toString('base64url');
    },
    open(sealed, { aad }) {
      const bytes = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12))
        .setAAD(Buffer.from(aad))
        .setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([
        decipher.update(bytes.subarray(12, bytes.length - 16)),
        decipher.final(),
      ]);
    },
  };
}

const request = (key: string) => keyedRequest({ key, route: '/exports', url: '/exports' });

describe('sealed responses', () => {
  it('keeps and replays a binary body of maxResponseBytes at its largest (16 MiB), sealed', async () => {
    const events: string[] = [];
    const idempotency = createIdempotency({
      store: new MemoryIdempotencyStore(),
      sealer: testSealer(),
      maxResponseBytes: 16 * 1024 * 1024,
      onEvent: (event) => events.push(event.type),
    });
    const body = randomBytes(16 * 1024 * 1024);
    const first = await idempotency.begin(request('export-1'), auth);
    if (first.action !== 'proceed' || first.lease === undefined) throw new Error('no lease');
    await first.lease.complete({
      status: 201,
      headers: { 'content-type': 'application/octet-stream' },
      body,
    });
    const retry = await idempotency.begin(request('export-1'), auth);
    expect(events).toEqual([]);
    expect(retry.action).toBe('replay');
    expect(retry.action === 'replay' && Buffer.compare(retry.response.body as Buffer, body)).toBe(
      0,
    );
  });
});
