/**
 * The variants of the MFA benchmark: verifying a valid 6-digit TOTP code (SHA-1, 30 s, ±1 step)
 * with otplib's bare `verify` and with `@rampart/mfa`'s `verify` on the memory store (format
 * check, the sealed secret opened, the window computed, the replay guard and lock in the store).
 *
 * Every op verifies the code of a new time step (the replay guard accepts each step once), so
 * every variant is given the same fresh step and code: the codes are computed before the run,
 * and each round starts a fresh store whose last accepted step is before the first one.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createFakeClock } from '@rampart/core';
import { createKeyedHasher, createKeyRing, generateKey } from '@rampart/crypto';
import { createMfa, MemoryMfaStore, type Mfa, secretAad } from '@rampart/mfa';
import { type CryptoPlugin, generateSync, type HashAlgorithm, verify } from 'otplib';
import type { Variant } from '../harness/runner.js';

export const BARE = 'otplib verify (bare: no replay guard, no lock), base32 secret';
export const BARE_NODE = 'breakdown: otplib verify with a node:crypto HMAC plugin, byte secret';
export const OURS = 'mfa.verify on MemoryMfaStore (sealed secret, replay guard, lock)';

const PERIOD = 30;
/** Codes computed up front: more than any round (or the warm-up's calibration) verifies. */
const STEPS = 400_000;
const FIRST_STEP = Math.floor(Date.UTC(2026, 0, 1) / 1000 / PERIOD);
const USER = 'bench-user';

/** What `@rampart/mfa` uses internally, written again here (it is not exported). */
const nodeCrypto: CryptoPlugin = {
  name: 'bench-node-crypto',
  algorithms: ['sha1', 'sha256', 'sha512'],
  hmac: (algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array) =>
    createHmac(algorithm, key).update(data).digest(),
  randomBytes: (length: number) => randomBytes(length),
  constantTimeEqual: (a, b) => String(a) === String(b),
};

/** RFC 4648 base32 of `bytes`, no padding: the secret as an app stores it for otplib. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let text = '';
  for (let i = 0; i < bits.length; i += 5)
    text += alphabet[Number.parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return text;
}

export interface MfaBench {
  variants: Variant[];
}

/** The three variants over one secret and one list of codes. */
export async function mfaVariants(): Promise<MfaBench> {
  const secret = new Uint8Array(randomBytes(20));
  const secretText = base32(secret);
  const codes: string[] = [];
  for (let step = 0; step < STEPS; step++) {
    codes.push(generateSync({ secret, epoch: (FIRST_STEP + step) * PERIOD, crypto: nodeCrypto }));
  }

  const keyRing = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] });
  const hasher = createKeyedHasher({ keys: [{ id: 'p1', key: generateKey() }] });
  const sealed = keyRing.seal(secret, { aad: secretAad(USER) });
  const clock = createFakeClock((FIRST_STEP - 1) * PERIOD * 1000);
  let mfa: Mfa;
  let step = 0;

  /** A fresh store with the user enrolled at the step before the first code. */
  async function freshService(): Promise<void> {
    const store = new MemoryMfaStore();
    const now = clock.now();
    await store.setPending(USER, sealed, now + 60_000, now);
    await store.enable(USER, { secret: sealed, step: FIRST_STEP - 1, recoveryCodeHashes: [] }, now);
    mfa = createMfa({ store, keyRing, hasher, issuer: 'Bench', clock });
    step = 0;
  }
  await freshService();

  // Each variant walks the steps from the first in every round, so all verify the same codes.
  let bareStep = 0;
  let bareNodeStep = 0;
  return {
    variants: [
      {
        name: BARE,
        beforeRound: () => {
          bareStep = 0;
        },
        async op() {
          const index = bareStep++ % STEPS;
          const result = await verify({
            secret: secretText,
            token: codes[index] as string,
            epoch: (FIRST_STEP + index) * PERIOD + 1,
            epochTolerance: PERIOD,
          });
          return result.valid;
        },
      },
      {
        name: BARE_NODE,
        baseline: BARE,
        beforeRound: () => {
          bareNodeStep = 0;
        },
        async op() {
          const index = bareNodeStep++ % STEPS;
          const result = await verify({
            secret,
            token: codes[index] as string,
            epoch: (FIRST_STEP + index) * PERIOD + 1,
            epochTolerance: PERIOD,
            crypto: nodeCrypto,
          });
          return result.valid;
        },
      },
      {
        name: OURS,
        baseline: BARE,
        beforeRound: freshService,
        async op() {
          const index = step++;
          if (index >= STEPS) return false;
          clock.set(((FIRST_STEP + index) * PERIOD + 1) * 1000);
          const passed = await mfa.verify(USER, codes[index]);
          return passed.method === 'totp';
        },
      },
    ],
  };
}
