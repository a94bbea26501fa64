import { describe, expect, it } from 'vitest';
import {
  purgeUserData,
  revokeAllForUser,
  type UserCredentialRevoker,
  type UserDataPurger,
} from './user-data.js';

function recorder(
  calls: string[],
  name: string,
  failOn?: string,
): UserDataPurger & UserCredentialRevoker {
  return {
    async purgeUser(userId) {
      if (userId === failOn) throw new Error(`${name} down`);
      calls.push(`${name}.purgeUser(${userId})`);
    },
    async revokeAllForUser(userId) {
      if (userId === failOn) throw new Error(`${name} down`);
      calls.push(`${name}.revokeAllForUser(${userId})`);
    },
  };
}

describe('purgeUserData / revokeAllForUser', () => {
  it('call every purger, or revoker, in the order given', async () => {
    const calls: string[] = [];
    const parts = [recorder(calls, 'tokens'), recorder(calls, 'users')];
    await revokeAllForUser('alice', parts);
    await purgeUserData('alice', parts);
    expect(calls).toEqual([
      'tokens.revokeAllForUser(alice)',
      'users.revokeAllForUser(alice)',
      'tokens.purgeUser(alice)',
      'users.purgeUser(alice)',
    ]);
  });

  it('stop at the first failure and reject with it, so the caller retries the whole run', async () => {
    const calls: string[] = [];
    const parts = [
      recorder(calls, 'tokens'),
      recorder(calls, 'sessions', 'bob'),
      recorder(calls, 'users'),
    ];
    await expect(purgeUserData('bob', parts)).rejects.toThrow('sessions down');
    expect(calls).toEqual(['tokens.purgeUser(bob)']);
  });
});
