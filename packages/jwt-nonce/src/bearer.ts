import { InvalidTokenError } from './errors.js';

/** RFC 6750 §2.1: the scheme (any case), one or more spaces, a b64token. */
const BEARER = /^bearer +([A-Za-z0-9._~+/-]+=*) *$/i;
/** `Bearer ` and a few spaces around the largest token accepted. */
const SCHEME_ALLOWANCE = 16;

/**
 * Takes the token out of an `Authorization` header value, or throws `InvalidTokenError`: no
 * header (`missing`), a header sent twice, another scheme, or a value over the size cap
 * (checked before the pattern runs). The scheme is case-insensitive (RFC 9110 §11.1).
 *
 * @example
 * extractBearerToken('bearer eyJ…', 8192); // 'eyJ…'
 */
export function extractBearerToken(
  header: string | readonly string[] | undefined,
  maxTokenBytes: number,
): string {
  if (header === undefined) throw new InvalidTokenError('missing');
  if (typeof header !== 'string') {
    if (header.length !== 1) throw new InvalidTokenError('malformed');
    return extractBearerToken(header[0], maxTokenBytes);
  }
  if (header.length > maxTokenBytes + SCHEME_ALLOWANCE) throw new InvalidTokenError('too-large');
  const match = BEARER.exec(header);
  if (match === null) throw new InvalidTokenError(header.trim() === '' ? 'missing' : 'malformed');
  return match[1] as string;
}
