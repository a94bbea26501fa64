import { parseOptions } from '@rampart/core';
import { z } from 'zod';
import { COMMON_PASSWORDS } from './common-passwords.js';
import { breachCheckUnavailableError, passwordPolicyError } from './errors.js';
import { assertPasswordText } from './password-input.js';

/** The rules a policy can fail, as listed in `failedRules` of the 400. */
export type PasswordRule =
  | 'min-length'
  | 'max-length'
  | 'common'
  | 'repetitive'
  | 'contains-context'
  | 'uppercase'
  | 'lowercase'
  | 'digit'
  | 'symbol'
  | 'breached';

/** Words of the account a password must not contain (its email, user name, the site's name). */
export interface PasswordContext {
  email?: string;
  userName?: string;
  /** Other words: the product name, the company. */
  words?: readonly string[];
}

/** Options of {@link createPasswordPolicy}. */
export interface PasswordPolicyOptions {
  /**
   * Fewest characters (Unicode code points). Default 15: NIST SP 800-63B-4 requires 15 when the
   * password is the only factor; 8 is its minimum when it is used with MFA.
   */
  minLength?: number;
  /** Most characters; at least 64 (NIST: allow 64 or more); default 128. */
  maxLength?: number;
  /** Refuse well-known passwords and one character repeated; default `true`. */
  blockCommon?: boolean;
  /** Composition rules, off by default (NIST advises against them); see {@link COMPOSITION_PRESET}. */
  requireUppercase?: boolean;
  requireLowercase?: boolean;
  requireDigit?: boolean;
  requireSymbol?: boolean;
  /**
   * Resolves `true` when the password appears in a breach corpus (e.g. Have I Been Pwned's
   * k-anonymity range API). If it throws, the password is refused with a 503 (fail closed).
   */
  isBreached?: (password: string) => boolean | Promise<boolean>;
}

/** The seed's composition rules: 12 characters and every character class. */
export const COMPOSITION_PRESET: Readonly<PasswordPolicyOptions> = Object.freeze({
  minLength: 12,
  requireUppercase: true,
  requireLowercase: true,
  requireDigit: true,
  requireSymbol: true,
});

/** What {@link PasswordPolicy.check} found. */
export interface PasswordPolicyResult {
  ok: boolean;
  failedRules: PasswordRule[];
}

/** A password policy. Create it with {@link createPasswordPolicy}. */
export interface PasswordPolicy {
  /** Every rule, the breach hook included; never throws for a failing password. */
  check(password: string, context?: PasswordContext): Promise<PasswordPolicyResult>;
  /** {@link check}, throwing a 400 `ERR_PASSWORD_POLICY` listing `failedRules` when it fails. */
  assert(password: string, context?: PasswordContext): Promise<void>;
  /** The synchronous rules as a zod schema, for request validation (no breach check). */
  readonly schema: z.ZodString;
  readonly options: Readonly<Omit<Required<PasswordPolicyOptions>, 'isBreached'>>;
}

const optionsSchema = z
  .strictObject({
    minLength: z.number().int().min(8).max(64).default(15),
    maxLength: z.number().int().min(64).max(1024).default(128),
    blockCommon: z.boolean().default(true),
    requireUppercase: z.boolean().default(false),
    requireLowercase: z.boolean().default(false),
    requireDigit: z.boolean().default(false),
    requireSymbol: z.boolean().default(false),
    isBreached: z
      .custom<NonNullable<PasswordPolicyOptions['isBreached']>>(
        (value) => typeof value === 'function',
      )
      .optional(),
  })
  .refine((options) => options.maxLength >= options.minLength, {
    message: 'maxLength must be at least minLength',
    path: ['maxLength'],
  });

/** Context words shorter than this are ignored: "al" in a password is no leak of "al@x.io". */
const MIN_CONTEXT_WORD = 4;

/** The context's words, lower-case; anything that is not a string is no word (never a throw). */
function contextWords(context: PasswordContext | undefined): string[] {
  if (typeof context !== 'object' || context === null) return [];
  const { email, userName, words: others } = context as Record<string, unknown>;
  const words: unknown[] = Array.isArray(others) ? [...others] : [];
  if (typeof userName === 'string') words.push(userName);
  if (typeof email === 'string') words.push(...email.split(/[@.+_-]/), email);
  return words
    .filter((word): word is string => typeof word === 'string')
    .map((word) => word.toLowerCase())
    .filter((word) => word.length >= MIN_CONTEXT_WORD);
}

/**
 * A NIST SP 800-63B-style policy: length (in code points), no well-known or repetitive
 * passwords, nothing containing the account's own email or name, and an optional breach check.
 * No composition rules unless asked for ({@link COMPOSITION_PRESET}).
 *
 * @example
 * const policy = createPasswordPolicy({ isBreached: pwnedRangeCheck });
 * await policy.assert(body.password, { email: body.email }); // 400 ERR_PASSWORD_POLICY with failedRules
 */
export function createPasswordPolicy(options: PasswordPolicyOptions = {}): PasswordPolicy {
  const { isBreached, ...rules } = parseOptions('createPasswordPolicy', optionsSchema, options);

  function syncFailures(password: string, context?: PasswordContext): PasswordRule[] {
    const failed: PasswordRule[] = [];
    // A code point is at most two UTF-16 units: past 2 × maxLength units there are more than
    // maxLength code points, so a huge input is refused on its length without being walked.
    if (password.length > 2 * rules.maxLength) return ['max-length'];
    const length = [...password].length;
    if (length < rules.minLength) failed.push('min-length');
    if (length > rules.maxLength) failed.push('max-length');
    const lower = password.toLowerCase();
    if (rules.blockCommon) {
      if (COMMON_PASSWORDS.has(lower)) failed.push('common');
      if (/^(.)\1*$/su.test(password)) failed.push('repetitive');
    }
    if (contextWords(context).some((word) => lower.includes(word))) failed.push('contains-context');
    if (rules.requireUppercase && !/\p{Lu}/u.test(password)) failed.push('uppercase');
    if (rules.requireLowercase && !/\p{Ll}/u.test(password)) failed.push('lowercase');
    if (rules.requireDigit && !/\p{Nd}/u.test(password)) failed.push('digit');
    if (rules.requireSymbol && !/[^\p{L}\p{Nd}]/u.test(password)) failed.push('symbol');
    return failed;
  }

  async function check(password: string, context?: PasswordContext): Promise<PasswordPolicyResult> {
    // Typed `string`, but it comes from request bodies: anything else is a 400, never a TypeError.
    assertPasswordText(password);
    const failedRules = syncFailures(password, context);
    if (failedRules.length === 0 && isBreached !== undefined) {
      let breached: boolean;
      try {
        breached = await isBreached(password);
      } catch (error) {
        throw breachCheckUnavailableError(error);
      }
      if (breached) failedRules.push('breached');
    }
    return { ok: failedRules.length === 0, failedRules };
  }

  const schema = z.string().superRefine((password, ctx) => {
    for (const rule of syncFailures(password)) ctx.addIssue({ code: 'custom', message: rule });
  });

  return Object.freeze({
    options: rules,
    schema,
    check,
    async assert(password: string, context?: PasswordContext): Promise<void> {
      const result = await check(password, context);
      if (!result.ok) throw passwordPolicyError(result.failedRules);
    },
  });
}
