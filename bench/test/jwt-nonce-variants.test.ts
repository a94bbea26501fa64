import { describe, expect, it } from 'vitest';
import { memoryVariants, NAMES } from '../src/jwt-nonce/variants.js';

describe('jwt-verify benchmark variants', () => {
  it('every memory variant verifies the token it is timed on', async () => {
    const suite = await memoryVariants();
    expect(suite.variants.map((variant) => variant.name)).toEqual([
      NAMES.hmac,
      NAMES.joseCryptoKey,
      NAMES.joseBytes,
      NAMES.joseKeyObject,
      NAMES.rampartMemory,
    ]);
    for (const variant of suite.variants) expect(await variant.op(0)).toBe(true);
  });
});
