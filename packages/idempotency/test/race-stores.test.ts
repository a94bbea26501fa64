import { rawRequest } from '@rampart/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdempotency } from '../src/index.js';
import { FRAMEWORKS, Handlers, type TestServer } from './helpers/apps.js';
import { STORES, type StoreUnderTest } from './stores.js';

for (const [storeName, available, makeStore] of STORES) {
  describe.skipIf(!available)(`${storeName} store`, () => {
    describe.each(FRAMEWORKS)('%s', (_framework, start) => {
      let server: TestServer | undefined;
      let underTest: StoreUnderTest | undefined;
      let handlers: Handlers;
      afterEach(async () => {
        handlers.open();
        await server?.close();
        await underTest?.cleanup();
      });

      async function serve(): Promise<number> {
        underTest = await makeStore();
        handlers = new Handlers();
        const { store, clock } = underTest;
        server = await start(createIdempotency({ store, clock, leaseMs: 10_000 }), handlers);
        return server.port;
      }

      it('runs the handler once for 50 concurrent identical requests: one 201, the rest 409 or the replayed 201', async () => {
        const port = await serve();
        const send = () =>
          rawRequest(port, {
            method: 'POST',
            path: '/items/7',
            headers: {
              'idempotency-key': '"race-key"',
              'x-test-user': 'racer',
              'content-type': 'application/json',
            },
            body: '{"data":{"n":7}}',
          });
        const answers = await Promise.all(Array.from({ length: 50 }, send));
        expect(handlers.runs).toBe(1);
        const created = answers.filter(
          (answer) => answer.status === 201 && answer.headers['idempotency-replayed'] === undefined,
        );
        expect(created).toHaveLength(1);
        for (const answer of answers) {
          if (answer.status === 201) expect(answer.text).toBe(created[0]?.text);
          else {
            expect(answer.status).toBe(409);
            expect(answer.json().code).toBe('ERR_IDEMPOTENCY_IN_FLIGHT');
          }
        }
        const retry = await send();
        expect(retry.headers['idempotency-replayed']).toBe('true');
        expect(handlers.runs).toBe(1);
      });

      it('frees the key of a crashed handler once its lease runs out', async () => {
        const port = await serve();
        const send = () =>
          rawRequest(port, {
            method: 'POST',
            path: '/hang',
            headers: { 'idempotency-key': '"crash-key"', 'x-test-user': 'crasher' },
          }).catch(() => undefined);
        void send();
        await waitFor(() => handlers.runs === 1);
        underTest?.clock.advance(10_001);
        void send();
        await waitFor(() => handlers.runs === 2);
      });
    });
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error('condition never held');
}
