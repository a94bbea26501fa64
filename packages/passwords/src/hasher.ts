import { randomBytes } from 'node:crypto';
import { hash, type Options, parseOptions as parseHash, verify } from '@node-rs/argon2';
import { parseOptions } from '@rampart/core';
import { z } from 'zod';
import { DEFAULT_MAX_PASSWORD_BYTES, normalizePassword } from './password-input.js';

/** `Algorithm.Argon2id` of @node-rs/argon2 (a `const enum`, which isolated modules cannot import). */
const ARGON2ID = 2;

/** Options of {@link createPasswordHasher}. Defaults are OWASP's argon2id minimum. */
export interface PasswordHasherOptions {
  /** Memory per hash in KiB; default 19 456 (19 MiB). At least 7168. */
  memoryCost?: number;
  /** Passes over the memory; default 2. */
  timeCost?: number;
  /** Lanes; default 1. */
  parallelism?: number;
  /** Passwords longer than this many UTF-8 bytes are refused (400) before hashing; default 1024. */
  maxPasswordBytes?: number;
}

/** Hashing, verification and upgrade checks with argon2id. */
export interface PasswordHasher {
  /** A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh 16-byte salt. */
  hash(password: unknown): Promise<string>;
  /**
   * True when `password` matches `storedHash`. Pass `undefined` (or `null`) for an unknown user:
   * a dummy hash with the same parameters is verified instead, so an unknown user costs the same
   * time as a wrong password and the answer is `false`. A malformed stored hash is `false` too.
   */
  verify(storedHash: string | null | undefined, password: unknown): Promise<boolean>;
  /** True when `storedHash` is not argon2id with the current parameters: rehash after login. */
  needsRehash(storedHash: string): boolean;
  /** The parameters in use. */
  readonly options: Readonly<Required<PasswordHasherOptions>>;
}

const optionsSchema = z.strictObject({
  memoryCost: z.number().int().min(7168).max(4_194_304).default(19_456),
  timeCost: z.number().int().min(1).max(100).default(2),
  parallelism: z.number().int().min(1).max(16).default(1),
  maxPasswordBytes: z.number().int().min(64).max(65_536).default(DEFAULT_MAX_PASSWORD_BYTES),
});

/**
 * Creates an argon2id hasher on @node-rs/argon2, whose work runs on libuv's thread pool, so
 * hashing never blocks the event loop. Passwords are size-capped, then NFKC-normalised.
 *
 * @example
 * const passwords = createPasswordHasher();
 * const ok = await passwords.verify(user?.passwordHash, body.password); // same cost without a user
 * if (ok && passwords.needsRehash(user.passwordHash)) await save(await passwords.hash(body.password));
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const parsed = parseOptions('createPasswordHasher', optionsSchema, options);
  const argonOptions: Options = {
    algorithm: ARGON2ID as Options['algorithm'],
    memoryCost: parsed.memoryCost,
    timeCost: parsed.timeCost,
    parallelism: parsed.parallelism,
  };
  // Made now, in the background, with the current parameters, from a password nobody knows: the
  // first unknown user must not pay for making it (that would be a timing signal of its own).
  let dummyHash = hash(randomBytes(32).toString('base64url'), argonOptions);
  dummyHash.catch(() => {});
  const dummy = () => {
    dummyHash = dummyHash.catch(() => hash(randomBytes(32).toString('base64url'), argonOptions));
    return dummyHash;
  };

  return Object.freeze({
    options: parsed,

    hash(password: unknown): Promise<string> {
      try {
        return hash(normalizePassword(password, parsed.maxPasswordBytes), argonOptions);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    async verify(storedHash: string | null | undefined, password: unknown): Promise<boolean> {
      const normalized = normalizePassword(password, parsed.maxPasswordBytes);
      if (typeof storedHash !== 'string' || !storedHash.startsWith('$argon2')) {
        await verify(await dummy(), normalized).catch(() => false);
        return false;
      }
      try {
        return await verify(storedHash, normalized);
      } catch {
        return false;
      }
    },

    needsRehash(storedHash: string): boolean {
      try {
        const current = parseHash(storedHash);
        return (
          (current.algorithm as number) !== ARGON2ID ||
          current.memoryCost !== parsed.memoryCost ||
          current.timeCost !== parsed.timeCost ||
          current.parallelism !== parsed.parallelism
        );
      } catch {
        return true;
      }
    },
  });
}
