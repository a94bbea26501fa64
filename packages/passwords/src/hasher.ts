import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash, type Options, parseOptions as parseHash, verify } from '@node-rs/argon2';
import { createEventEmitter, parseOptions, type SecurityEventHandler } from '@rampart/core';
import { z } from 'zod';
import { createHashQueue, HASH_QUEUE_RESOURCE, type HashOperation } from './hash-queue.js';
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
  /**
   * Hashes and verifies running at once; default `os.availableParallelism()` (the core count),
   * read at construction. More only queues in libuv's thread pool (`UV_THREADPOOL_SIZE`,
   * default 4), which fs, dns and zlib share.
   */
  concurrency?: number;
  /**
   * Hashes and verifies waiting for a slot; default 32 × `concurrency`. One more is refused at
   * once with 503 `ERR_BUSY` and `Retry-After: 1`, instead of joining an ever-growing queue. 0
   * refuses whatever finds every slot taken.
   */
  maxQueued?: number;
  /**
   * Security events: `CAPACITY_EXCEEDED` (warning, code `ERR_BUSY`) for each call refused
   * because the queue was full, so a login flood that saturates the hasher reaches the audit
   * trail. It names the operation and the bounds, never the password or who asked.
   */
  onEvent?: SecurityEventHandler | undefined;
}

/** The parameters in use, as {@link PasswordHasher.options} reports them. */
export type PasswordHasherParameters = Readonly<Required<Omit<PasswordHasherOptions, 'onEvent'>>>;

/** The two calls of @node-rs/argon2 that cost a hash; tests pass controllable fakes. */
export interface Argon2Backend {
  hash(password: string, options: Options): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
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
  readonly options: PasswordHasherParameters;
}

/** Queued tasks per unit of concurrency by default: at ~10 ms a hash, a wait of ~0.3 s at most. */
const QUEUED_PER_SLOT = 32;

const optionsSchema = z
  .strictObject({
    memoryCost: z.number().int().min(7168).max(4_194_304).default(19_456),
    timeCost: z.number().int().min(1).max(100).default(2),
    parallelism: z.number().int().min(1).max(16).default(1),
    maxPasswordBytes: z.number().int().min(64).max(65_536).default(DEFAULT_MAX_PASSWORD_BYTES),
    concurrency: z.number().int().min(1).max(1024).optional(),
    maxQueued: z.number().int().min(0).max(1_000_000).optional(),
    onEvent: z.custom<SecurityEventHandler>((value) => typeof value === 'function').optional(),
  })
  .transform(({ concurrency = availableParallelism(), maxQueued, onEvent: _onEvent, ...rest }) => ({
    ...rest,
    concurrency,
    maxQueued: maxQueued ?? QUEUED_PER_SLOT * concurrency,
  }));

/**
 * Creates an argon2id hasher on @node-rs/argon2, whose work runs on libuv's thread pool, so
 * hashing never blocks the event loop. Passwords are size-capped, then NFKC-normalised. Every
 * hash and verify (the unknown user's dummy verify too) waits for one of `concurrency` slots;
 * beyond `maxQueued` waiting, the call rejects with 503 `ERR_BUSY` and `Retry-After`.
 *
 * @example
 * const passwords = createPasswordHasher();
 * const ok = await passwords.verify(user?.passwordHash, body.password); // same cost without a user
 * if (ok && passwords.needsRehash(user.passwordHash)) await save(await passwords.hash(body.password));
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  return createPasswordHasherOn({ hash, verify }, options);
}

/** {@link createPasswordHasher} on another backend: how the tests control when a hash ends. */
export function createPasswordHasherOn(
  backend: Argon2Backend,
  options: PasswordHasherOptions = {},
): PasswordHasher {
  const parsed = parseOptions('createPasswordHasher', optionsSchema, options);
  const emit = createEventEmitter({ source: '@rampart/passwords', onEvent: options.onEvent });
  const refused = (operation: HashOperation | undefined) =>
    emit({
      type: 'CAPACITY_EXCEEDED',
      severity: 'warning',
      code: 'ERR_BUSY',
      reason: 'hash queue full',
      detail: {
        resource: HASH_QUEUE_RESOURCE,
        ...(operation === undefined ? {} : { operation }),
        concurrency: parsed.concurrency,
        maxQueued: parsed.maxQueued,
      },
    });
  const argonOptions: Options = {
    algorithm: ARGON2ID as Options['algorithm'],
    memoryCost: parsed.memoryCost,
    timeCost: parsed.timeCost,
    parallelism: parsed.parallelism,
  };
  const queue = createHashQueue(parsed.concurrency, parsed.maxQueued, refused);
  const hashNow = (password: string) =>
    queue.run(() => backend.hash(password, argonOptions), 'hash');
  // A stored hash that does not parse verifies as `false`; ERR_BUSY (thrown by the queue, outside
  // the task) still reaches the caller.
  const verifyNow = (stored: string, password: string) =>
    queue.run(async () => {
      try {
        return await backend.verify(stored, password);
      } catch {
        return false;
      }
    }, 'verify');

  // Made now, in the background, with the current parameters, from a password nobody knows: the
  // first unknown user must not pay for making it (that would be a timing signal of its own).
  let dummyHash = hashNow(randomBytes(32).toString('base64url'));
  dummyHash.catch(() => {});
  const dummy = () => {
    dummyHash = dummyHash.catch(() => hashNow(randomBytes(32).toString('base64url')));
    return dummyHash;
  };
  return Object.freeze({
    options: parsed,
    hash(password: unknown): Promise<string> {
      try {
        return hashNow(normalizePassword(password, parsed.maxPasswordBytes));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async verify(storedHash: string | null | undefined, password: unknown): Promise<boolean> {
      const normalized = normalizePassword(password, parsed.maxPasswordBytes);
      if (typeof storedHash !== 'string' || !storedHash.startsWith('$argon2')) {
        // Through the queue like any verify: otherwise unknown emails would be an unbounded path.
        await verifyNow(await dummy(), normalized);
        return false;
      }
      return verifyNow(storedHash, normalized);
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
