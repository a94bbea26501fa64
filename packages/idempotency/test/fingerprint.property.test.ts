import { createAuthContext, type SecurityRequest } from '@rampart/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIdempotency, MemoryIdempotencyStore } from '../src/index.js';

/** A request as an adapter describes it to `begin`. */
interface Described {
  method: string;
  route: string;
  target: string;
  user: string;
  body: Uint8Array;
}

const described: fc.Arbitrary<Described> = fc.record({
  method: fc.constantFrom('POST', 'PATCH', 'PUT'),
  route: fc.constantFrom('/a/:id', '/b/:id', '/a/:id/records'),
  target: fc.constantFrom('/a/1', '/a/2', '/a/1?x=1'),
  user: fc.constantFrom('user-1', 'user-2'),
  body: fc.uint8Array({ maxLength: 64 }),
});

function securityRequest(request: Described, key: string): SecurityRequest {
  return {
    method: request.method,
    route: request.route,
    url: request.target,
    headers: { 'idempotency-key': `"${key}"`, 'x-nonce': String(Math.random()) },
    ip: '127.0.0.1',
    rawBody: request.body,
  };
}

/** Runs `first`, completes it with a 201, then sends `second` with the same key. */
async function retryOutcome(first: Described, second: Described): Promise<string> {
  const idempotency = createIdempotency({
    store: new MemoryIdempotencyStore({ sweepIntervalMs: 0 }),
  });
  const auth = (user: string) =>
    createAuthContext({ userId: user, method: 'jwt', credentialId: 'family-1' });
  const started = await idempotency.begin(securityRequest(first, 'k'), auth(first.user));
  if (started.action !== 'proceed' || started.lease === undefined) throw new Error('not leased');
  await started.lease.complete({ status: 201, headers: {}, body: Buffer.from('{"ok":true}') });
  try {
    const retried = await idempotency.begin(securityRequest(second, 'k'), auth(second.user));
    return retried.action === 'replay' ? 'replay' : 'ran';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

const differsFrom = (a: Described, b: Described) =>
  a.method !== b.method ||
  a.route !== b.route ||
  a.target !== b.target ||
  Buffer.compare(Buffer.from(a.body), Buffer.from(b.body)) !== 0;

describe('fingerprints', () => {
  it('replays any retry with an equal fingerprint (headers aside)', async () => {
    await fc.assert(
      fc.asyncProperty(described, async (request) => {
        expect(
          await retryOutcome(request, { ...request, body: Uint8Array.from(request.body) }),
        ).toBe('replay');
      }),
      { numRuns: 300 },
    );
  });

  it('never replays a request that differs in method, route, target or body (422); another principal runs', async () => {
    await fc.assert(
      fc.asyncProperty(described, described, async (first, second) => {
        fc.pre(differsFrom(first, second) || first.user !== second.user);
        const outcome = await retryOutcome(first, second);
        // Another principal has its own keys: its request runs.
        expect(outcome).toBe(first.user === second.user ? 'ERR_IDEMPOTENCY_KEY_REUSED' : 'ran');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a retry whose body differs in any one byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        described.filter((request) => request.body.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (request, at, delta) => {
          const body = Uint8Array.from(request.body);
          const index = at % body.length;
          body[index] = ((body[index] as number) + delta) % 256;
          expect(await retryOutcome(request, { ...request, body })).toBe(
            'ERR_IDEMPOTENCY_KEY_REUSED',
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
