import { describe } from 'vitest';
import { describeApiKeyStoreConformance } from '../src/testing.js';
import { STORES } from './helpers/stores.js';

for (const [name, available, make] of STORES) {
  describe.skipIf(!available)(name, () => {
    describeApiKeyStoreConformance(name, make);
  });
}
