/**
 * The variants of the crypto benchmark: sealing a 64-byte secret and opening it again, with
 * AES-256-GCM and a fresh random 96-bit IV each time. Every variant does both halves per op and
 * checks the plaintext came back.
 */
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  type KeyObject,
  randomBytes,
  randomFillSync,
} from 'node:crypto';
import {
  generateKey as cloakKey,
  decryptString,
  decryptStringSync,
  encryptString,
  encryptStringSync,
  parseKey,
} from '@47ng/cloak';
import { createKeyRing, generateKey } from '@rampart/crypto';
import type { Variant } from '../harness/runner.js';

/** The plaintext: 64 bytes, ASCII so that every row (cloak takes strings) seals the same bytes. */
export const PLAINTEXT_TEXT = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const PLAINTEXT = Buffer.from(PLAINTEXT_TEXT);
const AAD_TEXT = 'mfa-secret:user-0000000000001';
const AAD = Buffer.from(AAD_TEXT);

export const BARE = 'createCipheriv + createDecipheriv, 64 bytes (bare)';
export const BARE_POOLED = 'breakdown: the bare loop with IVs from a 4 KiB pool, as ours';
export const OURS_BYTES = 'ring.seal + ring.open, 64 bytes';
export const OURS_TEXT = 'ring.seal + ring.openText, 64-character string';
export const PEER = '@47ng/cloak encryptString + decryptString';
export const PEER_SYNC = '@47ng/cloak encryptStringSync + decryptStringSync';

function bareRoundTrip(key: KeyObject, iv: Buffer): boolean {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(AAD);
  const ciphertext = cipher.update(PLAINTEXT);
  cipher.final();
  const tag = cipher.getAuthTag();
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  decipher.setAAD(AAD);
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(ciphertext);
  decipher.final();
  return plaintext.equals(PLAINTEXT);
}

const ivPool = Buffer.alloc(4092);
let ivNext = ivPool.length;

/** The package's IV source, rewritten here (it is not exported): 12 bytes of a 4 KiB refill. */
function pooledIv(): Buffer {
  if (ivNext === ivPool.length) {
    randomFillSync(ivPool);
    ivNext = 0;
  }
  ivNext += 12;
  return ivPool.subarray(ivNext - 12, ivNext);
}

export async function cryptoVariants(): Promise<Variant[]> {
  if (PLAINTEXT.length !== 64) throw new Error('the plaintext must be 64 bytes');
  const ring = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] });
  const aadOption = { aad: AAD_TEXT };
  const aadBytes = { aad: AAD };
  const bareKey = createSecretKey(randomBytes(32));
  const peerKey = await parseKey(cloakKey());

  return [
    {
      // What seal + open must do at least: a random IV, the AAD, the tag, and both directions.
      // No text format, no parsing, no key lookup.
      name: BARE,
      op: async () => bareRoundTrip(bareKey, randomBytes(12)),
    },
    {
      name: BARE_POOLED,
      baseline: BARE,
      op: async () => bareRoundTrip(bareKey, pooledIv()),
    },
    {
      name: OURS_BYTES,
      baseline: BARE,
      // The AAD as bytes, as the bare loop has it.
      async op() {
        return PLAINTEXT.equals(ring.open(ring.seal(PLAINTEXT, aadBytes), aadBytes));
      },
    },
    {
      name: OURS_TEXT,
      baseline: BARE,
      async op() {
        return ring.openText(ring.seal(PLAINTEXT_TEXT, aadOption), aadOption) === PLAINTEXT_TEXT;
      },
    },
    {
      name: PEER,
      baseline: BARE,
      async op() {
        return (
          (await decryptString(await encryptString(PLAINTEXT_TEXT, peerKey), peerKey)) ===
          PLAINTEXT_TEXT
        );
      },
    },
    {
      // The same work without the two promises: what a caller of the Sync functions pays.
      name: PEER_SYNC,
      baseline: BARE,
      async op() {
        return (
          decryptStringSync(encryptStringSync(PLAINTEXT_TEXT, peerKey), peerKey) === PLAINTEXT_TEXT
        );
      },
    },
  ];
}
