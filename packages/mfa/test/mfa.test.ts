import { isRampartError } from '@rampart/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MfaStore } from '../src/index.js';
import { type TotpSettings, timeStepAt, totpCodeAt } from '../src/totp.js';
import { STORES, type StoreUnderTest, secretOf, serviceOn } from './helpers/stores.js';

const SIX: TotpSettings = { algorithm: 'sha1', digits: 6, period: 30, window: 1 };

/** The error `promise` rejects with, as `{status, code, retryAfter}`. */
async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (!isRampartError(error)) throw error;
    return { status: error.status, code: error.code, retryAfter: error.headers['Retry-After'] };
  }
  throw new Error('expected a refusal');
}

describe.each(STORES)('createMfa on the %s store', (_name, available, makeStore) => {
  let backend: StoreUnderTest;
  let store: MfaStore;
  beforeEach(async () => {
    if (!available) return;
    backend = await makeStore();
    store = backend.store;
  });
  afterEach(async () => {
    if (available) await backend.cleanup();
  });

  /** A service and a user enrolled through it; `codeAt(offsetSteps)` computes codes. */
  async function enrolled(userId = `user-${Math.random().toString(36).slice(2)}`) {
    const service = serviceOn(store);
    const setup = await service.mfa.setup(userId, 'ada@example.com');
    const secret = secretOf(setup.otpauthUrl);
    const codeAt = (offset = 0) =>
      totpCodeAt(secret, timeStepAt(service.clock.now(), 30) + offset, SIX);
    const { recoveryCodes } = await service.mfa.enable(userId, codeAt(0));
    // The enabling code's step is spent: move to the next step for fresh codes.
    service.clock.advance(30_000);
    return { ...service, userId, setup, secret, codeAt, recoveryCodes };
  }

  it.skipIf(!available)(
    'sets up a pending secret of 160 bits, with an otpauth URI and QR codes',
    async () => {
      const { mfa } = serviceOn(store);
      const setup = await mfa.setup('u1', 'ada+mfa@example.com');
      const url = new URL(setup.otpauthUrl);
      expect(url.protocol).toBe('otpauth:');
      expect(setup.otpauthUrl).toMatch(
        /^otpauth:\/\/totp\/Rampart%20Test:ada%2Bmfa%40example\.com\?/,
      );
      expect(url.searchParams.get('issuer')).toBe('Rampart Test');
      expect(url.searchParams.get('algorithm')).toBe('SHA1');
      expect(url.searchParams.get('digits')).toBe('6');
      expect(url.searchParams.get('period')).toBe('30');
      expect(url.searchParams.get('secret')).toMatch(/^[A-Z2-7]{32}$/);
      expect(secretOf(setup.otpauthUrl)).toHaveLength(20);
      expect(setup.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
      expect(setup.qrCodeSvg).toMatch(/^<svg[^>]*>.*<\/svg>\s*$/s);
      // Pending: no effect on login until enabled.
      expect(await mfa.needsChallenge('u1')).toBe(false);
      expect(await mfa.status('u1')).toEqual({
        enabled: false,
        pending: true,
        recoveryCodesRemaining: 0,
      });
      expect(await refusal(mfa.verify('u1', '123456'))).toMatchObject({
        code: 'ERR_MFA_CODE_INVALID',
      });
    },
  );

  it.skipIf(!available)('refuses a label with a colon, which apps split on', async () => {
    const { mfa } = serviceOn(store);
    expect(await refusal(mfa.setup('u1', 'evil:ada@example.com'))).toMatchObject({
      status: 400,
      code: 'ERR_MFA_LABEL_INVALID',
    });
  });

  it.skipIf(!available)(
    'enables with a code of the pending secret and returns 10 recovery codes',
    async () => {
      const { mfa, userId, recoveryCodes } = await enrolled();
      expect(recoveryCodes).toHaveLength(10);
      for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
      expect(new Set(recoveryCodes).size).toBe(10);
      expect(await mfa.status(userId)).toEqual({
        enabled: true,
        pending: false,
        recoveryCodesRemaining: 10,
      });
      expect(await mfa.needsChallenge(userId)).toBe(true);
      expect(await refusal(mfa.setup(userId, 'ada@example.com'))).toMatchObject({
        status: 409,
        code: 'ERR_MFA_ALREADY_ENABLED',
      });
    },
  );

  it.skipIf(!available)(
    'refuses enable without a setup, and with a wrong code (counted)',
    async () => {
      const { mfa, events } = serviceOn(store);
      expect(await refusal(mfa.enable('u2', '123456'))).toMatchObject({
        status: 409,
        code: 'ERR_MFA_NOT_PENDING',
      });
      const setup = await mfa.setup('u2', 'bob@example.com');
      const secret = secretOf(setup.otpauthUrl);
      const wrong = String((Number(totpCodeAt(secret, 0, SIX)) + 1) % 1_000_000).padStart(6, '0');
      const answer = await refusal(mfa.enable('u2', wrong));
      // The wrong code might collide with a window code: astronomically unlikely, but say so.
      expect(answer).toMatchObject({ status: 401, code: 'ERR_MFA_CODE_INVALID' });
      expect(events.at(-1)).toMatchObject({ type: 'MFA_CHALLENGE_FAILED', reason: 'wrong-code' });
    },
  );

  it.skipIf(!available)(
    'accepts a code once; its reuse and an older step are ERR_MFA_CODE_REPLAYED',
    async () => {
      const { mfa, userId, codeAt, clock } = await enrolled();
      const now = await mfa.verify(userId, codeAt(0));
      expect(now).toMatchObject({ userId, method: 'totp', at: clock.now() });
      expect(await refusal(mfa.verify(userId, codeAt(0)))).toMatchObject({
        status: 401,
        code: 'ERR_MFA_CODE_REPLAYED',
      });
      // The previous step is still inside the window, but before the last accepted one.
      expect(await refusal(mfa.verify(userId, codeAt(-1)))).toMatchObject({
        code: 'ERR_MFA_CODE_REPLAYED',
      });
      // One step ahead (drift) is accepted, and then the current one is older: refused.
      await mfa.verify(userId, codeAt(1));
      expect(await refusal(mfa.verify(userId, codeAt(0)))).toMatchObject({
        code: 'ERR_MFA_CODE_REPLAYED',
      });
    },
  );

  it.skipIf(!available)('accepts one step of drift either way and nothing beyond', async () => {
    const { mfa, userId, codeAt, clock } = await enrolled();
    clock.advance(120_000);
    expect(await refusal(mfa.verify(userId, codeAt(-2)))).toMatchObject({
      code: 'ERR_MFA_CODE_INVALID',
    });
    expect(await refusal(mfa.verify(userId, codeAt(2)))).toMatchObject({
      code: 'ERR_MFA_CODE_INVALID',
    });
    await expect(mfa.verify(userId, codeAt(-1))).resolves.toMatchObject({ method: 'totp' });
    await expect(mfa.verify(userId, codeAt(1))).resolves.toMatchObject({ method: 'totp' });
  });

  it.skipIf(!available)('refuses a malformed code with 400 and counts nothing', async () => {
    const { mfa, userId, codeAt } = await enrolled();
    for (const input of ['', '12345', '1234567', ` ${codeAt(0)}`, '１２３４５６', 123456, null]) {
      expect(await refusal(mfa.verify(userId, input))).toMatchObject({
        status: 400,
        code: 'ERR_MFA_CODE_MALFORMED',
      });
    }
    expect((await mfa.status(userId)).lockedUntil).toBeUndefined();
    await expect(mfa.verify(userId, codeAt(0))).resolves.toMatchObject({ method: 'totp' });
  });

  it.skipIf(!available)(
    'locks after 5 wrong codes: 429 with Retry-After, the right code refused, events',
    async () => {
      const { mfa, userId, codeAt, clock, events } = await enrolled();
      const wrong = codeAt(0) === '000000' ? '111111' : '000000';
      for (let index = 0; index < 4; index++) {
        expect(await refusal(mfa.verify(userId, wrong))).toMatchObject({ status: 401 });
      }
      expect(await refusal(mfa.verify(userId, wrong))).toEqual({
        status: 429,
        code: 'ERR_MFA_LOCKED',
        retryAfter: '900',
      });
      expect(events.at(-1)).toMatchObject({
        type: 'MFA_CHALLENGE_FAILED',
        severity: 'critical',
        code: 'ERR_MFA_LOCKED',
        reason: 'lock-engaged',
        userId,
      });
      clock.advance(60_000);
      expect(await refusal(mfa.verify(userId, codeAt(0)))).toEqual({
        status: 429,
        code: 'ERR_MFA_LOCKED',
        retryAfter: '840',
      });
      // A recovery code is refused too, and so is regenerating codes: the lock covers every check.
      expect(await refusal(mfa.verify(userId, 'abcde-fghij'))).toMatchObject({
        code: 'ERR_MFA_LOCKED',
      });
      expect(await refusal(mfa.regenerateRecoveryCodes(userId, codeAt(0)))).toMatchObject({
        status: 429,
      });
      clock.advance(840_000);
      await expect(mfa.verify(userId, codeAt(0))).resolves.toMatchObject({ method: 'totp' });
    },
  );

  it.skipIf(!available)('accepts a recovery code once and reports what is left', async () => {
    const { mfa, userId, recoveryCodes, events } = await enrolled();
    const code = recoveryCodes[3] as string;
    await expect(mfa.verify(userId, code.toUpperCase())).resolves.toMatchObject({
      method: 'recovery-code',
      recoveryCodesRemaining: 9,
    });
    expect(events.at(-1)).toMatchObject({
      type: 'MFA_RECOVERY_CODE_USED',
      detail: { remaining: 9 },
    });
    expect(await refusal(mfa.verify(userId, code))).toMatchObject({
      status: 401,
      code: 'ERR_MFA_CODE_INVALID',
    });
    expect(
      await refusal(mfa.verify(userId, recoveryCodes[0], { recoveryCodes: false })),
    ).toMatchObject({
      status: 400,
    });
    expect((await mfa.status(userId)).recoveryCodesRemaining).toBe(9);
  });

  it.skipIf(!available)('regenerates recovery codes: the old set dies', async () => {
    const { mfa, userId, recoveryCodes, codeAt } = await enrolled();
    const fresh = await mfa.regenerateRecoveryCodes(userId, codeAt(0));
    expect(fresh.recoveryCodes).toHaveLength(10);
    expect(await refusal(mfa.verify(userId, recoveryCodes[0]))).toMatchObject({
      code: 'ERR_MFA_CODE_INVALID',
    });
    await expect(mfa.verify(userId, fresh.recoveryCodes[0])).resolves.toMatchObject({
      recoveryCodesRemaining: 9,
    });
  });

  it.skipIf(!available)(
    'disables with a code, forgets trusted devices, then codes are refused',
    async () => {
      const revoked: string[] = [];
      const trustedDevices = {
        verify: async (userId: string, token: string) => token === `device-of-${userId}`,
        revokeAllForUser: async (userId: string) => {
          revoked.push(userId);
        },
      };
      const service = serviceOn(store, { trustedDevices });
      const setup = await service.mfa.setup('u3', 'cy@example.com');
      const secret = secretOf(setup.otpauthUrl);
      const code = (offset: number) =>
        totpCodeAt(secret, timeStepAt(service.clock.now(), 30) + offset, SIX);
      await service.mfa.enable('u3', code(0));
      expect(await service.mfa.needsChallenge('u3', 'device-of-u3')).toBe(false);
      expect(await service.mfa.needsChallenge('u3', 'device-of-u4')).toBe(true);
      expect(await service.mfa.needsChallenge('u3')).toBe(true);
      await service.mfa.disable('u3', code(1));
      expect(revoked).toEqual(['u3']);
      expect(await service.mfa.status('u3')).toEqual({
        enabled: false,
        pending: false,
        recoveryCodesRemaining: 0,
      });
      expect(await service.mfa.needsChallenge('u3')).toBe(false);
      expect(await refusal(service.mfa.verify('u3', code(1)))).toMatchObject({
        code: 'ERR_MFA_CODE_INVALID',
      });
      expect(service.events.map((event) => event.type)).toContain('MFA_DISABLED');
    },
  );

  it.skipIf(!available)(
    'completes a login challenge once; a wrong code leaves the token usable',
    async () => {
      const { mfa, userId, codeAt } = await enrolled();
      const { mfaToken, expiresAt } = await mfa.createChallenge(userId);
      expect(mfaToken).toMatch(/^mfa_[0-9A-Za-z]+$/);
      expect(expiresAt).toBeGreaterThan(Date.now());
      const wrong = codeAt(0) === '000000' ? '111111' : '000000';
      expect(await refusal(mfa.completeChallenge(mfaToken, wrong))).toMatchObject({
        code: 'ERR_MFA_CODE_INVALID',
      });
      await expect(mfa.completeChallenge(mfaToken, codeAt(0))).resolves.toMatchObject({
        userId,
        method: 'totp',
      });
      expect(await refusal(mfa.completeChallenge(mfaToken, codeAt(1)))).toMatchObject({
        status: 401,
        code: 'ERR_MFA_TOKEN_INVALID',
      });
      for (const bad of ['', 'mfa_short', `${mfaToken}x`, mfaToken.replace(/.$/, 'A'), 42]) {
        expect(await refusal(mfa.completeChallenge(bad, codeAt(1)))).toMatchObject({
          code: 'ERR_MFA_TOKEN_INVALID',
        });
      }
    },
  );

  it.skipIf(!available || _name === 'redis')(
    'expires a challenge after challengeSeconds',
    async () => {
      // (Redis keeps challenge expiry on its own clock; the conformance suite waits it out.)
      const { mfa, userId, codeAt, clock } = await enrolled();
      const { mfaToken } = await mfa.createChallenge(userId);
      clock.advance(300_001);
      expect(await refusal(mfa.completeChallenge(mfaToken, codeAt(0)))).toMatchObject({
        code: 'ERR_MFA_TOKEN_INVALID',
      });
    },
  );

  it.skipIf(!available)(
    'accepts exactly one of 20 concurrent submissions of one valid code',
    async () => {
      const { mfa, userId, codeAt } = await enrolled();
      const code = codeAt(0);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => mfa.verify(userId, code)),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const codes = await Promise.all(
        results
          .filter((result) => result.status === 'rejected')
          .map((result) => refusal(Promise.reject(result.reason))),
      );
      expect(new Set(codes.map((answer) => answer.code))).toEqual(
        new Set(['ERR_MFA_CODE_REPLAYED']),
      );
    },
  );

  it.skipIf(!available)(
    'accepts one of 20 concurrent challenge completions with one token and code',
    async () => {
      const { mfa, userId, codeAt } = await enrolled();
      const { mfaToken } = await mfa.createChallenge(userId);
      const code = codeAt(0);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => mfa.completeChallenge(mfaToken, code)),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    },
  );

  it.skipIf(!available)(
    'engages the lock under 20 concurrent wrong codes; no later right code passes',
    async () => {
      const { mfa, userId, codeAt } = await enrolled();
      const wrong = codeAt(0) === '000000' ? '111111' : '000000';
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => refusal(mfa.verify(userId, wrong))),
      );
      expect(answers.filter((answer) => answer.code === 'ERR_MFA_CODE_INVALID')).toHaveLength(4);
      expect(answers.filter((answer) => answer.code === 'ERR_MFA_LOCKED')).toHaveLength(16);
      for (const offset of [-1, 0, 1]) {
        expect(await refusal(mfa.verify(userId, codeAt(offset)))).toMatchObject({
          code: 'ERR_MFA_LOCKED',
        });
      }
    },
  );

  it.skipIf(!available)(
    'lets one of 2 (and of 20) concurrent uses of a recovery code succeed',
    async () => {
      const { mfa, userId, recoveryCodes } = await enrolled();
      const pair = await Promise.allSettled([0, 1].map(() => mfa.verify(userId, recoveryCodes[0])));
      expect(pair.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const twenty = await Promise.allSettled(
        Array.from({ length: 20 }, () => mfa.verify(userId, recoveryCodes[1])),
      );
      expect(twenty.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    },
  );

  it.skipIf(!available)(
    'never holds the secret, a code or a recovery code in clear: store, events, answers',
    async () => {
      const { mfa, userId, setup, secret, codeAt, recoveryCodes, events } = await enrolled();
      const used = codeAt(0);
      await mfa.verify(userId, used);
      await mfa.verify(userId, recoveryCodes[0]);
      const { mfaToken } = await mfa.createChallenge(userId);
      const base32 = new URL(setup.otpauthUrl).searchParams.get('secret') as string;
      const forbidden = [
        base32,
        base32.toLowerCase(),
        Buffer.from(secret).toString('hex'),
        Buffer.from(secret).toString('base64'),
        Buffer.from(secret).toString('base64url'),
        Buffer.from(secret).toString('latin1'),
        used,
        mfaToken,
        ...recoveryCodes,
      ];
      const stored = await backend.dump([userId]);
      const emitted = JSON.stringify(events);
      const status = JSON.stringify(await mfa.status(userId));
      for (const text of forbidden) {
        expect(stored).not.toContain(text);
        expect(emitted).not.toContain(text);
        expect(status).not.toContain(text);
      }
      // What the store holds is the sealed form, bound to the user.
      expect(stored).toMatch(/v1\.k1\./);
    },
  );

  it.skipIf(!available)('answers 500 when the key that sealed a secret is gone', async () => {
    const { userId, codeAt } = await enrolled();
    // Another ring, without the key the secret was sealed with: an operator's mistake.
    const { mfa: rotatedTooFar } = serviceOn(store);
    expect(await refusal(rotatedTooFar.verify(userId, codeAt(0)))).toMatchObject({
      status: 500,
      code: 'ERR_INTERNAL',
    });
  });

  it.skipIf(!available)('purges every trace of a user', async () => {
    const { mfa, userId, codeAt } = await enrolled();
    const { mfaToken } = await mfa.createChallenge(userId);
    await mfa.purgeUser(userId);
    expect(await mfa.status(userId)).toEqual({
      enabled: false,
      pending: false,
      recoveryCodesRemaining: 0,
    });
    expect(await refusal(mfa.completeChallenge(mfaToken, codeAt(0)))).toMatchObject({
      code: 'ERR_MFA_TOKEN_INVALID',
    });
    expect(await backend.dump([userId])).not.toContain(userId);
  });
});
