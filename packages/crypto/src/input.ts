/** What the sealing and hashing functions accept as data: bytes, or text (UTF-8). */
export type BytesOrText = Uint8Array | string;

/**
 * `value` as bytes: a `Uint8Array` as is, a string as UTF-8. Throws `TypeError` for anything
 * else and for a string with a lone surrogate, which has no UTF-8 form (it would become U+FFFD,
 * so two different strings would seal or hash alike). A call-site mistake, never input to map.
 */
export function toBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') {
    if (!value.isWellFormed()) {
      throw new TypeError(`${what} must be well-formed Unicode (it has a lone surrogate).`);
    }
    return Buffer.from(value, 'utf8');
  }
  throw new TypeError(`${what} must be a string or a Uint8Array.`);
}

/** `value` as bytes when it is a string of well-formed Unicode or a `Uint8Array`, else `undefined`. */
export function toBytesOrUndefined(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value !== 'string' || !value.isWellFormed()) return undefined;
  return Buffer.from(value, 'utf8');
}

/** The `{ aad }` option of seal/open/rewrap. */
export interface AadOptions {
  /**
   * What the sealed value belongs to and is for, e.g. `mfa-secret:${userId}`: a non-empty string
   * (UTF-8) or bytes. The same AAD must be given to open it; a value moved to another owner or
   * purpose does not open.
   */
  aad: BytesOrText;
}

/** The AAD of `options` as non-empty bytes; throws `TypeError` when it is missing or empty. */
export function aadOf(options: unknown): Uint8Array {
  const aad = (options as { aad?: unknown } | null | undefined)?.aad;
  if (aad === undefined) {
    throw new TypeError(
      '{ aad } is required: what the value belongs to, e.g. `mfa-secret:<userId>`.',
    );
  }
  const bytes = toBytes(aad, 'aad');
  if (bytes.byteLength === 0) throw new TypeError('aad must not be empty.');
  return bytes;
}
