import { describe } from 'vitest';
import {
  describeSessionStoreConformance,
  describeTrustedDeviceStoreConformance,
} from '../src/testing.js';
import { BACKENDS } from './helpers/stores.js';

for (const [name, available, open] of BACKENDS) {
  describe.skipIf(!available)(name, () => {
    describeSessionStoreConformance(name, async () => {
      const stores = await open();
      return { store: stores.sessions, cleanup: stores.cleanup };
    });
    describeTrustedDeviceStoreConformance(name, async () => {
      const stores = await open();
      return { store: stores.devices, cleanup: stores.cleanup };
    });
  });
}
