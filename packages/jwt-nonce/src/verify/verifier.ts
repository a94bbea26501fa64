import { decodeBase64url } from '@rampart/core';
import { InvalidTokenError } from '../errors.js';
import type { KeyRing, RingKey } from '../keys/key-ring.js';
import { type ClaimRules, checkClaims, type TokenKind, type VerifiedToken } from './claims.js';
import { parseJsonObject } from './json.js';
import { type Es256SignaturePolicy, verifySignature } from './signature.js';

/** The `typ` header of each kind (RFC 9068 names access tokens `at+jwt`). */
export const TOKEN_TYPES: Readonly<Record<TokenKind, string>> = Object.freeze({
  access: 'at+jwt',
  refresh: 'refresh+jwt',
});

/** Default size cap of a token: larger ones are refused before any decoding. */
export const DEFAULT_MAX_TOKEN_BYTES = 8192;

/** What the verifier is configured with, once. */
export interface VerifierConfig extends ClaimRules {
  ring: KeyRing;
  maxTokenBytes: number;
  es256Signatures: Es256SignaturePolicy;
  /**
   * Header segments already seen on a token whose signature verified, with the key and kind they
   * passed for. A service issues a handful of distinct headers (one per key and kind), so this
   * saves decoding and parsing the same bytes on every request. Only signed headers get in, so
   * an attacker cannot fill it.
   */
  headerCache?: Map<string, { key: RingKey; kind: TokenKind }>;
}

/** Distinct signed headers remembered; more than a ring of keys times two kinds ever needs. */
const HEADER_CACHE_SIZE = 32;

/**
 * RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, and `application/` may be
 * left out. Normalised as jose does, so both accept the same spellings.
 */
function normalizeType(value: string): string {
  const lower = value.toLowerCase();
  return value.includes('/') ? lower : `application/${lower}`;
}

const EXPECTED_TYPES: Readonly<Record<TokenKind, string>> = Object.freeze({
  access: normalizeType(TOKEN_TYPES.access),
  refresh: normalizeType(TOKEN_TYPES.refresh),
});

/**
 * Step 3: the header must be canonical base64url of a JSON object naming a ring key by `kid`,
 * with that key's `alg`, no `crit` and the kind's `typ`. Returns the key.
 */
function checkHeader(segment: string, kind: TokenKind, config: VerifierConfig): RingKey {
  const headerBytes = decodeBase64url(segment);
  if (headerBytes === undefined) throw new InvalidTokenError('malformed');
  const header = parseJsonObject(headerBytes);
  if (header === undefined || typeof header.alg !== 'string') throw new InvalidTokenError('header');
  const key = typeof header.kid === 'string' ? config.ring.get(header.kid) : undefined;
  if (key === undefined) throw new InvalidTokenError('unknown-key');
  if (header.alg !== key.alg) throw new InvalidTokenError('algorithm');
  if (header.crit !== undefined) throw new InvalidTokenError('critical-header');
  if (typeof header.typ !== 'string' || normalizeType(header.typ) !== EXPECTED_TYPES[kind]) {
    throw new InvalidTokenError('type');
  }
  return key;
}

/**
 * The synchronous hot path: verifies a compact JWS of `kind` with node:crypto and returns its
 * claims, or throws `InvalidTokenError` (401). In order, cheapest first and nothing parsed before
 * it is bounded:
 *
 * 1. size cap (`maxTokenBytes`), then exactly three non-empty segments;
 * 2. header and payload canonical unpadded base64url, decoded by core's strict decoder (a
 *    re-encoded segment or a foreign character is refused); a header equal to one that passed
 *    before is taken from the cache; the signature segment is held to the same in step 4;
 * 3. the header a JSON object with a known `kid`; its `alg` must be the one that key is bound
 *    to (no `none`, no HS256 with a public key); any `crit` is refused since no extension is
 *    understood; `jku`, `x5u`, `jwk`, `x5c` are never read; `typ` must be the kind's type;
 * 4. the signature over the bytes received;
 * 5. the payload a JSON object whose claims pass {@link checkClaims}.
 */
export function verifyCompactJwt(
  token: unknown,
  kind: TokenKind,
  config: VerifierConfig,
  nowMs: number,
): VerifiedToken {
  if (typeof token !== 'string' || token.length === 0) throw new InvalidTokenError('missing');
  if (token.length > config.maxTokenBytes) throw new InvalidTokenError('too-large');
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  if (
    firstDot < 1 ||
    secondDot === firstDot + 1 ||
    secondDot === -1 ||
    secondDot === token.length - 1 ||
    token.indexOf('.', secondDot + 1) !== -1
  ) {
    throw new InvalidTokenError('malformed');
  }
  const headerSegment = token.slice(0, firstDot);
  // Each segment's alphabet is checked where it is decoded (or, for an HS256 signature, by
  // equality with our canonical text): one pass over each, not a second one over the token.
  const payloadBytes = decodeBase64url(token.slice(firstDot + 1, secondDot));
  if (payloadBytes === undefined) throw new InvalidTokenError('malformed');
  const cached = config.headerCache?.get(headerSegment);
  const key =
    cached !== undefined && cached.kind === kind
      ? cached.key
      : checkHeader(headerSegment, kind, config);

  // Header and payload are base64url (checked above), so latin1 gives exactly the signed bytes.
  const signingInput = token.slice(0, secondDot);
  const signature = token.slice(secondDot + 1);
  const verdict = verifySignature(key, signingInput, signature, config.es256Signatures);
  if (verdict !== 'valid') {
    throw new InvalidTokenError(verdict === 'malformed' ? 'malformed' : 'signature');
  }
  if (
    cached === undefined &&
    config.headerCache !== undefined &&
    config.headerCache.size < HEADER_CACHE_SIZE
  ) {
    config.headerCache.set(headerSegment, { key, kind });
  }

  const payload = parseJsonObject(payloadBytes);
  if (payload === undefined) throw new InvalidTokenError('claims');
  const claims = checkClaims(payload, kind, config, Math.floor(nowMs / 1000));
  if (typeof claims === 'string') throw new InvalidTokenError(claims);
  return claims;
}
