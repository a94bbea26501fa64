import { z } from 'zod';
import { type Clock, systemClock } from '../clock.js';
import { clockSchema, parseOptions } from '../config.js';
import { RampartError } from '../errors/rampart-error.js';
import {
  createEventEmitter,
  type EmitSecurityEvent,
  type SecurityEventHandler,
} from '../events.js';
import { MemorySettingsStore } from './memory-settings-store.js';
import {
  type SecuritySettings,
  type SecuritySettingsPatch,
  securitySettingsSchema,
} from './security-settings.js';
import { assertNoSelfLockout } from './self-lockout.js';
import { applyPatch, diffSettings, type SettingChange } from './settings-diff.js';
import type { SettingsStore } from './settings-store.js';

/** Options of {@link createSecuritySettings}. */
export interface SecuritySettingsOptions {
  /** Where the settings live; default a `MemorySettingsStore` (this process only). */
  store?: SettingsStore;
  /** The document's name in the store; default `security`. */
  name?: string;
  /** The settings before any change is stored (version 0), over the defaults. */
  initial?: SecuritySettingsPatch;
  /**
   * How old, in milliseconds, the settings a `sync()` keeps may be before it asks the store again.
   * Default 0: every `sync()` asks (one round trip that answers the version alone while nothing
   * changed), so every process sees a change on its next request.
   */
  maxStalenessMs?: number;
  /** Receives a critical `SECURITY_SETTING_CHANGE` per change, with the diff. */
  onEvent?: SecurityEventHandler;
  /** Dates events and measures `maxStalenessMs`. Default the system clock. */
  clock?: Clock;
}

/** Who changes the settings, for the event. */
export interface SettingsChangeActor {
  readonly userId?: string;
  /** The caller's client address; when given, a change that would refuse it is refused (409). */
  readonly ip?: string;
}

/** Called after the settings change (in this process or, seen by `sync()`, in another). */
export type SettingsListener = (next: SecuritySettings, previous: SecuritySettings) => void;

const optionsSchema = z.strictObject({
  store: z
    .custom<SettingsStore>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as SettingsStore).read === 'function' &&
        typeof (value as SettingsStore).compareAndSet === 'function',
      'must be a SettingsStore (read, compareAndSet).',
    )
    .optional(),
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,63}$/)
    .default('security'),
  initial: securitySettingsSchema.prefault({}),
  maxStalenessMs: z.number().int().min(0).max(3_600_000).default(0),
  onEvent: z.custom<SecurityEventHandler>((value) => typeof value === 'function').optional(),
  clock: clockSchema.optional(),
});

/** How many times an update re-reads and re-applies after losing a race with another writer. */
const MAX_UPDATE_ATTEMPTS = 5;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * 400 for a patch that is not valid settings: `fields` lists the dotted paths at fault, `errors`
 * one `path: message` line each.
 */
export function settingsInvalidError(
  errors: readonly { path: string; message: string }[],
): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_SETTINGS_INVALID',
    title: 'Bad request',
    detail: `The settings were not changed: ${errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; ')}.`,
    extensions: {
      fields: errors.map((e) => e.path),
      errors: errors.map((e) => `${e.path || '(root)'}: ${e.message}`),
    },
  });
}

function eventDetail(
  version: number,
  changes: readonly SettingChange[],
): Record<string, string | number> {
  const detail: Record<string, string | number> = {
    version,
    changed: changes.map((change) => change.path).join(','),
  };
  for (const change of changes) {
    const text = `${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`;
    // IP lists may be long; the event says what changed, the settings hold the whole list.
    detail[change.path] = text.length > 1000 ? `${text.slice(0, 997)}...` : text;
  }
  return detail;
}

/**
 * The runtime security settings of an app: typed, validated, versioned in a store shared by
 * its processes. Packages take getters (`settings.getter((s) => s.security.corsOrigins)`), which
 * read the version this process last synced; the app calls `await settings.sync()` first thing on
 * every request, a version check, so a change made by any process applies to the next request.
 * Made by {@link createSecuritySettings}.
 */
export class RuntimeSecuritySettings {
  #settings: SecuritySettings;
  #version = 0;
  #syncedAt = Number.NEGATIVE_INFINITY;
  readonly #initial: SecuritySettings;
  readonly #store: SettingsStore;
  readonly #name: string;
  readonly #maxStalenessMs: number;
  readonly #clock: Clock;
  readonly #emit: EmitSecurityEvent;
  readonly #listeners = new Set<SettingsListener>();

  /** @internal Use {@link createSecuritySettings}. */
  constructor(options: SecuritySettingsOptions) {
    const parsed = parseOptions('createSecuritySettings', optionsSchema, options);
    this.#initial = deepFreeze(structuredClone(parsed.initial));
    this.#settings = this.#initial;
    this.#store = parsed.store ?? new MemorySettingsStore();
    this.#name = parsed.name;
    this.#maxStalenessMs = parsed.maxStalenessMs;
    this.#clock = parsed.clock ?? systemClock;
    this.#emit = createEventEmitter({
      source: '@rampart/core',
      clock: this.#clock,
      onEvent: parsed.onEvent,
    });
  }

  /** The settings as last synced: frozen, the same object until the next change. */
  current(): SecuritySettings {
    return this.#settings;
  }

  /** The version last synced: 0 before any change was stored. */
  get version(): number {
    return this.#version;
  }

  /**
   * Asks the store whether the settings changed (one round trip; the document travels only when
   * it did) and adopts the newest. Rejects with `StoreUnavailableError` when the store cannot
   * answer: the app then refuses the request (503) rather than run on settings it cannot vouch for.
   */
  async sync(): Promise<SecuritySettings> {
    const now = this.#clock.now();
    if (this.#maxStalenessMs > 0 && now - this.#syncedAt < this.#maxStalenessMs)
      return this.#settings;
    const stored = await this.#store.read(this.#name, this.#version);
    this.#syncedAt = now;
    if (stored.version !== this.#version) this.#adopt(stored.version, stored.data);
    return this.#settings;
  }

  /**
   * Applies `patch` (any deep subset; arrays replace) over the newest settings and stores the
   * result as the next version, re-applying over a concurrent writer's version if it loses the
   * race. An invalid patch rejects with 400 `ERR_SETTINGS_INVALID` listing every problem, and
   * changes nothing; so does, with 409 `ERR_SETTINGS_SELF_LOCKOUT`, one whose IP lists would refuse
   * `actor.ip` (pass the client address as the app resolves it, `trustedProxies` applied). A patch
   * that changes nothing writes nothing. Each change emits a critical
   * `SECURITY_SETTING_CHANGE` with the diff.
   */
  async update(patch: unknown, actor: SettingsChangeActor = {}): Promise<SecuritySettings> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw settingsInvalidError([{ path: '', message: 'must be an object of settings groups' }]);
    }
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const previous = await this.#syncNow();
      const merged = applyPatch(previous, patch);
      if (merged.unknownPath !== undefined) {
        throw settingsInvalidError([{ path: merged.unknownPath, message: 'is not a setting' }]);
      }
      const result = securitySettingsSchema.safeParse(merged.value);
      if (!result.success) {
        throw settingsInvalidError(
          result.error.issues.map((issue) => ({
            path: issue.path.join('.'),
            message: issue.message,
          })),
        );
      }
      const changes = diffSettings(previous, result.data);
      if (changes.length === 0) return previous;
      if (actor.ip !== undefined) assertNoSelfLockout(previous, result.data, actor.ip);
      const version = await this.#store.compareAndSet(
        this.#name,
        this.#version,
        JSON.stringify(result.data),
      );
      if (version === null) continue;
      this.#set(version, deepFreeze(result.data));
      this.#emit({
        type: 'SECURITY_SETTING_CHANGE',
        severity: 'critical',
        ...(actor.userId === undefined ? {} : { userId: actor.userId }),
        ...(actor.ip === undefined ? {} : { ip: actor.ip }),
        detail: eventDetail(version, changes),
      });
      return this.#settings;
    }
    throw new RampartError({
      status: 409,
      code: 'ERR_SETTINGS_CONFLICT',
      title: 'Conflict',
      detail: 'The settings kept changing while this change was applied. Read them and try again.',
    });
  }

  /**
   * A getter for a package: `select` over the current settings, computed again only after a
   * change, so it hands out the same object (the same frozen array) until then.
   *
   * @example
   * cors({ origins: settings.getter((s) => s.security.corsOrigins) });
   */
  getter<T>(select: (settings: SecuritySettings) => T): () => T {
    let seen: SecuritySettings | undefined;
    let value: T;
    return () => {
      const settings = this.#settings;
      if (settings !== seen) {
        value = select(settings);
        seen = settings;
      }
      return value;
    };
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #syncNow(): Promise<SecuritySettings> {
    const stored = await this.#store.read(this.#name, this.#version);
    this.#syncedAt = this.#clock.now();
    if (stored.version !== this.#version) this.#adopt(stored.version, stored.data);
    return this.#settings;
  }

  #adopt(version: number, data: string | undefined): void {
    if (data === undefined) {
      // Version 0: nothing stored (a fresh store, or one cleared), so the initial settings.
      this.#set(version, this.#initial);
      return;
    }
    // A stored document is ours, written after validation; one that no longer parses (edited by
    // hand, or from an incompatible version) is an error, never silently replaced by defaults.
    const parsed = securitySettingsSchema.parse(JSON.parse(data));
    this.#set(version, deepFreeze(parsed));
  }

  #set(version: number, settings: SecuritySettings): void {
    const previous = this.#settings;
    this.#version = version;
    this.#settings = settings;
    if (previous === settings) return;
    for (const listener of this.#listeners) {
      try {
        listener(settings, previous);
      } catch {
        // A listener's failure is its own; the settings have changed either way.
      }
    }
  }
}

/**
 * Creates the runtime security settings and syncs them once from the store.
 *
 * @example
 * const settings = await createSecuritySettings({
 *   store: new RedisSettingsStore({ redis }),
 *   initial: { security: { corsOrigins: ['https://app.example.com'] } },
 *   onEvent,
 * });
 * app.addHook('onRequest', async () => { await settings.sync(); });
 * const filter = createIpFilter({ rules: settings.getter(ipRulesOf) });
 * await settings.update({ authentication: { maxConcurrentSessions: 3 } }, { userId, ip });
 */
export async function createSecuritySettings(
  options: SecuritySettingsOptions = {},
): Promise<RuntimeSecuritySettings> {
  const settings = new RuntimeSecuritySettings(options);
  await settings.sync();
  return settings;
}
