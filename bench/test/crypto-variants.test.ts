import { describe, expect, it } from 'vitest';
import {
  BARE,
  BARE_POOLED,
  cryptoVariants,
  OURS_BYTES,
  OURS_TEXT,
  PEER,
  PEER_SYNC,
} from '../src/crypto/variants.js';

describe('crypto benchmark variants', () => {
  it('every variant seals and opens the 64 bytes it is timed on, again and again', async () => {
    const variants = await cryptoVariants();
    expect(variants.map((variant) => variant.name)).toEqual([
      BARE,
      BARE_POOLED,
      OURS_BYTES,
      OURS_TEXT,
      PEER,
      PEER_SYNC,
    ]);
    // More ops than one IV pool holds (341), so a refill is crossed.
    for (const variant of variants) {
      for (let i = 0; i < 400; i++) expect(await variant.op(i)).toBe(true);
    }
  });
});
