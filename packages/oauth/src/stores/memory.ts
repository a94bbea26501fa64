import type { OAuthLink, OAuthLinkStore } from '../store.js';

/**
 * Links in process memory: for tests and one-process apps. Unbounded by design: one entry per
 * linked account, which the app's user table bounds anyway; a restart loses them (sign-in then
 * finds the user again by verified email).
 */
export class MemoryOAuthLinkStore implements OAuthLinkStore {
  readonly #links = new Map<string, OAuthLink>();

  #key(provider: string, subject: string): string {
    // JSON of the pair: no delimiter a subject could contain can make two pairs one key.
    return JSON.stringify([provider, subject]);
  }

  async link(provider: string, subject: string, userId: string, at: number): Promise<string> {
    const key = this.#key(provider, subject);
    const existing = this.#links.get(key);
    if (existing !== undefined) return existing.userId;
    this.#links.set(key, { provider, subject, userId, linkedAt: at });
    return userId;
  }

  async find(provider: string, subject: string): Promise<string | undefined> {
    return this.#links.get(this.#key(provider, subject))?.userId;
  }

  async listByUser(userId: string): Promise<OAuthLink[]> {
    return [...this.#links.values()]
      .filter((link) => link.userId === userId)
      .sort((a, b) => a.linkedAt - b.linkedAt);
  }

  async unlink(userId: string, provider: string): Promise<boolean> {
    for (const [key, link] of this.#links) {
      if (link.userId === userId && link.provider === provider) {
        this.#links.delete(key);
        return true;
      }
    }
    return false;
  }

  async purgeUser(userId: string): Promise<void> {
    for (const [key, link] of this.#links) if (link.userId === userId) this.#links.delete(key);
  }
}
