import { randomBytes } from 'node:crypto';
import { redisUrl, serviceAvailable } from '@rampart/test-utils';
import { describe, expect, it } from 'vitest';
import { runSoak } from '../src/soak/run-soak.js';

const hasRedis = await serviceAvailable('redis');

// The short soak CI runs: the traffic and the bar of `pnpm --filter @rampart/example-api soak`
// (docs/reliability.md) for 20 seconds. Memory flatness needs the long run; this one holds the
// rest: no 5xx, no accepted attack, every kind of attack tried and refused, samples taken.
describe.skipIf(!hasRedis)('a 20-second soak on Redis', () => {
  it('answers no 5xx and accepts no attack under mixed traffic', { timeout: 120_000 }, async () => {
    const report = await runSoak({
      durationMs: 20_000,
      sampleMs: 2000,
      users: 6,
      redisUrl: redisUrl(),
      keyPrefix: `rampart-test:soak-${randomBytes(6).toString('hex')}:`,
      framework: 'fastify',
    });
    const { tally } = report;
    expect(tally.serverErrors, JSON.stringify(tally.byKind)).toBe(0);
    expect(tally.acceptedAttacks, JSON.stringify(tally.byKind)).toBe(0);
    for (const attack of ['guess', 'replay', 'tamper', 'refresh-reuse', 'forged-token']) {
      const refused = Object.entries(tally.byKind).filter(([kind]) =>
        kind.startsWith(`attack:${attack} 4`),
      );
      expect(refused.length, `attack:${attack}`).toBeGreaterThan(0);
    }
    expect(tally.byKind['signed-write 201'] ?? 0, JSON.stringify(tally.byKind)).toBeGreaterThan(0);
    expect(report.samples.length).toBeGreaterThanOrEqual(5);
    for (const sample of report.samples) expect(sample.heapUsed).toBeGreaterThan(0);
  });
});
