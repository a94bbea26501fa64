/**
 * `@rampart/crypto`: a key ring that seals secrets a server must recover (AES-256-GCM, AAD,
 * a versioned text format, rotation and rewrap), keyed hashes for secrets it only checks (a
 * rotatable pepper), random tokens with a checksum, and constant-time equality. Memory only:
 * it keeps no state beyond its keys.
 */
export { constantTimeEqual } from './constant-time.js';
export {
  CryptoDecryptError,
  CryptoPlaintextTooLargeError,
  CryptoUnknownKeyError,
} from './errors.js';
export type { AadOptions, BytesOrText } from './input.js';
export { generateKey } from './key-material.js';
export { createKeyRing, type KeyRing, type KeyRingOptions } from './key-ring.js';
export { createKeyedHasher, type KeyedHasher, type KeyedHasherOptions } from './keyed-hash.js';
export type { KeyInput } from './keys-option.js';
export {
  type CompiledTokenFormat,
  compileTokenFormat,
  type ParsedToken,
  parseToken,
  randomToken,
  type TokenFormat,
  tokenEntropyBits,
} from './random-token.js';
export { hasTokenChecksum, TOKEN_CHECKSUM_LENGTH, tokenChecksum } from './token-checksum.js';
