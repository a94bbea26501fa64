/**
 * Where versioned settings documents live, shared by every process of an app: a document is JSON
 * text under a name (`security`), with a version that grows by one on every write. The runtime
 * settings read it on every request by version, so this contract is built for a cheap "has it
 * changed?" — one round trip that answers the version alone when nothing changed.
 */
export interface SettingsStore {
  /**
   * The document `name` when its version differs from `knownVersion`; `{ version }` alone when it
   * is `knownVersion`. A document never written is version 0 with no data.
   */
  read(name: string, knownVersion: number): Promise<StoredSettings>;
  /**
   * Writes `data` as version `expectedVersion + 1` if and only if the stored version is still
   * `expectedVersion` (0 for a document never written), atomically; resolves the new version, or
   * `null` when another writer got there first (read again, re-apply, retry).
   */
  compareAndSet(name: string, expectedVersion: number, data: string): Promise<number | null>;
}

/** What {@link SettingsStore.read} answers. */
export interface StoredSettings {
  readonly version: number;
  /** The JSON text; absent when the version is the one the caller knows, or nothing is stored. */
  readonly data?: string;
}

/** The longest settings document a store accepts, in characters (the IP lists dominate). */
export const MAX_SETTINGS_LENGTH = 1_048_576;

/** Throws a `TypeError` for arguments no store may accept: a bug in the caller, not the client. */
export function assertSettingsArguments(name: string, version: number, data?: string): void {
  if (typeof name !== 'string' || !/^[a-z][a-z0-9_-]{0,63}$/.test(name)) {
    throw new TypeError('SettingsStore: the name must be 1-64 lower-case letters, digits, _ or -.');
  }
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new TypeError('SettingsStore: a version is a non-negative safe integer.');
  }
  if (data !== undefined && (typeof data !== 'string' || data.length > MAX_SETTINGS_LENGTH)) {
    throw new TypeError(
      `SettingsStore: data is JSON text of at most ${MAX_SETTINGS_LENGTH} characters.`,
    );
  }
}
