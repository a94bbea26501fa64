import { createFakeClock } from '@rampart/core';
import { runInWorkers } from '@rampart/test-utils';
import { describe, expect, it } from 'vitest';
import { createSessions } from '../src/index.js';
import { browserRequest } from './helpers/requests.js';
import { BACKENDS } from './helpers/stores.js';
import type { SignInInput, SignInOutput } from './workers/sign-in-worker.js';

const worker = new URL('./workers/sign-in-worker.ts', import.meta.url);

for (const [name, available, open] of BACKENDS.filter(([backend]) => backend !== 'memory')) {
  describe.skipIf(!available)(`across three processes on ${name}`, () => {
    it('20 concurrent sign-ins of one user with a cap of 3 leave exactly 3 sessions alive', async () => {
      const stores = await open();
      try {
        const { namespace } = stores;
        const userId = `user-${Date.now()}`;
        const shares = [7, 7, 6];
        const outputs = await runInWorkers<SignInInput, SignInOutput>(
          worker,
          shares.map((signIns) => ({
            backend: name as 'redis' | 'postgres',
            namespace,
            userId,
            signIns,
          })),
          { timeoutMs: 60_000 },
        );
        expect(outputs.reduce((sum, output) => sum + output.refused, 0)).toBe(0);
        const sessions = createSessions({
          store: stores.sessions,
          clock: createFakeClock(Date.now()),
          binding: false,
        });
        expect(await sessions.list(userId)).toHaveLength(3);
        const tokens = outputs.flatMap((output) => output.tokens);
        expect(tokens).toHaveLength(20);
        let alive = 0;
        for (const token of tokens) {
          try {
            await sessions.validate(token, browserRequest());
            alive++;
          } catch {
            // evicted
          }
        }
        expect(alive).toBe(3);
      } finally {
        await stores.cleanup();
      }
    }, 90_000);
  });
}
