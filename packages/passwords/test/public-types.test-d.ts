/**
 * Type tests: what a user of `@rampart/passwords` relies on, imported as a user imports it (the
 * package name, resolved to the sources), pinned. A changed option, result or signature fails
 * `pnpm vitest run --project passwords`, which runs tsc over this file.
 */
import type { RampartError, SecurityEventHandler } from '@rampart/core';
import * as root from '@rampart/passwords';
import {
  breachCheckUnavailableError,
  COMPOSITION_PRESET,
  createPasswordHasher,
  createPasswordPolicy,
  DEFAULT_MAX_PASSWORD_BYTES,
  invalidPasswordError,
  normalizePassword,
  type PasswordContext,
  type PasswordHasher,
  type PasswordHasherOptions,
  type PasswordHasherParameters,
  type PasswordPolicy,
  type PasswordPolicyOptions,
  type PasswordPolicyResult,
  type PasswordRule,
  passwordPolicyError,
  passwordTooLongError,
} from '@rampart/passwords';
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';

describe('createPasswordHasher', () => {
  it('takes optional options, every one of them optional', () => {
    expectTypeOf(createPasswordHasher).parameters.toEqualTypeOf<
      [options?: PasswordHasherOptions]
    >();
    expectTypeOf(createPasswordHasher).returns.toEqualTypeOf<PasswordHasher>();
    expectTypeOf<PasswordHasherOptions>().toEqualTypeOf<{
      memoryCost?: number;
      timeCost?: number;
      parallelism?: number;
      maxPasswordBytes?: number;
      concurrency?: number;
      maxQueued?: number;
      onEvent?: SecurityEventHandler | undefined;
    }>();
    createPasswordHasher();
    createPasswordHasher({ concurrency: 2, maxQueued: 0 });
    // @ts-expect-error the salt length is not an option (argon2's 16 bytes)
    createPasswordHasher({ saltLength: 8 });
    // @ts-expect-error a cost is a number, not text from the environment
    createPasswordHasher({ memoryCost: '19456' });
  });

  it('hashes and verifies anything a request body holds, unknown users included', () => {
    expectTypeOf<PasswordHasher['hash']>().toEqualTypeOf<(password: unknown) => Promise<string>>();
    expectTypeOf<PasswordHasher['verify']>().toEqualTypeOf<
      (storedHash: string | null | undefined, password: unknown) => Promise<boolean>
    >();
    expectTypeOf<PasswordHasher['needsRehash']>().toEqualTypeOf<(storedHash: string) => boolean>();
  });

  it('reports every parameter in use, filled in and read-only', () => {
    expectTypeOf<PasswordHasher['options']>().toEqualTypeOf<PasswordHasherParameters>();
    expectTypeOf<PasswordHasherParameters>().toEqualTypeOf<{
      readonly memoryCost: number;
      readonly timeCost: number;
      readonly parallelism: number;
      readonly maxPasswordBytes: number;
      readonly concurrency: number;
      readonly maxQueued: number;
    }>();
    const hasher = createPasswordHasher();
    expectTypeOf(hasher.options.concurrency).toEqualTypeOf<number>();
    // @ts-expect-error the parameters are fixed at construction
    hasher.options.memoryCost = 7168;
  });
});

describe('createPasswordPolicy', () => {
  it('takes optional options, every one of them optional', () => {
    expectTypeOf(createPasswordPolicy).parameters.toEqualTypeOf<
      [options?: PasswordPolicyOptions]
    >();
    expectTypeOf(createPasswordPolicy).returns.toEqualTypeOf<PasswordPolicy>();
    expectTypeOf<PasswordPolicyOptions>().toEqualTypeOf<{
      minLength?: number;
      maxLength?: number;
      blockCommon?: boolean;
      requireUppercase?: boolean;
      requireLowercase?: boolean;
      requireDigit?: boolean;
      requireSymbol?: boolean;
      isBreached?: (password: string) => boolean | Promise<boolean>;
    }>();
    expectTypeOf(COMPOSITION_PRESET).toEqualTypeOf<Readonly<PasswordPolicyOptions>>();
    createPasswordPolicy({ ...COMPOSITION_PRESET, isBreached: async () => false });
    // @ts-expect-error the composition rule is requireSymbol
    createPasswordPolicy({ requireSpecial: true });
  });

  it('answers which rules failed, as a closed list of rule ids', () => {
    expectTypeOf<PasswordRule>().toEqualTypeOf<
      | 'min-length'
      | 'max-length'
      | 'common'
      | 'repetitive'
      | 'contains-context'
      | 'uppercase'
      | 'lowercase'
      | 'digit'
      | 'symbol'
      | 'breached'
    >();
    expectTypeOf<PasswordPolicyResult>().toEqualTypeOf<{
      ok: boolean;
      failedRules: PasswordRule[];
    }>();
    expectTypeOf<PasswordContext>().toEqualTypeOf<{
      email?: string;
      userName?: string;
      words?: readonly string[];
    }>();
  });

  it('checks, asserts, and validates as a zod schema', () => {
    expectTypeOf<PasswordPolicy['check']>().toEqualTypeOf<
      (password: string, context?: PasswordContext) => Promise<PasswordPolicyResult>
    >();
    expectTypeOf<PasswordPolicy['assert']>().toEqualTypeOf<
      (password: string, context?: PasswordContext) => Promise<void>
    >();
    expectTypeOf<PasswordPolicy['schema']>().toEqualTypeOf<z.ZodString>();
    expectTypeOf<PasswordPolicy['options']>().toEqualTypeOf<
      Readonly<Omit<Required<PasswordPolicyOptions>, 'isBreached'>>
    >();
    const policy = createPasswordPolicy();
    // @ts-expect-error the context names the account's words, not arbitrary fields
    policy.check('a password', { phone: '555' });
  });
});

describe('errors and input', () => {
  it('are RampartErrors, built by named factories', () => {
    expectTypeOf(invalidPasswordError).toEqualTypeOf<() => RampartError>();
    expectTypeOf(passwordTooLongError).toEqualTypeOf<(maxBytes: number) => RampartError>();
    expectTypeOf(passwordPolicyError).toEqualTypeOf<
      (failedRules: readonly string[]) => RampartError
    >();
    expectTypeOf(breachCheckUnavailableError).toEqualTypeOf<(cause: unknown) => RampartError>();
  });

  it('normalizes any input to the string that is hashed', () => {
    expectTypeOf(normalizePassword).toEqualTypeOf<
      (password: unknown, maxBytes: number) => string
    >();
    expectTypeOf(DEFAULT_MAX_PASSWORD_BYTES).toEqualTypeOf<number>();
  });
});

describe('the root entry point', () => {
  it('holds no test backend and no queue internals', () => {
    // @ts-expect-error the tests' argon2 backend hook stays in src/hasher.ts
    void root.createPasswordHasherOn;
    // @ts-expect-error the hash queue is the hasher's own
    void root.createHashQueue;
    // @ts-expect-error the input guard is the hasher's and the policy's own
    void root.assertPasswordText;
    expectTypeOf(root).not.toHaveProperty('createPasswordHasherOn');
  });
});
