import { describe, expect, it } from 'vitest';
import { ReadAhead } from '../src/read-ahead.js';
import { makeTrail, STORES } from './helpers/trail.js';

/** A chain of these sequence numbers, read `limit` rows after a sequence, as a store does. */
function chainOf(seqs: number[]) {
  const reads: number[] = [];
  const read = async (afterSeq: number, limit: number) => {
    reads.push(afterSeq);
    return seqs
      .filter((seq) => seq > afterSeq)
      .slice(0, limit)
      .map((seq) => ({ seq }));
  };
  return { reads, read };
}

async function allPages(seqs: number[], pageSize: number): Promise<number[][]> {
  const { read } = chainOf(seqs);
  const pages = new ReadAhead((after) => read(after, pageSize), pageSize);
  const out: number[][] = [];
  for (;;) {
    const page = await pages.next();
    if (page.length === 0) break;
    out.push(page.map((row) => row.seq));
  }
  pages.abandon();
  return out;
}

/** The pages one read at a time gives. */
async function onePageAtATime(seqs: number[], pageSize: number): Promise<number[][]> {
  const { read } = chainOf(seqs);
  const out: number[][] = [];
  for (let after = 0; ; ) {
    const page = await read(after, pageSize);
    if (page.length === 0) return out;
    out.push(page.map((row) => row.seq));
    after = (page[page.length - 1] as { seq: number }).seq;
  }
}

describe('reading a chain two pages ahead', () => {
  it.each([
    ['a whole chain', Array.from({ length: 10 }, (_, i) => i + 1), 3],
    ['a chain with gaps', [1, 2, 3, 4, 6, 7, 8, 12, 13, 20], 3],
    ['a chain cut by retention', [5, 6, 7, 8, 9], 2],
    ['one page exactly', [1, 2, 3], 3],
    ['an empty chain', [], 4],
  ])('gives the pages one read at a time gives: %s', async (_name, seqs, pageSize) => {
    expect(await allPages(seqs, pageSize)).toEqual(await onePageAtATime(seqs, pageSize));
  });

  it('uses the guessed read when the page before it was full and without gaps', async () => {
    const { reads, read } = chainOf(Array.from({ length: 9 }, (_, i) => i + 1));
    const pages = new ReadAhead((after) => read(after, 3), 3);
    while ((await pages.next()).length > 0);
    pages.abandon();
    // 0, then each page's next and guess; no read is made twice.
    expect(new Set(reads).size).toBe(reads.length);
  });

  it('lets go of a failed read once the caller stops', async () => {
    const pages = new ReadAhead(
      async (after) => (after === 0 ? [{ seq: 1 }] : Promise.reject(new Error('down'))),
      1,
    );
    await pages.next();
    pages.abandon(); // no unhandled rejection fails the run
    await new Promise((resolve) => setImmediate(resolve));
  });
});

describe.each(STORES)('verify() across many pages on the %s store', (_name, available, make) => {
  it.skipIf(!available)('checks every record, and names a record missing mid-way', async () => {
    const harness = await make();
    try {
      const { trail, clock } = makeTrail(harness.store, { batchSize: 5, verifyPageSize: 3 });
      for (let i = 1; i <= 20; i++) {
        trail.record({ type: 'LOGOUT', severity: 'info', userId: `user-${i % 4}` });
        clock.advance(1);
      }
      await trail.flush();
      expect(await trail.verify()).toEqual({ valid: true, checked: 20 });
      await harness.tamper.remove(11);
      expect(await trail.verify()).toMatchObject({
        valid: false,
        firstBadSeq: 11,
        reason: 'missing-record',
        checked: 10,
      });
    } finally {
      await harness.cleanup();
    }
  });
});
