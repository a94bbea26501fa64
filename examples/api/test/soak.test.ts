import { randomBytes } from 'node:crypto';
import { redisUrl, serviceAvailable } from '@rampart/test-utils';
import { describe, expect, it } from 'vitest';
import { runSoak } from '../src/soak/run-soak.js';

const hasRedis = await serviceAvailable('redis');

/** Every kind of attack the traffic sends (`attack:<kind>` in the tally). */
const ATTACKS = [
  'guess',
  'replay',
  'tamper',
  'refresh-reuse',
  'forged-token',
  'csrf',
  'stolen-cookie',
  'api-key-typo',
  'api-key-rotated-out',
  'api-key-revoked',
  'session-signed-out',
  'idempotency-reuse',
];

/** Legitimate kinds that must have succeeded at least once, with their status. */
const SUCCEEDED = [
  'signed-write 201',
  'idempotent-retry 201',
  'api-key-create-retry 201',
  'api-key-signed-write 201',
  'api-key-rotate 200',
  'api-key-revoke 204',
  'session-signed-write 201',
  'session-logout 204',
];

// The short soak CI runs: the traffic and the bar of `pnpm --filter @rampart/example-api soak`
// (docs/reliability.md) for 20 seconds. Memory flatness needs the long run; this one holds the
// rest: no 5xx, every request answered, no accepted attack, every kind of attack tried and
// refused, every idempotent retry replayed, no legitimate request refused, samples taken.
describe.skipIf(!hasRedis)('a 20-second soak on Redis', () => {
  it('answers no 5xx and accepts no attack under mixed traffic', { timeout: 120_000 }, async () => {
    const report = await runSoak({
      durationMs: 20_000,
      sampleMs: 2000,
      users: 6,
      ratePerSecond: 60,
      redisUrl: redisUrl(),
      keyPrefix: `rampart-test:soak-${randomBytes(6).toString('hex')}:`,
      framework: 'fastify',
      auditMemoryRecords: 500,
    });
    const { tally } = report;
    const kinds = JSON.stringify(tally.byKind);
    expect(tally.serverErrors, kinds).toBe(0);
    expect(tally.noAnswers, kinds).toBe(0);
    expect(tally.acceptedAttacks, kinds).toBe(0);
    expect(tally.brokenReplays, kinds).toBe(0);
    expect(tally.refusedLegitimate, kinds).toBe(0);
    for (const attack of ATTACKS) {
      const refused = Object.keys(tally.byKind).filter((kind) =>
        kind.startsWith(`attack:${attack} 4`),
      );
      expect(refused.length, `attack:${attack} in ${kinds}`).toBeGreaterThan(0);
    }
    for (const kind of SUCCEEDED) expect(tally.byKind[kind] ?? 0, kinds).toBeGreaterThan(0);
    expect(report.samples.length).toBeGreaterThanOrEqual(5);
    for (const sample of report.samples) expect(sample.heapUsed).toBeGreaterThan(0);
    // The trail went to its JSON-lines file, as the app on Redis keeps it.
    expect(report.auditRecords).toBeGreaterThan(0);
  });
});
