import { randomBytes } from 'node:crypto';
import type { Clock } from '@rampart/core';
import { createKeyRing, type KeyRing } from '@rampart/crypto';
import type { ChainKeys } from './chain.js';
import type { AuditStore, UserKeyEntry } from './store.js';

/** What is sealed per user in a record: who acted, from where, and details naming them. */
export interface PersonalFields {
  userId?: string;
  ip?: string;
  userAgent?: string;
  details?: Record<string, string>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function keyAad(subject: string): string {
  return `rampart-audit:user-key:${subject}`;
}

function fieldsAad(subject: string): string {
  return `rampart-audit:personal:${subject}`;
}

/** A user's opened key as the writer keeps it. */
interface CachedUserKey {
  readonly subject: string;
  readonly ring: KeyRing;
  /** `fieldsAad(subject)` as bytes, encoded once per user rather than once per event. */
  readonly aad: Buffer;
  /** When a batch last had an event of theirs (the trail's clock). */
  usedAt: number;
}

/** Most users' keys the writer holds; past it the least recently used goes. */
const MAX_CACHED_USERS = 10_000;

/**
 * A user whose events stop (signed out, gone) has their key let go after this long: a returning
 * user costs one store call for the batch. Without it the cache only shrank at
 * `MAX_CACHED_USERS`, some 10 MiB of heap and RSS for a busy app's turnover of users.
 */
const USER_KEY_IDLE_MS = 60_000;

/** Opens a user's sealed key into a ring of one key, whose id is the user's pseudonym. */
function userRing(keyRing: KeyRing, subject: string, sealedKey: string): KeyRing {
  const key = Buffer.from(keyRing.open(sealedKey, { aad: keyAad(subject) }));
  return createKeyRing({ keys: [{ id: subject, key }] });
}

/**
 * Crypto-shredding: each user's personal fields are sealed with a key of their own (32 random
 * bytes, stored sealed by the trail's key ring under a pseudonym, `subject`), so destroying that
 * one key makes every record about them unreadable while the chain, which covers the sealed text,
 * still verifies.
 */
export class PersonalSealer {
  readonly #keyRing: KeyRing;
  readonly #keys: ChainKeys;
  readonly #store: AuditStore;
  readonly #clock: Clock;
  /** Writer-side cache (user id → subject, ring and the AAD of their fields), least recently used first. */
  readonly #cache = new Map<string, CachedUserKey>();
  /**
   * Subjects whose keys this writer no longer seals with, told to the store after the next
   * commit ({@link PersonalSealer.releaseLetGo}): not at once, since a batch sealed before the
   * user went idle may still be on its way to the store.
   */
  #letGo: string[] = [];

  constructor(keyRing: KeyRing, keys: ChainKeys, store: AuditStore, clock: Clock) {
    this.#keyRing = keyRing;
    this.#keys = keys;
    this.#store = store;
    this.#clock = clock;
  }

  /**
   * Makes sure every user of a batch has a key (one store call for those not cached). Resolves
   * the error of a stored key that could not be opened, if any, for the trail to report.
   */
  async prepare(userIds: Iterable<string>): Promise<unknown> {
    const now = this.#clock.now();
    this.#forgetIdle(now);
    const missing = new Map<string, UserKeyEntry>();
    for (const userId of userIds) {
      const cached = this.#cache.get(userId);
      if (cached !== undefined) {
        if (cached.usedAt !== now) this.#touch(userId, cached, now);
        continue;
      }
      if (missing.has(userId)) continue;
      const subject = randomBytes(12).toString('base64url');
      const key = randomBytes(32);
      const sealedKey = this.#keyRing.seal(key, { aad: keyAad(subject) });
      key.fill(0);
      missing.set(userId, { userRef: this.#keys.userRef(userId), subject, sealedKey });
    }
    if (missing.size === 0) return undefined;
    const stored = await this.#store.ensureUserKeys([...missing.values()]);
    const byRef = new Map(stored.map((entry) => [entry.userRef, entry]));
    let unopened: unknown;
    for (const [userId, candidate] of missing) {
      const entry = byRef.get(candidate.userRef);
      if (entry === undefined) continue;
      this.#remember(userId, undefined); // a key cached for them meanwhile is replaced
      try {
        const ring = userRing(this.#keyRing, entry.subject, entry.sealedKey);
        const aad = Buffer.from(fieldsAad(entry.subject), 'utf8');
        this.#remember(userId, { subject: entry.subject, ring, aad, usedAt: now });
      } catch (error) {
        // A stored key the ring cannot open (its ring key retired too early, a changed row):
        // this user's events are recorded without personal fields rather than block the trail.
        unopened = error;
        this.#letGo.push(entry.subject);
      }
    }
    return unopened;
  }

  /**
   * Seals a user's fields with their key, or `undefined` when `prepare` found no usable key for
   * them (the event is then recorded without its personal fields).
   */
  seal(userId: string, fields: PersonalFields): { subject: string; sealed: string } | undefined {
    const cached = this.#cache.get(userId);
    if (cached === undefined) return undefined;
    const sealed = cached.ring.seal(JSON.stringify(fields), { aad: cached.aad });
    return { subject: cached.subject, sealed };
  }

  /**
   * Opens sealed fields, reading the keys from the store every time (never from the writer's
   * cache, so a purge in another process is honoured at once). A subject without a key gives
   * `undefined`: erased.
   */
  async opener(
    subjects: Iterable<string>,
  ): Promise<(subject: string, sealed: string) => PersonalFields | undefined> {
    const wanted = [...new Set(subjects)];
    const keys = wanted.length === 0 ? new Map() : await this.#store.subjectKeys(wanted);
    const rings = new Map<string, KeyRing>();
    for (const [subject, sealedKey] of keys) {
      rings.set(subject, userRing(this.#keyRing, subject, sealedKey));
    }
    return function openPersonal(subject, sealed) {
      const ring = rings.get(subject);
      if (ring === undefined) return undefined;
      try {
        return JSON.parse(utf8.decode(ring.open(sealed, { aad: fieldsAad(subject) })));
      } catch {
        return undefined;
      }
    };
  }

  /** The pseudonym of a user, if they have a key (for queries by user). */
  async subjectOf(userId: string): Promise<string | undefined> {
    return (await this.#store.findUserKey(this.#keys.userRef(userId)))?.subject;
  }

  /**
   * Tells the store which keys this writer let go of (idle, least recently used, unopenable),
   * so a store bounded by its records can drop them. The trail calls it after each commit, when
   * every batch sealed before they were let go of has been written.
   */
  releaseLetGo(): void {
    if (this.#letGo.length === 0) return;
    const subjects = this.#letGo;
    this.#letGo = [];
    this.#store.releaseUserKeys?.(subjects);
  }

  /** Lets go of every cached key (the trail closed, with nothing left to write). */
  releaseAll(): void {
    for (const cached of this.#cache.values()) this.#letGo.push(cached.subject);
    this.#cache.clear();
    this.releaseLetGo();
  }

  /** Destroys a user's key, here and in the store. */
  async forget(userId: string): Promise<void> {
    this.#cache.delete(userId);
    await this.#store.deleteUserKey(this.#keys.userRef(userId));
    this.#cache.delete(userId);
  }

  /** Moves a user to the recent end, so the idle ones are always first. */
  #touch(userId: string, cached: CachedUserKey, now: number): void {
    cached.usedAt = now;
    this.#cache.delete(userId);
    this.#cache.set(userId, cached);
  }

  #forgetIdle(now: number): void {
    for (const [userId, cached] of this.#cache) {
      if (now - cached.usedAt <= USER_KEY_IDLE_MS) return;
      this.#cache.delete(userId);
      this.#letGo.push(cached.subject);
    }
  }

  /** Caches a user's key (or only drops the one cached, given `undefined`), least recent out past the cap. */
  #remember(userId: string, value: CachedUserKey | undefined): void {
    const replaced = this.#cache.get(userId);
    if (replaced !== undefined) {
      this.#cache.delete(userId);
      this.#letGo.push(replaced.subject);
    }
    if (value === undefined) return;
    this.#cache.set(userId, value);
    if (this.#cache.size > MAX_CACHED_USERS) {
      const [oldest, evicted] = this.#cache.entries().next().value ?? [];
      if (oldest !== undefined && evicted !== undefined) {
        this.#cache.delete(oldest);
        this.#letGo.push(evicted.subject);
      }
    }
  }
}
