import { createSecretKey } from 'node:crypto';
import { HmacSha256Key } from '@rampart/core';
import { constantTimeEqual } from '@rampart/crypto';

/** Bytes of a chain hash (HMAC-SHA256). */
export const HASH_BYTES = 32;

/** The `prev` of a chain's first record: 32 zero bytes (docs/audit.md, "Chain format"). */
export const GENESIS_HASH = '0'.repeat(HASH_BYTES * 2);

/** The end of a chain as written: its last sequence number and that record's hash (hex). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * A signed statement that a chain reached `seq` with `hash` at `at`: kept apart from the
 * records (and handed to `onCheckpoint` to keep elsewhere), it makes a cut tail visible.
 */
export interface Checkpoint {
  readonly chain: string;
  readonly seq: number;
  /** Hex hash of record `seq`. */
  readonly hash: string;
  /** Epoch ms when it was signed. */
  readonly at: number;
  /** Hex HMAC-SHA256 of {@link checkpointText} under the checkpoint key. */
  readonly signature: string;
}

/** The text a checkpoint's signature covers: one field a line, after a version line. */
export function checkpointText(checkpoint: Omit<Checkpoint, 'signature'>): string {
  const { chain, seq, hash, at } = checkpoint;
  return `rampart-audit-checkpoint.v1\n${chain}\n${seq}\n${hash}\n${at}`;
}

/**
 * The trail's keys, all from the one configured `hmacKey`: the chain key itself, and two keys
 * derived from it (HMAC of a label) so a checkpoint signature or a user reference can never be
 * passed off as a record hash.
 */
export class ChainKeys {
  readonly #chain: HmacSha256Key;
  readonly #checkpoint: HmacSha256Key;
  readonly #userRef: HmacSha256Key;
  /** Reused for `prev || body`: the writer and `verify()` are synchronous between awaits. */
  #message = Buffer.alloc(4096);

  constructor(key: Uint8Array) {
    this.#chain = new HmacSha256Key(createSecretKey(key));
    const derive = (label: string) =>
      new HmacSha256Key(createSecretKey(this.#chain.sign(`rampart-audit ${label} key`)));
    this.#checkpoint = derive('checkpoint');
    this.#userRef = derive('user-ref');
  }

  /** `HMAC(key, prev || body)` as hex: `prev` is the previous hash (hex), `body` the record's text as UTF-8. */
  link(prev: string, body: string): string {
    // A UTF-16 unit takes at most 3 bytes of UTF-8: with room for that, the write says how many
    // it took, and the text is not measured first.
    const room = HASH_BYTES + body.length * 3;
    if (this.#message.length < room) this.#message = Buffer.alloc(room * 2);
    this.#message.write(prev, 0, HASH_BYTES, 'hex');
    const length = HASH_BYTES + this.#message.write(body, HASH_BYTES, 'utf8');
    return this.#chain.signHex(this.#message.subarray(0, length));
  }

  /** Signs a checkpoint. */
  sign(checkpoint: Omit<Checkpoint, 'signature'>): Checkpoint {
    const signature = this.#checkpoint.signHex(Buffer.from(checkpointText(checkpoint), 'utf8'));
    return Object.freeze({ ...checkpoint, signature });
  }

  /** Whether a checkpoint's signature is ours (compared in constant time). */
  checkSignature(checkpoint: Checkpoint): boolean {
    const { signature, ...fields } = checkpoint;
    return constantTimeEqual(this.sign(fields).signature, signature);
  }

  /** The pseudonymous reference under which a user's key is stored: never the user id itself. */
  userRef(userId: string): string {
    return this.#userRef.signBase64url(Buffer.from(userId, 'utf8'));
  }
}
