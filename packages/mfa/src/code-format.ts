/** What a submitted code turned out to be, after the strict format checks. */
export type ParsedCode =
  | { readonly kind: 'totp'; readonly code: string }
  | { readonly kind: 'recovery'; readonly code: string };

const TOTP_PATTERNS: Readonly<Record<number, RegExp>> = {
  6: /^[0-9]{6}$/,
  7: /^[0-9]{7}$/,
  8: /^[0-9]{8}$/,
};

/** Ten RFC 4648 base32 characters with a dash after five, in either case (as typed). */
const RECOVERY_CODE = /^[a-z2-7]{5}-[a-z2-7]{5}$/i;

/**
 * Classifies untrusted input before anything is computed from it: exactly `digits` ASCII digits
 * is a TOTP code; `xxxxx-xxxxx` (base32, any case, normalised to lower case) is a recovery code
 * when `recoveryAccepted`; anything else (other lengths, spaces, full-width digits, non-strings)
 * is `undefined`, which callers refuse with 400 `ERR_MFA_CODE_MALFORMED`.
 */
export function parseCode(
  input: unknown,
  digits: number,
  recoveryAccepted: boolean,
): ParsedCode | undefined {
  if (typeof input !== 'string' || input.length > 16) return undefined;
  if (TOTP_PATTERNS[digits]?.test(input)) return { kind: 'totp', code: input };
  if (recoveryAccepted && RECOVERY_CODE.test(input)) {
    return { kind: 'recovery', code: input.toLowerCase() };
  }
  return undefined;
}
