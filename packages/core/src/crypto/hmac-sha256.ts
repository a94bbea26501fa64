import { hash, type KeyObject } from 'node:crypto';

const BLOCK = 64;

/**
 * Longest message signed in the key's own buffer: a signing string with a target of a few hundred
 * bytes fits. Longer ones (up to a target's 8 KiB cap) go through a shared scratch buffer.
 */
const OWN_MESSAGE_BYTES = 1024;
/** Longest message signed without an allocation: a request target's cap plus the other fields. */
const SCRATCH_MESSAGE_BYTES = 16 * 1024;
/** Inner block + message for longer messages, reused by every `sign` (synchronous). */
const innerScratch = Buffer.alloc(BLOCK + SCRATCH_MESSAGE_BYTES);

/**
 * An HMAC-SHA256 key imported once: a node:crypto `KeyObject` of type `secret`, and the inner and
 * outer key blocks derived from it (RFC 2104). Shared by request signing and HS256 tokens.
 *
 * Why not `createHmac(key)` on every request: on Node 20 with OpenSSL 3 each `createHmac` fetches
 * the MAC implementation again, which costs more than hashing a 1 KiB body, and so does asking
 * `crypto.hash` for a `Buffer`. HMAC is two SHA-256 passes over the pre-padded key blocks; the
 * one-shot `crypto.hash` with a `binary` (latin1) result runs them in about a third of the time. The result
 * is byte for byte `createHmac('sha256', key)` (pinned by a property test).
 *
 * Each key keeps its pads at the start of its own two buffers (key material, like the pads
 * themselves, never in a shared buffer), so a `sign` only writes the message and the inner
 * digest after them: no copy of the pads and no wipe per call.
 */
export class HmacSha256Key {
  /** The imported key, for callers that need a `KeyObject`. */
  readonly keyObject: KeyObject;
  /** Inner pad, then room for a message of up to `OWN_MESSAGE_BYTES`. */
  readonly #inner: Buffer;
  /** Outer pad, then the inner digest. */
  readonly #outer: Buffer;
  /**
   * The last view of `#inner` hashed, and its length: a client's signing strings mostly have one
   * length (same route, same nonce and timestamp widths), and a view is an object per call.
   */
  #innerView: Buffer | undefined;
  #innerViewLength = -1;

  constructor(keyObject: KeyObject) {
    this.keyObject = keyObject;
    const raw = keyObject.export();
    const block = Buffer.alloc(BLOCK);
    // RFC 2104 §2: a key longer than the block is hashed first.
    if (raw.length > BLOCK) Buffer.from(hash('sha256', raw, 'binary'), 'binary').copy(block);
    else raw.copy(block);
    raw.fill(0);
    this.#inner = Buffer.alloc(BLOCK + OWN_MESSAGE_BYTES);
    this.#outer = Buffer.alloc(BLOCK + 32);
    for (let i = 0; i < BLOCK; i++) {
      this.#inner[i] = (block[i] as number) ^ 0x36;
      this.#outer[i] = (block[i] as number) ^ 0x5c;
    }
    block.fill(0);
  }

  /**
   * HMAC-SHA256 of `message`: bytes, or a string of one byte a character (latin1: what Node
   * decodes request targets and header values as; every field Rampart signs is ASCII).
   */
  sign(message: string | Uint8Array): Buffer {
    return Buffer.from(this.#mac(message, 'binary'), 'binary');
  }

  /** HMAC-SHA256 of `message` as lower-case hex (64 characters), without a `Buffer` in between. */
  signHex(message: string | Uint8Array): string {
    return this.#mac(message, 'hex');
  }

  /**
   * HMAC-SHA256 of `message` as unpadded base64url (43 characters, the JWS form), without a
   * `Buffer` in between.
   */
  signBase64url(message: string | Uint8Array): string {
    return this.#mac(message, 'base64url');
  }

  #mac(message: string | Uint8Array, encoding: 'binary' | 'hex' | 'base64url'): string {
    const length = typeof message === 'string' ? message.length : message.byteLength;
    let innerDigest: string;
    if (length <= OWN_MESSAGE_BYTES) {
      const input = this.#inner;
      if (typeof message === 'string') input.write(message, BLOCK, 'latin1');
      else input.set(message, BLOCK);
      innerDigest = hash('sha256', this.#viewOfInner(BLOCK + length), 'binary');
    } else {
      const input =
        length <= SCRATCH_MESSAGE_BYTES ? innerScratch : Buffer.allocUnsafe(BLOCK + length);
      this.#inner.copy(input, 0, 0, BLOCK);
      if (typeof message === 'string') input.write(message, BLOCK, 'latin1');
      else input.set(message, BLOCK);
      innerDigest = hash('sha256', input.subarray(0, BLOCK + length), 'binary');
      // The pads are key material: they never stay in a shared buffer.
      input.fill(0, 0, BLOCK);
    }
    const outer = this.#outer;
    outer.write(innerDigest, BLOCK, 'latin1');
    return hash('sha256', outer, encoding);
  }

  #viewOfInner(length: number): Buffer {
    if (length !== this.#innerViewLength || this.#innerView === undefined) {
      this.#innerView = this.#inner.subarray(0, length);
      this.#innerViewLength = length;
    }
    return this.#innerView;
  }
}
