import { StoreFullError } from '@rampart/core';
import { emailTakenError, normalizeEmail, type User, type UserStore } from './user-store.js';

/** Most users held in memory; registration is public, so the map must not grow without end. */
const MAX_USERS = 100_000;

/**
 * Users in this process. Each method runs synchronously to completion, so `create`'s check of
 * the email and its insert cannot interleave with another registration.
 */
export class MemoryUserStore implements UserStore {
  readonly #byId = new Map<string, User>();
  readonly #idByEmail = new Map<string, string>();

  create(user: User): Promise<void> {
    const email = normalizeEmail(user.email);
    if (this.#idByEmail.has(email)) return Promise.reject(emailTakenError());
    // Full refuses rather than evicts: dropping a user would free their email for someone else.
    if (this.#byId.size >= MAX_USERS)
      return Promise.reject(new StoreFullError('memory-user-store', MAX_USERS));
    this.#byId.set(user.id, Object.freeze({ ...user, email }));
    this.#idByEmail.set(email, user.id);
    return Promise.resolve();
  }

  findByEmail(email: string): Promise<User | undefined> {
    const id = this.#idByEmail.get(normalizeEmail(email));
    return Promise.resolve(id === undefined ? undefined : this.#byId.get(id));
  }

  findById(id: string): Promise<User | undefined> {
    return Promise.resolve(this.#byId.get(id));
  }

  list(limit: number, cursor?: string): Promise<{ items: User[]; nextCursor?: string }> {
    const ids = [...this.#byId.keys()].filter((id) => cursor === undefined || id > cursor).sort();
    const items = ids.slice(0, limit).map((id) => this.#byId.get(id) as User);
    const last = items.at(-1);
    return Promise.resolve(
      ids.length > limit && last !== undefined ? { items, nextCursor: last.id } : { items },
    );
  }

  setRole(id: string, role: string): Promise<User | undefined> {
    const user = this.#byId.get(id);
    if (user === undefined) return Promise.resolve(undefined);
    const updated = Object.freeze({ ...user, role });
    this.#byId.set(id, updated);
    return Promise.resolve(updated);
  }

  setPasswordHash(id: string, passwordHash: string, expected: string): Promise<boolean> {
    const user = this.#byId.get(id);
    if (user?.passwordHash !== expected) return Promise.resolve(false);
    this.#byId.set(id, Object.freeze({ ...user, passwordHash }));
    return Promise.resolve(true);
  }

  purgeUser(id: string): Promise<void> {
    const user = this.#byId.get(id);
    if (user !== undefined) {
      this.#byId.delete(id);
      this.#idByEmail.delete(user.email);
    }
    return Promise.resolve();
  }
}
