import { RampartError } from '@rampart/core';

/**
 * A sealed value could not be opened: a wrong key, a tampered or truncated ciphertext, a wrong
 * AAD, or a text that is not a sealed value at all. One code, one message and no cause for all of
 * them, so a caller who can submit sealed texts learns nothing from the answer but "no" (no
 * oracle). Status 400: where the text came from a client (an OAuth state, a sealed cookie) it is
 * bad input; where it came from your own store, map it to a 500 and alert.
 */
export class CryptoDecryptError extends RampartError {
  override readonly name = 'RampartError';

  constructor() {
    super({
      status: 400,
      code: 'ERR_CRYPTO_DECRYPT',
      title: 'Bad request',
      detail: 'The sealed value could not be opened.',
    });
  }
}

/**
 * A well-formed sealed value names a key id the ring does not hold: usually a key retired before
 * every value sealed with it was rewrapped. Decided from the text alone, before any key is used,
 * so it tells a caller only what the text already says (its key id) and whether the ring has that
 * id; never anything about a key, the plaintext or the AAD.
 */
export class CryptoUnknownKeyError extends RampartError {
  override readonly name = 'RampartError';
  /** The key id the text names (key ids are not secret: every sealed text carries its own). */
  readonly keyId: string;

  constructor(keyId: string) {
    super({
      status: 400,
      code: 'ERR_CRYPTO_UNKNOWN_KEY',
      title: 'Bad request',
      detail: 'The sealed value names a key this server does not hold.',
    });
    this.keyId = keyId;
  }
}

/** A plaintext over the ring's `maxPlaintextBytes`; refused before any encryption. */
export class CryptoPlaintextTooLargeError extends RampartError {
  override readonly name = 'RampartError';
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super({
      status: 400,
      code: 'ERR_CRYPTO_PLAINTEXT_TOO_LARGE',
      title: 'Bad request',
      detail: `The value to seal is longer than ${maxBytes} bytes.`,
      extensions: { maxBytes },
    });
    this.maxBytes = maxBytes;
  }
}
