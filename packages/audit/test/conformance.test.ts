import { describeAuditStoreConformance } from '../src/testing.js';
import { STORES } from './helpers/trail.js';

for (const [name, available, makeHarness] of STORES) {
  if (!available) continue;
  describeAuditStoreConformance(name, async () => {
    const harness = await makeHarness();
    return { store: harness.store, cleanup: harness.cleanup };
  });
}
