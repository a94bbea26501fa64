import { createAuthContext, isRampartError, type SyncAnswer, syncTwinOf } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import {
  createIdempotency,
  type IdempotencyClaim,
  type IdempotencyClaimResult,
  type IdempotencyStart,
  MemoryIdempotencyStore,
} from '../src/index.js';
import { keyedRequest } from './helpers/keyed-request.js';

const auth = createAuthContext({ userId: 'user-7', method: 'jwt', credentialId: 'family-1' });

const request = (key: string) => keyedRequest({ key });

function settled(answer: SyncAnswer<IdempotencyStart>): IdempotencyStart {
  if (answer instanceof Promise) throw new Error('answered with a promise');
  return answer;
}

describe("begin's synchronous twin", () => {
  it('answers at once on the memory store: proceed, in flight (thrown), then the replay', async () => {
    const idempotency = createIdempotency({ store: new MemoryIdempotencyStore() });
    const beginNow = syncTwinOf(idempotency, 'begin');
    if (beginNow === undefined) throw new Error('no twin');
    const first = settled(beginNow.call(idempotency, request('k1'), auth));
    if (first.action !== 'proceed' || first.lease === undefined) throw new Error('no lease');
    let refusal: unknown;
    try {
      beginNow.call(idempotency, request('k1'), auth);
    } catch (error) {
      refusal = error;
    }
    expect(isRampartError(refusal) && refusal.status).toBe(409);
    await first.lease.complete({ status: 201, headers: {}, body: '{"id":1}' });
    const retry = settled(beginNow.call(idempotency, request('k1'), auth));
    expect(retry.action === 'replay' && retry.response.body).toBe('{"id":1}');
  });

  it("never skips a store subclass's own claim: it answers with a promise", async () => {
    const claims: string[] = [];
    class CountingStore extends MemoryIdempotencyStore {
      override claim(claim: IdempotencyClaim): Promise<IdempotencyClaimResult> {
        claims.push(claim.key);
        return super.claim(claim);
      }
    }
    const idempotency = createIdempotency({ store: new CountingStore() });
    const beginNow = syncTwinOf(idempotency, 'begin');
    const answer = beginNow?.call(idempotency, request('k2'), auth);
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).resolves.toMatchObject({ action: 'proceed' });
    expect(claims).toHaveLength(1);
  });
});
