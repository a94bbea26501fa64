/**
 * `@rampart/audit/testing`: the conformance suite every `AuditStore` passes, exported so a
 * third-party store can prove the same contract. Needs Vitest.
 *
 * @example
 * describeAuditStoreConformance('my store', async () => ({ store: new MyAuditStore() }));
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Checkpoint } from './chain.js';
import { AuditChainConflictError } from './errors.js';
import type { AuditRow, AuditStore } from './store.js';

export { createFakeClock, type FakeClock } from '@rampart/core';

/** What the conformance suite needs to drive one store. */
export interface AuditStoreHarness {
  store: AuditStore;
  /** Releases what the harness created (schema, connections). */
  cleanup?(): Promise<void>;
}

const id = () => randomBytes(9).toString('base64url');

/** Rows `from..to` of `chain`: the suite checks storage, not hashes (the trail's tests do). */
function rows(
  chain: string,
  from: number,
  to: number,
  overrides: Partial<AuditRow> = {},
): AuditRow[] {
  const list: AuditRow[] = [];
  for (let seq = from; seq <= to; seq++) {
    list.push({
      chain,
      seq,
      at: 1_000 + seq,
      type: seq % 2 === 0 ? 'LOGIN_FAILURE' : 'LOGIN_SUCCESS',
      severity: 'info',
      outcome: seq % 2 === 0 ? 'failure' : 'success',
      subject: null,
      count: 1,
      body: `{"seq":${seq},"text":"\\u2028 'quoted' \\"x\\" ${'é'.repeat(seq % 3)}"}`,
      hash: seq.toString(16).padStart(64, '0'),
      ...overrides,
    });
  }
  return list;
}

function checkpoint(chain: string, seq: number): Checkpoint {
  return {
    chain,
    seq,
    hash: seq.toString(16).padStart(64, '0'),
    at: 5_000 + seq,
    signature: 'f'.repeat(64),
  };
}

/** Registers the `AuditStore` contract tests for one store. */
export function describeAuditStoreConformance(
  label: string,
  makeHarness: () => Promise<AuditStoreHarness> | AuditStoreHarness,
): void {
  describe(`AuditStore conformance: ${label}`, () => {
    let harness: AuditStoreHarness;
    let store: AuditStore;
    let chain: string;
    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
      chain = `c-${id()}`;
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    it('appends rows and reads them back exactly, in sequence order, a page at a time', async () => {
      const written = rows(chain, 1, 7);
      await store.append(written.slice(0, 3));
      await store.append(written.slice(3));
      expect(await store.head(chain)).toEqual({ seq: 7, hash: written[6]?.hash });
      const first = await store.readChain(chain, 0, 4);
      const second = await store.readChain(chain, 4, 4);
      const read = [...first, ...second];
      expect(read.map(({ id: _id, ...row }) => row)).toEqual(written);
      expect(first).toHaveLength(4);
      const ids = read.map((row) => BigInt(row.id));
      expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
      expect(await store.chains()).toContain(chain);
    });

    it('keeps any text exactly: line feeds, empty values, subjects null or not in one batch', async () => {
      const odd = ['', 'a\nb', '\n', 'x\\y"z', '\u2028é😀', '\r\n', 'NULL', 'null'];
      const written = rows(chain, 1, odd.length).map((row, i) => ({
        ...row,
        type: odd[(i + 1) % odd.length] as string,
        subject: i % 3 === 0 ? null : (odd[i] as string),
        body: odd[i] as string,
      }));
      await store.append(written.slice(0, 1));
      await store.append(written.slice(1));
      const read = await store.readChain(chain, 0, 100);
      expect(read.map(({ id: _id, ...row }) => row)).toEqual(written);
      const plain = rows(chain, odd.length + 1, odd.length + 3).map((row, i) => ({
        ...row,
        subject: i === 1 ? 'someone' : null,
      }));
      await store.append(plain);
      const again = await store.readChain(chain, odd.length, 100);
      expect(again.map(({ id: _id, ...row }) => row)).toEqual(plain);
    });

    it('a chain never written has no head and no rows', async () => {
      expect(await store.head(chain)).toBeUndefined();
      expect(await store.readChain(chain, 0, 10)).toEqual([]);
    });

    it('refuses a taken sequence number with AuditChainConflictError, writing nothing of the batch', async () => {
      await store.append(rows(chain, 1, 3));
      const clash = rows(chain, 3, 5, { body: '{"other":true}' });
      await expect(store.append(clash, checkpoint(chain, 5))).rejects.toBeInstanceOf(
        AuditChainConflictError,
      );
      expect(await store.head(chain)).toEqual({ seq: 3, hash: rows(chain, 3, 3)[0]?.hash });
      expect(await store.checkpoints(chain)).toEqual([]);
    });

    it('of concurrent appends at one position, exactly one wins', async () => {
      const attempts = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.append(rows(chain, 1, 2, { body: `{"writer":${i}}` })),
        ),
      );
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      for (const attempt of attempts) {
        if (attempt.status === 'rejected')
          expect(attempt.reason).toBeInstanceOf(AuditChainConflictError);
      }
      expect(await store.readChain(chain, 0, 10)).toHaveLength(2);
    });

    it('keeps checkpoints with their batch, or alone, in sequence order', async () => {
      await store.append(rows(chain, 1, 2), checkpoint(chain, 2));
      await store.append(rows(chain, 3, 3));
      await store.append([], checkpoint(chain, 3));
      expect(await store.checkpoints(chain)).toEqual([checkpoint(chain, 2), checkpoint(chain, 3)]);
    });

    it('queries newest first by type, subject, outcome, time and cursor', async () => {
      await store.append(
        rows(chain, 1, 10, {}).map((row) => (row.seq > 5 ? { ...row, subject: 'subj' } : row)),
      );
      const all = await store.query({ limit: 100 });
      const mine = all.filter((row) => row.chain === chain);
      expect(mine.map((row) => row.seq)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      const failures = await store.query({ types: ['LOGIN_FAILURE'], subject: 'subj', limit: 2 });
      expect(failures.map((row) => row.seq)).toEqual([10, 8]);
      const older = await store.query({
        types: ['LOGIN_FAILURE'],
        subject: 'subj',
        limit: 2,
        before: failures[1]?.id,
      });
      expect(older.map((row) => row.seq)).toEqual([6]);
      const timed = (await store.query({ since: 1003, until: 1006, limit: 100 })).filter(
        (row) => row.chain === chain,
      );
      expect(timed.map((row) => row.seq)).toEqual([5, 4, 3]);
      const successes = (await store.query({ outcome: 'success', limit: 100 })).filter(
        (row) => row.chain === chain,
      );
      expect(successes.every((row) => row.outcome === 'success')).toBe(true);
    });

    it('counts events per type and outcome over a time range, aggregates for their count', async () => {
      const written = rows(chain, 1, 4).map((row) =>
        row.seq === 4 ? { ...row, count: 500, subject: 's' } : row,
      );
      await store.append(written);
      const counts = await store.counts(1001, 1005);
      const failure = counts.find((c) => c.type === 'LOGIN_FAILURE');
      expect(failure?.count).toBeGreaterThanOrEqual(501);
      expect(failure?.sealed).toBeGreaterThanOrEqual(500);
    });

    it('keeps the first key of a user, finds it by ref and by subject, and destroys it for good', async () => {
      const ref = `ref-${id()}`;
      const [first] = await store.ensureUserKeys([
        { userRef: ref, subject: `s1${id()}`, sealedKey: 'k1' },
      ]);
      const [again] = await store.ensureUserKeys([
        { userRef: ref, subject: `s2${id()}`, sealedKey: 'k2' },
      ]);
      expect(again).toEqual(first);
      expect(await store.findUserKey(ref)).toEqual(first);
      expect(await store.subjectKeys([first?.subject as string, 'unknown'])).toEqual(
        new Map([[first?.subject, 'k1']]),
      );
      await store.deleteUserKey(ref);
      await store.deleteUserKey(ref);
      expect(await store.findUserKey(ref)).toBeUndefined();
      expect((await store.subjectKeys([first?.subject as string])).size).toBe(0);
    });

    it('concurrent first keys of one user: every caller gets the same one', async () => {
      const ref = `ref-${id()}`;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.ensureUserKeys([{ userRef: ref, subject: `s${i}${id()}`, sealedKey: `k${i}` }]),
        ),
      );
      const settled = results.flat();
      const stored = await store.findUserKey(ref);
      for (const entry of settled) expect(entry).toEqual(stored);
    });

    it("retention deletes a chain's rows through a sequence, and the checkpoints before it", async () => {
      await store.append(rows(chain, 1, 6), checkpoint(chain, 3));
      await store.append([], checkpoint(chain, 6));
      expect(await store.deleteThrough(chain, 3)).toBe(3);
      expect((await store.readChain(chain, 0, 10)).map((row) => row.seq)).toEqual([4, 5, 6]);
      expect((await store.checkpoints(chain)).map((c) => c.seq)).toEqual([3, 6]);
    });
  });
}
