import { describe } from 'vitest';
import { describeIdempotencyStoreConformance } from '../src/testing.js';
import { STORES } from './stores.js';

for (const [name, available, make] of STORES) {
  describe.skipIf(!available)(name, () => {
    describeIdempotencyStoreConformance(name, async () => {
      const { store, clock, cleanup } = await make();
      return { store, elapse: async (ms) => clock.advance(ms), cleanup };
    });
  });
}
