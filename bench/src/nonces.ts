import { randomBytes } from 'node:crypto';

/** A tag unique to this run, so nonces never collide with an earlier run's unexpired ones. */
const runTag = randomBytes(9).toString('base64url');

/**
 * The `i`-th nonce of this run: 32 base64url characters, the length of a 24-byte random nonce.
 * Derived from a counter rather than drawn from `randomBytes`, so generating it costs the same
 * tiny amount in every variant and never dominates what is measured.
 */
export function nonceOf(i: number): string {
  return runTag + i.toString(36).padStart(20, '0');
}

/** The scope of every claim: short, like a signing key id. */
export const BENCH_SCOPE = 'k1';
