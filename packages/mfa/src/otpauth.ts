import { encode as encodeBase32 } from './base32.js';
import { invalidLabelError } from './errors.js';
import type { TotpSettings } from './totp.js';

/** A label or issuer an authenticator app shows unchanged: no colon, no control characters. */
const DISPLAY_TEXT = /^[^:\p{Cc}]{1,256}$/u;

/** True when `text` can be an otpauth issuer or account label. */
export function isOtpauthText(text: unknown): text is string {
  return typeof text === 'string' && text.isWellFormed() && DISPLAY_TEXT.test(text);
}

/**
 * The `otpauth://totp/` URI of Google Authenticator's Key Uri Format: the label is
 * `issuer:account`, each percent-encoded (the colon between them literal), and the query names
 * the secret (base32, unpadded), the issuer again, the algorithm, digits and period explicitly,
 * so an app that ignores the label prefix or assumes defaults still gets them right. A label
 * holding a colon is refused (400 `ERR_MFA_LABEL_INVALID`): apps split on it.
 */
export function otpauthUri(
  secret: Uint8Array,
  issuer: string,
  account: string,
  settings: TotpSettings,
): string {
  if (!isOtpauthText(account)) throw invalidLabelError();
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [
    `secret=${encodeBase32(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    `algorithm=${settings.algorithm.toUpperCase()}`,
    `digits=${settings.digits}`,
    `period=${settings.period}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}
