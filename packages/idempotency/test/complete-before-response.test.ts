import { rawRequest } from '@rampart/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createIdempotency,
  type IdempotencyCompletion,
  MemoryIdempotencyStore,
} from '../src/index.js';
import { FRAMEWORKS, Handlers, type TestServer } from './helpers/apps.js';

/** A store whose writes of a completed response take a while, as a busy Redis or Postgres's do. */
class SlowCompletingStore extends MemoryIdempotencyStore {
  override async complete(completion: IdempotencyCompletion): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return super.complete(completion);
  }
}

describe.each(FRAMEWORKS)('%s adapter on a store slow to complete', (_framework, start) => {
  let server: TestServer;
  let handlers: Handlers;
  let store: SlowCompletingStore;

  beforeEach(async () => {
    store = new SlowCompletingStore({ sweepIntervalMs: 0 });
    handlers = new Handlers();
    server = await start(createIdempotency({ store }), handlers);
  });
  afterEach(async () => {
    handlers.open();
    await server.close();
    store.close();
  });

  it('keeps the response before sending it: a retry sent as soon as it arrives is replayed, not 409', async () => {
    const request = {
      method: 'POST',
      path: '/items/1',
      headers: {
        'idempotency-key': '"retry-at-once"',
        'x-test-user': 'user-a',
        'content-type': 'application/json',
      },
      body: '{"data":{"amount":10}}',
    };
    const first = await rawRequest(server.port, request);
    expect(first.status).toBe(201);
    const retry = await rawRequest(server.port, request);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(handlers.runs).toBe(1);
  });
});
