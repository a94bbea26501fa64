/**
 * `@rampart/core/store`: what a store author needs beside the contracts on the root entry point
 * (`NonceStore` and its limits): the argument checks and key of a nonce claim every `NonceStore`
 * applies, the options every memory store takes and the bounds check of their sweep. Application code does
 * not need these.
 */
export { checkSweepBounds } from './expiry-sweep.js';
export { assertClaimArguments, nonceKey } from './nonce-store.js';
export { memoryStoreOptionsShape } from './stores/memory-store-options.js';
