import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  KeyObject,
  webcrypto,
} from 'node:crypto';
import {
  CONFIG_ERROR_CODES,
  decodeBase64url,
  HmacSha256Key,
  RampartConfigError,
} from '@rampart/core';
import { type CryptoKey, exportJWK, importJWK, type JWK } from 'jose';

/** The algorithms a key may be bound to. Each key verifies exactly one. */
export const JWT_ALGORITHMS = ['HS256', 'EdDSA', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** An HMAC key: at least 32 random bytes, as bytes or unpadded base64url. */
export interface HmacKeyInput {
  kid: string;
  alg: 'HS256';
  secret: Uint8Array | string;
}

/**
 * An Ed25519 (`EdDSA`) or P-256 (`ES256`) key. With `privateKey` it signs and verifies; with
 * only `publicKey` it verifies (a retired key kept until its tokens expire).
 */
export interface AsymmetricKeyInput {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey?: KeyObject | JsonWebKey;
  publicKey?: KeyObject | JsonWebKey;
}

export type JwtKeyInput = HmacKeyInput | AsymmetricKeyInput;

/** What every key of the ring has, imported once at construction. */
interface RingKeyBase {
  readonly kid: string;
  /** The node:crypto key the hot path verifies with (the secret for HS256). */
  readonly verifyKey: KeyObject;
  /** The key jose signs with, imported to a `CryptoKey` on first use and then reused. */
  readonly signingKey: (() => Promise<CryptoKey>) | undefined;
  /** The public JWK (with `kid`, `alg`, `use`) for asymmetric keys. */
  readonly publicJwk: JWK | undefined;
}

/** An HS256 key: the secret's HMAC key blocks are derived once (see `HmacSha256Key`). */
export interface HmacRingKey extends RingKeyBase {
  readonly alg: 'HS256';
  readonly hmac: HmacSha256Key;
}

export interface AsymmetricRingKey extends RingKeyBase {
  readonly alg: Exclude<JwtAlgorithm, 'HS256'>;
}

/** A key of the ring; `alg` tells which. */
export type RingKey = HmacRingKey | AsymmetricRingKey;

const KID = /^[A-Za-z0-9._~-]{1,64}$/;
const MIN_SECRET_BYTES = 32;

function toKeyObject(
  value: KeyObject | JsonWebKey,
  kind: 'private' | 'public',
  option: string,
): KeyObject {
  try {
    if (value instanceof KeyObject) {
      if (value.type !== kind) throw new TypeError(`must be a ${kind} key`);
      return value;
    }
    return kind === 'private'
      ? createPrivateKey({ key: value, format: 'jwk' })
      : createPublicKey({ key: value, format: 'jwk' });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new RampartConfigError(
      option,
      `is not a usable ${kind} key (${why})`,
      CONFIG_ERROR_CODES.invalidValue,
    );
  }
}

function checkCurve(key: KeyObject, alg: 'EdDSA' | 'ES256', option: string): void {
  const ok =
    alg === 'EdDSA'
      ? key.asymmetricKeyType === 'ed25519'
      : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  if (!ok) {
    throw new RampartConfigError(
      option,
      alg === 'EdDSA' ? 'EdDSA keys must be Ed25519' : 'ES256 keys must be on curve P-256',
      CONFIG_ERROR_CODES.invalidValue,
    );
  }
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make();
    return pending;
  };
}

function hmacKey(input: HmacKeyInput, option: string): HmacRingKey {
  let secret: Buffer;
  if (typeof input.secret === 'string') {
    const decoded = decodeBase64url(input.secret);
    if (decoded === undefined || decoded.length === 0) {
      throw new RampartConfigError(
        `${option}.secret`,
        'must be unpadded base64url or bytes',
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
    secret = decoded;
  } else if (input.secret instanceof Uint8Array) {
    secret = Buffer.from(input.secret);
  } else {
    throw new RampartConfigError(
      `${option}.secret`,
      'must be a Uint8Array or base64url string',
      CONFIG_ERROR_CODES.invalidType,
    );
  }
  if (secret.length < MIN_SECRET_BYTES) {
    throw new RampartConfigError(
      `${option}.secret`,
      `must be at least ${MIN_SECRET_BYTES} random bytes, got ${secret.length}`,
      CONFIG_ERROR_CODES.secretTooShort,
    );
  }
  const raw = Uint8Array.from(secret);
  const verifyKey = createSecretKey(secret);
  return Object.freeze({
    kid: input.kid,
    alg: 'HS256' as const,
    verifyKey,
    hmac: new HmacSha256Key(verifyKey),
    // jose's importJWK turns an `oct` JWK into bytes, which jose re-imports on every sign; a
    // CryptoKey imported here once is reused.
    signingKey: once(
      async () =>
        (await webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
          'sign',
        ])) as CryptoKey,
    ),
    publicJwk: undefined,
  });
}

async function asymmetricPublicJwk(key: KeyObject, kid: string, alg: string): Promise<JWK> {
  const jwk = await exportJWK(key);
  return Object.freeze({ ...jwk, kid, alg, use: 'sig' });
}

function asymmetricKey(
  input: AsymmetricKeyInput,
  option: string,
): AsymmetricRingKey & { jwk: Promise<JWK> } {
  if (input.privateKey === undefined && input.publicKey === undefined) {
    throw new RampartConfigError(option, 'needs a privateKey (to sign) or a publicKey (to verify)');
  }
  const privateKey =
    input.privateKey === undefined
      ? undefined
      : toKeyObject(input.privateKey, 'private', `${option}.privateKey`);
  const publicKey =
    input.publicKey === undefined
      ? createPublicKey(privateKey as KeyObject)
      : toKeyObject(input.publicKey, 'public', `${option}.publicKey`);
  checkCurve(publicKey, input.alg, option);
  if (privateKey !== undefined) {
    checkCurve(privateKey, input.alg, option);
    const derived = createPublicKey(privateKey).export({ format: 'jwk' });
    const given = publicKey.export({ format: 'jwk' });
    if (derived.x !== given.x || derived.y !== given.y) {
      throw new RampartConfigError(option, 'publicKey does not belong to privateKey');
    }
  }
  const alg = input.alg;
  const signingJwk = privateKey?.export({ format: 'jwk' }) as JWK | undefined;
  return {
    kid: input.kid,
    alg,
    verifyKey: publicKey,
    signingKey:
      signingJwk === undefined
        ? undefined
        : once(async () => (await importJWK(signingJwk, alg)) as CryptoKey),
    publicJwk: undefined,
    jwk: asymmetricPublicJwk(publicKey, input.kid, alg),
  };
}

/** The keys of a ring by `kid`, the signing key, and the JWKS of the asymmetric ones. */
export interface KeyRing {
  /** Looks a `kid` up in the configured set only; a token never supplies key material. */
  get(kid: string): RingKey | undefined;
  readonly signing: RingKey;
  readonly keys: readonly RingKey[];
  /** `{ keys: [...] }` of every asymmetric key's public JWK; HMAC secrets never appear. */
  jwks(): Promise<{ keys: JWK[] }>;
}

/**
 * Builds the key ring: every key imported once, bound to its algorithm, `kid`s unique. The
 * signing key is `signingKeyId`, else the first key able to sign.
 */
export function createKeyRing(
  inputs: readonly JwtKeyInput[],
  signingKeyId: string | undefined,
  owner: string,
): KeyRing {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new RampartConfigError(
      `${owner}.keys`,
      'must list at least one key',
      CONFIG_ERROR_CODES.missingOption,
    );
  }
  const byKid = new Map<string, RingKey>();
  const jwks: Promise<JWK>[] = [];
  inputs.forEach((input, index) => {
    const option = `${owner}.keys.${index}`;
    if (typeof input !== 'object' || input === null) {
      throw new RampartConfigError(option, 'must be a key object', CONFIG_ERROR_CODES.invalidType);
    }
    if (typeof input.kid !== 'string' || !KID.test(input.kid)) {
      throw new RampartConfigError(
        `${option}.kid`,
        'must be 1 to 64 of A-Z a-z 0-9 . _ ~ -',
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
    if (byKid.has(input.kid)) {
      throw new RampartConfigError(
        `${option}.kid`,
        `${input.kid} is used by two keys`,
        CONFIG_ERROR_CODES.conflictingOptions,
      );
    }
    let key: RingKey;
    if (input.alg === 'HS256') key = hmacKey(input, option);
    else if (input.alg === 'EdDSA' || input.alg === 'ES256') {
      const { jwk, ...ringKey } = asymmetricKey(input, option);
      jwk.catch(() => {});
      jwks.push(jwk);
      key = Object.freeze(ringKey);
    } else {
      throw new RampartConfigError(
        `${option}.alg`,
        `must be one of ${JWT_ALGORITHMS.join(', ')}, got ${String((input as { alg?: unknown }).alg)}`,
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
    byKid.set(input.kid, key);
  });
  const keys = [...byKid.values()];
  let signing: RingKey | undefined;
  if (signingKeyId === undefined) signing = keys.find((key) => key.signingKey !== undefined);
  else {
    signing = byKid.get(signingKeyId);
    if (signing === undefined) {
      throw new RampartConfigError(
        `${owner}.signingKeyId`,
        `no key has kid ${signingKeyId}`,
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
  }
  if (signing?.signingKey === undefined) {
    throw new RampartConfigError(
      `${owner}.keys`,
      'no key can sign (give a secret or a privateKey)',
      CONFIG_ERROR_CODES.missingOption,
    );
  }
  const signingKey = signing;
  return Object.freeze({
    get: (kid: string) => byKid.get(kid),
    signing: signingKey,
    keys,
    jwks: async () => ({ keys: await Promise.all(jwks) }),
  });
}
