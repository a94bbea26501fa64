/**
 * Type tests: the public types of `@rampart/crypto`, pinned. Run by the crypto Vitest project's
 * typecheck (tsconfig.test-d.json) and by `pnpm typecheck`: a changed signature fails both.
 */
import type { RampartError } from '@rampart/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type AadOptions,
  type BytesOrText,
  type CompiledTokenFormat,
  type CryptoDecryptError,
  type CryptoPlaintextTooLargeError,
  type CryptoUnknownKeyError,
  compileTokenFormat,
  constantTimeEqual,
  createKeyedHasher,
  createKeyRing,
  generateKey,
  type KeyedHasher,
  type KeyInput,
  type KeyRing,
  type KeyRingOptions,
  type ParsedToken,
  parseToken,
  randomToken,
  type TokenFormat,
  tokenEntropyBits,
} from '../src/index.js';

describe('@rampart/crypto public types', () => {
  it('key ring', () => {
    expectTypeOf(createKeyRing).parameter(0).toEqualTypeOf<KeyRingOptions>();
    expectTypeOf(createKeyRing).returns.toEqualTypeOf<KeyRing>();
    expectTypeOf<KeyInput>().toEqualTypeOf<{ id: string; key: Uint8Array | string }>();
    expectTypeOf<BytesOrText>().toEqualTypeOf<Uint8Array | string>();
    expectTypeOf<AadOptions>().toEqualTypeOf<{ aad: BytesOrText }>();
    expectTypeOf<KeyRing['seal']>().toEqualTypeOf<
      (plaintext: BytesOrText, options: AadOptions) => string
    >();
    expectTypeOf<KeyRing['open']>().toEqualTypeOf<
      (sealed: string, options: AadOptions) => Uint8Array
    >();
    expectTypeOf<KeyRing['openText']>().toEqualTypeOf<
      (sealed: string, options: AadOptions) => string
    >();
    expectTypeOf<KeyRing['rewrap']>().toEqualTypeOf<
      (sealed: string, options: AadOptions) => string
    >();
    expectTypeOf<KeyRing['currentKeyId']>().toEqualTypeOf<string>();
    expectTypeOf<KeyRing['keyIds']>().toEqualTypeOf<readonly string[]>();

    const ring = createKeyRing({ keys: [{ id: 'k1', key: generateKey() }] });
    // @ts-expect-error the AAD is required
    ring.seal('x');
    // @ts-expect-error the AAD is required
    ring.open('v1.k1.x.y', {});
    // @ts-expect-error a number is not a plaintext
    ring.seal(1, { aad: 'a' });
  });

  it('keyed hashes', () => {
    expectTypeOf(createKeyedHasher).returns.toEqualTypeOf<KeyedHasher>();
    expectTypeOf<KeyedHasher['hash']>().toEqualTypeOf<(value: BytesOrText) => string>();
    expectTypeOf<KeyedHasher['hashAll']>().toEqualTypeOf<(value: BytesOrText) => string[]>();
    expectTypeOf<KeyedHasher['verify']>().toEqualTypeOf<
      (value: unknown, stored: unknown) => boolean
    >();
    expectTypeOf<KeyedHasher['needsRehash']>().toEqualTypeOf<(stored: unknown) => boolean>();
  });

  it('tokens, equality, keys', () => {
    expectTypeOf(randomToken).toEqualTypeOf<
      (format?: TokenFormat | CompiledTokenFormat) => string
    >();
    expectTypeOf(parseToken).toEqualTypeOf<
      (text: unknown, format?: TokenFormat | CompiledTokenFormat) => ParsedToken | undefined
    >();
    expectTypeOf(compileTokenFormat).toEqualTypeOf<(format?: TokenFormat) => CompiledTokenFormat>();
    expectTypeOf<TokenFormat>().toEqualTypeOf<{
      bytes?: number;
      prefix?: string;
      checksum?: boolean;
    }>();
    expectTypeOf<ParsedToken>().toEqualTypeOf<{
      readonly token: string;
      readonly prefix: string | undefined;
      readonly random: string;
    }>();
    expectTypeOf(tokenEntropyBits).toEqualTypeOf<
      (format?: TokenFormat | CompiledTokenFormat) => number
    >();
    expectTypeOf(constantTimeEqual).toEqualTypeOf<
      (a: string | Uint8Array, b: string | Uint8Array) => boolean
    >();
    expectTypeOf(generateKey).toEqualTypeOf<() => string>();
  });

  it('errors are RampartErrors with their fields', () => {
    expectTypeOf<CryptoDecryptError>().toExtend<RampartError>();
    expectTypeOf<CryptoUnknownKeyError>().toExtend<RampartError>();
    expectTypeOf<CryptoPlaintextTooLargeError>().toExtend<RampartError>();
    expectTypeOf<CryptoUnknownKeyError['keyId']>().toEqualTypeOf<string>();
    expectTypeOf<CryptoPlaintextTooLargeError['maxBytes']>().toEqualTypeOf<number>();
  });
});
