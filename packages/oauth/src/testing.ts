/**
 * `@rampart/oauth/testing`: the conformance suite every `OAuthLinkStore` passes, exported so a
 * third-party store can prove the same contract. Needs Vitest.
 *
 * @example
 * describeOAuthLinkStoreConformance('my store', async () => ({ store: new MyLinkStore() }));
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OAuthLinkStore } from './store.js';

/** What the conformance suite needs to drive one store. */
export interface OAuthLinkStoreHarness {
  store: OAuthLinkStore;
  /** Releases what the harness created (keys, schema, connections). */
  cleanup?(): Promise<void>;
}

const id = (name: string) => `${name}-${randomBytes(8).toString('hex')}`;

/** Registers the `OAuthLinkStore` contract tests for one store. */
export function describeOAuthLinkStoreConformance(
  label: string,
  makeHarness: () => Promise<OAuthLinkStoreHarness> | OAuthLinkStoreHarness,
): void {
  describe(`OAuthLinkStore conformance: ${label}`, () => {
    let harness: OAuthLinkStoreHarness;
    let store: OAuthLinkStore;
    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    it('links a pair once: a second link keeps the first owner', async () => {
      const subject = id('sub');
      const [ada, eve] = [id('ada'), id('eve')];
      expect(await store.link('oidc', subject, ada, 1000)).toBe(ada);
      expect(await store.link('oidc', subject, eve, 2000)).toBe(ada);
      expect(await store.find('oidc', subject)).toBe(ada);
      expect(await store.listByUser(eve)).toEqual([]);
    });

    it('makes one link of concurrent first links, and every caller reads the same owner', async () => {
      const subject = id('sub');
      const users = Array.from({ length: 20 }, () => id('user'));
      const owners = await Promise.all(
        users.map((user) => store.link('github', subject, user, 1000)),
      );
      expect(new Set(owners).size).toBe(1);
      expect(users).toContain(owners[0]);
      expect(await store.find('github', subject)).toBe(owners[0]);
    });

    it('matches provider and subject both: the same subject at another provider is another pair', async () => {
      const subject = id('sub');
      const [ada, eve] = [id('ada'), id('eve')];
      await store.link('google', subject, ada, 1000);
      expect(await store.find('oidc', subject)).toBeUndefined();
      expect(await store.find('google', `${subject}x`)).toBeUndefined();
      expect(await store.link('oidc', subject, eve, 1000)).toBe(eve);
    });

    it('keeps subjects with separators apart (no key built without a delimiter)', async () => {
      const [ada, eve] = [id('ada'), id('eve')];
      const base = id('sub');
      await store.link('oidc', `${base}:a`, ada, 1000);
      await store.link('oidc', `${base}`, eve, 1000);
      expect(await store.find('oidc', `${base}:a`)).toBe(ada);
      expect(await store.find('oidc', base)).toBe(eve);
    });

    it('lists a user’s links oldest first, and only theirs', async () => {
      const [ada, eve] = [id('ada'), id('eve')];
      const [s1, s2, s3] = [id('s'), id('s'), id('s')];
      await store.link('google', s2, ada, 2000);
      await store.link('github', s1, ada, 1000);
      await store.link('oidc', s3, eve, 1500);
      expect(await store.listByUser(ada)).toEqual([
        { provider: 'github', subject: s1, userId: ada, linkedAt: 1000 },
        { provider: 'google', subject: s2, userId: ada, linkedAt: 2000 },
      ]);
    });

    it('unlinks a provider from its user only, never another user’s link', async () => {
      const [ada, eve] = [id('ada'), id('eve')];
      const [s1, s2] = [id('s'), id('s')];
      await store.link('github', s1, ada, 1000);
      await store.link('github', s2, eve, 1000);
      expect(await store.unlink(eve, 'google')).toBe(false);
      expect(await store.unlink(ada, 'github')).toBe(true);
      expect(await store.find('github', s1)).toBeUndefined();
      expect(await store.find('github', s2)).toBe(eve);
      expect(await store.unlink(ada, 'github')).toBe(false);
      // The pair can be linked again, to anyone.
      expect(await store.link('github', s1, eve, 3000)).toBe(eve);
    });

    it('purges every link of a user and nobody else’s', async () => {
      const [ada, eve] = [id('ada'), id('eve')];
      const [s1, s2, s3] = [id('s'), id('s'), id('s')];
      await store.link('github', s1, ada, 1000);
      await store.link('oidc', s2, ada, 1000);
      await store.link('oidc', s3, eve, 1000);
      await store.purgeUser(ada);
      expect(await store.listByUser(ada)).toEqual([]);
      expect(await store.find('github', s1)).toBeUndefined();
      expect(await store.find('oidc', s2)).toBeUndefined();
      expect(await store.find('oidc', s3)).toBe(eve);
    });
  });
}
