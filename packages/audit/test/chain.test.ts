import { describe, expect, it } from 'vitest';
import { makeTrail, STORES } from './helpers/trail.js';

/** Writes `count` events (records 1..count), with checkpoints every 4 records. */
async function writeTen(harness: Awaited<ReturnType<(typeof STORES)[number][2]>>, count = 10) {
  const { trail, clock } = makeTrail(harness.store, { checkpointEvery: 4, batchSize: 2 });
  for (let i = 1; i <= count; i++) {
    trail.record({
      type: i % 2 === 0 ? 'LOGIN_FAILURE' : 'LOGIN_SUCCESS',
      severity: 'info',
      userId: `user-${i % 3}`,
      ip: `203.0.113.${i}`,
      detail: { attempt: i },
    });
    clock.advance(10);
  }
  await trail.flush();
  return trail;
}

describe.each(STORES)('tamper evidence on the %s store', (_name, available, makeHarness) => {
  it.skipIf(!available)('an untouched trail verifies, every record checked', async () => {
    const harness = await makeHarness();
    try {
      const trail = await writeTen(harness);
      expect(await trail.verify()).toEqual({ valid: true, checked: 10 });
      await trail.close();
      expect(await trail.verify()).toEqual({ valid: true, checked: 10 });
    } finally {
      await harness.cleanup();
    }
  });

  it.skipIf(!available)('a changed record is named by its sequence', async () => {
    const harness = await makeHarness();
    try {
      const trail = await writeTen(harness);
      await harness.tamper.changeBody(6, (body) => body.replace('"attempt":6', '"attempt":60'));
      expect(await trail.verify()).toMatchObject({
        valid: false,
        firstBadSeq: 6,
        reason: 'hash-mismatch',
        checked: 5,
      });
    } finally {
      await harness.cleanup();
    }
  });

  it.skipIf(!available)(
    'a changed filter column (the type a query finds it by) is caught',
    async () => {
      const harness = await makeHarness();
      try {
        const trail = await writeTen(harness);
        // The body keeps its type; a record rewritten wholesale fails its hash instead.
        await harness.tamper.changeBody(3, (body) =>
          body.replace('LOGIN_SUCCESS', 'LOGIN_FAILURE'),
        );
        expect(await trail.verify()).toMatchObject({ valid: false, firstBadSeq: 3 });
      } finally {
        await harness.cleanup();
      }
    },
  );

  it.skipIf(!available)('a deleted record is named: the first missing sequence', async () => {
    const harness = await makeHarness();
    try {
      const trail = await writeTen(harness);
      await harness.tamper.remove(4);
      expect(await trail.verify()).toMatchObject({
        valid: false,
        firstBadSeq: 4,
        reason: 'missing-record',
      });
    } finally {
      await harness.cleanup();
    }
  });

  it.skipIf(!available)('a deleted first record is named (sequence 1)', async () => {
    const harness = await makeHarness();
    try {
      const trail = await writeTen(harness);
      await harness.tamper.remove(1);
      expect(await trail.verify()).toMatchObject({ valid: false, firstBadSeq: 1 });
    } finally {
      await harness.cleanup();
    }
  });

  it.skipIf(!available)('an inserted record is named at its position', async () => {
    const harness = await makeHarness();
    try {
      const trail = await writeTen(harness);
      await harness.tamper.insert(5, 2);
      expect(await trail.verify()).toMatchObject({ valid: false, firstBadSeq: 5 });
    } finally {
      await harness.cleanup();
    }
  });

  it.skipIf(!available)('two reordered records: the first of them is named', async () => {
    const harness = await makeHarness();
    try {
      const trail = await writeTen(harness);
      await harness.tamper.swap(7, 8);
      expect(await trail.verify()).toMatchObject({
        valid: false,
        firstBadSeq: 7,
        reason: 'out-of-order',
      });
    } finally {
      await harness.cleanup();
    }
  });

  it.skipIf(!available)(
    'a truncated tail is caught by the checkpoints (a new process: no live head)',
    async () => {
      const harness = await makeHarness();
      try {
        const writer = await writeTen(harness);
        await writer.close(); // final checkpoint at 10
        await harness.tamper.truncateAfter(7, false);
        const reader = makeTrail(harness.store).trail;
        expect(await reader.verify()).toMatchObject({
          valid: false,
          firstBadSeq: 8,
          reason: 'truncated',
        });
      } finally {
        await harness.cleanup();
      }
    },
  );

  it.skipIf(!available)(
    'a tail truncated with its checkpoints is caught by the writer, and by a checkpoint kept elsewhere',
    async () => {
      const harness = await makeHarness();
      try {
        const kept: import('../src/index.js').Checkpoint[] = [];
        const { trail, clock } = makeTrail(harness.store, {
          checkpointEvery: 4,
          batchSize: 2,
          onCheckpoint: (checkpoint) => kept.push(checkpoint),
        });
        for (let i = 1; i <= 10; i++) {
          trail.record({ type: 'LOGOUT', severity: 'info', userId: 'u' });
          clock.advance(1);
        }
        await trail.close();
        await harness.tamper.truncateAfter(5, true);
        expect(await trail.verify()).toMatchObject({
          valid: false,
          firstBadSeq: 6,
          reason: 'truncated',
        });
        const reader = makeTrail(harness.store).trail;
        expect(await reader.verify()).toMatchObject({ valid: true });
        expect(await reader.verify({ checkpoints: kept })).toMatchObject({
          valid: false,
          firstBadSeq: 6,
          reason: 'truncated',
        });
      } finally {
        await harness.cleanup();
      }
    },
  );

  it.skipIf(!available)('a forged checkpoint (wrong signature) is refused', async () => {
    const harness = await makeHarness();
    try {
      const trail = await writeTen(harness);
      await trail.close();
      const [first] = await harness.store.checkpoints('main');
      if (!first) throw new Error('no checkpoint');
      const forged = { ...first, seq: 3, signature: first.signature };
      expect(await trail.verify({ checkpoints: [forged] })).toMatchObject({
        valid: false,
        firstBadSeq: 3,
        reason: 'bad-checkpoint',
      });
    } finally {
      await harness.cleanup();
    }
  });

  it.skipIf(!available)(
    'retention deletes up to a checkpoint and the rest still verifies; without it, the cut is named',
    async () => {
      const harness = await makeHarness();
      try {
        const { trail, clock } = makeTrail(harness.store, { checkpointEvery: 4, batchSize: 4 });
        for (let i = 1; i <= 12; i++) {
          trail.record({ type: 'LOGOUT', severity: 'info' });
          if (i % 4 === 0) {
            await trail.flush();
            clock.advance(1000);
          }
        }
        await trail.flush();
        const deleted = await trail.purgeOlderThan(clock.now() - 500);
        expect(deleted).toBe(8);
        expect(await trail.verify()).toEqual({ valid: true, checked: 4 });
        await harness.tamper.remove(9);
        expect(await trail.verify()).toMatchObject({ valid: false, firstBadSeq: 9 });
      } finally {
        await harness.cleanup();
      }
    },
  );

  it.skipIf(!available)(
    'a second writer on the same chain links after the first: one valid chain',
    async () => {
      const harness = await makeHarness();
      try {
        const a = makeTrail(harness.store).trail;
        const b = makeTrail(harness.store).trail;
        a.record({ type: 'LOGOUT', severity: 'info' });
        await a.flush();
        b.record({ type: 'LOGOUT', severity: 'info' });
        await b.flush();
        a.record({ type: 'LOGOUT', severity: 'info' });
        await a.flush();
        expect(await a.verify()).toEqual({ valid: true, checked: 3 });
      } finally {
        await harness.cleanup();
      }
    },
  );
});
