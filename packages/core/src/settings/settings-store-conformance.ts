import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SettingsStore } from './settings-store.js';

/** What the settings store conformance suite needs to drive one store. */
export interface SettingsStoreHarness {
  /** A store on a fresh namespace (own key prefix, own schema). */
  store: SettingsStore;
  /** A second store instance on the same backend and namespace, as another process would have. */
  twin: SettingsStore;
  /** Releases what the harness created. */
  cleanup?(): Promise<void>;
}

/**
 * The contract every `SettingsStore` keeps: versions start at 0 and grow by one per write, a read
 * sends the document only when the version differs from the caller's, a write succeeds only over
 * the expected version (exactly one of racing writers wins), documents are independent by name,
 * and a twin instance sees every write at once.
 *
 * @example
 * describeSettingsStoreConformance('memory', async () => { const store = new MemorySettingsStore(); return { store, twin: store }; });
 */
export function describeSettingsStoreConformance(
  name: string,
  makeHarness: () => Promise<SettingsStoreHarness>,
): void {
  describe(`SettingsStore conformance: ${name}`, () => {
    let harness: SettingsStoreHarness;
    beforeEach(async () => {
      harness = await makeHarness();
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    it('starts at version 0 with no data', async () => {
      expect(await harness.store.read('security', 0)).toEqual({ version: 0 });
      expect(await harness.store.read('security', 3)).toEqual({ version: 0 });
    });

    it('writes version 1 over 0, then sends the data only to a reader with another version', async () => {
      expect(await harness.store.compareAndSet('security', 0, '{"a":1}')).toBe(1);
      expect(await harness.twin.read('security', 0)).toEqual({ version: 1, data: '{"a":1}' });
      expect(await harness.twin.read('security', 1)).toEqual({ version: 1 });
      expect(await harness.twin.compareAndSet('security', 1, '{"a":2}')).toBe(2);
      expect(await harness.store.read('security', 1)).toEqual({ version: 2, data: '{"a":2}' });
    });

    it('refuses a write over a version that is not the stored one', async () => {
      expect(await harness.store.compareAndSet('security', 1, '{}')).toBeNull();
      expect(await harness.store.compareAndSet('security', 0, '{"a":1}')).toBe(1);
      expect(await harness.twin.compareAndSet('security', 0, '{"b":1}')).toBeNull();
      expect(await harness.twin.compareAndSet('security', 2, '{"b":1}')).toBeNull();
      expect(await harness.store.read('security', 0)).toEqual({ version: 1, data: '{"a":1}' });
    });

    it('lets exactly one of racing writers win, at every version', async () => {
      for (const expected of [0, 1]) {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            (index % 2 === 0 ? harness.store : harness.twin).compareAndSet(
              'security',
              expected,
              `{"w":${index}}`,
            ),
          ),
        );
        expect(results.filter((result) => result === expected + 1)).toHaveLength(1);
        expect(results.filter((result) => result === null)).toHaveLength(19);
      }
    });

    it('keeps documents apart by name', async () => {
      await harness.store.compareAndSet('security', 0, '{"a":1}');
      expect(await harness.store.read('other', 0)).toEqual({ version: 0 });
      expect(await harness.store.compareAndSet('other', 0, '{"b":1}')).toBe(1);
      expect(await harness.store.read('security', 0)).toEqual({ version: 1, data: '{"a":1}' });
    });

    it('keeps the data byte for byte', async () => {
      const data = JSON.stringify({ text: 'é ✓ \u2028 "quoted" \\ back', list: ['10.0.0.0/8'] });
      await harness.store.compareAndSet('security', 0, data);
      expect((await harness.twin.read('security', 0)).data).toBe(data);
    });

    it.each([
      ['an empty name', '', 0],
      ['a name with a space', 'a b', 0],
      ['a negative version', 'security', -1],
      ['a fractional version', 'security', 1.5],
    ])('rejects %s with a TypeError', async (_case, documentName, version) => {
      await expect(harness.store.read(documentName, version)).rejects.toThrow(TypeError);
      await expect(harness.store.compareAndSet(documentName, version, '{}')).rejects.toThrow(
        TypeError,
      );
    });
  });
}
