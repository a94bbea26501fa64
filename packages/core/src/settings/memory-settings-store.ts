import {
  assertSettingsArguments,
  type SettingsStore,
  type StoredSettings,
} from './settings-store.js';

/**
 * Settings documents in this process's memory: for one process, or tests. Other processes do not
 * see its writes; use the Redis or Postgres store for an app with several.
 */
export class MemorySettingsStore implements SettingsStore {
  readonly #documents = new Map<string, { version: number; data: string }>();

  /** See {@link SettingsStore.read}. */
  read(name: string, knownVersion: number): Promise<StoredSettings> {
    try {
      assertSettingsArguments(name, knownVersion);
    } catch (error) {
      return Promise.reject(error);
    }
    const document = this.#documents.get(name);
    if (document === undefined) return Promise.resolve({ version: 0 });
    if (document.version === knownVersion) return Promise.resolve({ version: knownVersion });
    return Promise.resolve({ version: document.version, data: document.data });
  }

  /** See {@link SettingsStore.compareAndSet}. */
  compareAndSet(name: string, expectedVersion: number, data: string): Promise<number | null> {
    try {
      assertSettingsArguments(name, expectedVersion, data);
    } catch (error) {
      return Promise.reject(error);
    }
    const current = this.#documents.get(name)?.version ?? 0;
    if (current !== expectedVersion) return Promise.resolve(null);
    this.#documents.set(name, { version: current + 1, data });
    return Promise.resolve(current + 1);
  }
}
