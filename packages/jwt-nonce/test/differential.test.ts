/**
 * The hot path verifies with node:crypto, not jose. This test runs both on 100 000 generated
 * tokens (valid ones and every mutation of the issue's first "Done when" item) and requires the
 * same accept/reject on every one.
 *
 * The reference is jose's `jwtVerify` (keys imported once, a resolver that binds each `kid` to
 * its algorithm) plus the rules Rampart adds on purpose, each written here independently of the
 * package's code:
 * - a size cap of 8192 characters (jose has none);
 * - canonical unpadded base64url segments (jose decodes with `atob`, which skips whitespace and
 *   ignores the unused bits of the last character, so a re-encoded token still verifies);
 * - no `crit` header at all (jose understands `b64`);
 * - `sub` a string of 1 to 256 characters, `jti` and `fam` 128-bit base64url ids, `token_use`
 *   the kind asked for, finite `iat` and `exp` with `exp − iat` at most the kind's lifetime;
 * - ES256 signatures with low `s` (WebCrypto accepts (r, n − s) too).
 */
import { createPublicKey, type JsonWebKey, webcrypto } from 'node:crypto';
import { type CryptoKey, importJWK, type JWTHeaderParameters, jwtVerify } from 'jose';
import { expect, it } from 'vitest';
import { InvalidTokenError } from '../src/index.js';
import { createKeyRing } from '../src/keys/key-ring.js';
import { type VerifierConfig, verifyCompactJwt } from '../src/verify/verifier.js';
import { AUDIENCE, ISSUER } from './helpers/attacks.js';
import { makeTestRing } from './helpers/forge.js';
import { type Case, makeCaseGenerator } from './helpers/mutations.js';

const TOKENS = 100_000;
const SEED = 20261128;
const NOW_MS = Date.UTC(2026, 10, 28, 9, 0, 0, 500);
const NOW_SECONDS = Math.floor(NOW_MS / 1000);
const LIFETIME = { access: 900, refresh: 604_800 } as const;
const TYPES = { access: 'at+jwt', refresh: 'refresh+jwt' } as const;
const P256_HALF_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function canonicalSegment(segment: string): boolean {
  if (segment.length === 0 || segment.length % 4 === 1) return false;
  for (const char of segment) if (!BASE64URL.includes(char)) return false;
  const unusedBits = [0, 0, 4, 2][segment.length % 4] as number;
  return (BASE64URL.indexOf(segment.at(-1) as string) & ((1 << unusedBits) - 1)) === 0;
}

const isId = (value: unknown) =>
  typeof value === 'string' &&
  value.length === 22 &&
  [...value].every((c) => BASE64URL.includes(c)) &&
  'AQgw'.includes(value.at(-1) as string);

it('node:crypto verifier and jose jwtVerify agree on 100 000 generated tokens', {
  timeout: 240_000,
}, async () => {
  const ring = makeTestRing();
  const config: VerifierConfig = {
    ring: createKeyRing([ring.hs, ring.ed, ring.es], undefined, 'test'),
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: 30,
    maxLifetimeSeconds: LIFETIME,
    maxTokenBytes: 8192,
    es256Signatures: 'low-s',
    // The service's configuration caches signed headers; so does this one.
    headerCache: new Map(),
  };
  const joseKeys = new Map<string, { alg: string; key: CryptoKey }>([
    [
      'hs-1',
      {
        alg: 'HS256',
        key: (await webcrypto.subtle.importKey(
          'raw',
          Buffer.from(ring.hs.secret, 'base64url'),
          { name: 'HMAC', hash: 'SHA-256' },
          false,
          ['verify'],
        )) as CryptoKey,
      },
    ],
    [
      'ed-1',
      { alg: 'EdDSA', key: (await importJWK(ring.ed.publicKey as object, 'EdDSA')) as CryptoKey },
    ],
    [
      'es-1',
      { alg: 'ES256', key: (await importJWK(ring.es.publicKey as object, 'ES256')) as CryptoKey },
    ],
  ]);
  expect(
    createPublicKey({ key: ring.es.publicKey as JsonWebKey, format: 'jwk' }).asymmetricKeyType,
  ).toBe('ec');
  const resolveKey = (header: JWTHeaderParameters) => {
    const entry = typeof header.kid === 'string' ? joseKeys.get(header.kid) : undefined;
    if (entry === undefined || entry.alg !== header.alg)
      throw new Error('no such key for this alg');
    return entry.key;
  };

  async function reference({ token, kind }: Case): Promise<boolean> {
    if (token.length > 8192) return false;
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every(canonicalSegment)) return false;
    try {
      const header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8'));
      if (header !== null && typeof header === 'object' && 'crit' in header) return false;
      const { payload } = await jwtVerify(token, resolveKey, {
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: TYPES[kind],
        algorithms: ['HS256', 'EdDSA', 'ES256'],
        requiredClaims: ['sub', 'jti', 'exp', 'iat', 'fam', 'token_use'],
        maxTokenAge: LIFETIME[kind],
        clockTolerance: 30,
        currentDate: new Date(NOW_MS),
      });
      const { sub, jti, fam, token_use: use, iat, exp } = payload as Record<string, unknown>;
      if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) return false;
      if (!isId(jti) || !isId(fam) || use !== kind) return false;
      if (!Number.isFinite(iat) || !Number.isFinite(exp)) return false;
      if ((exp as number) - (iat as number) > LIFETIME[kind]) return false;
      if (header.alg === 'ES256') {
        const s = BigInt(
          `0x${Buffer.from(parts[2] as string, 'base64url')
            .subarray(32)
            .toString('hex')}`,
        );
        if (s > P256_HALF_ORDER) return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  function ours({ token, kind }: Case): boolean {
    try {
      verifyCompactJwt(token, kind, config, NOW_MS);
      return true;
    } catch (error) {
      if (error instanceof InvalidTokenError) return false;
      throw error;
    }
  }

  const next = makeCaseGenerator(ring, NOW_SECONDS, SEED);
  const tally = new Map<string, { accepted: number; refused: number }>();
  const disagreements: string[] = [];
  const started = performance.now();
  for (let done = 0; done < TOKENS; done += 256) {
    const batch = Array.from({ length: Math.min(256, TOKENS - done) }, next);
    const expected = await Promise.all(batch.map(reference));
    batch.forEach((item, index) => {
      const accepted = ours(item);
      const counts = tally.get(item.mutation) ?? { accepted: 0, refused: 0 };
      counts[accepted ? 'accepted' : 'refused']++;
      tally.set(item.mutation, counts);
      if (accepted !== expected[index] && disagreements.length < 10) {
        disagreements.push(
          `${item.mutation} (${item.kind}): ours ${accepted}, jose ${expected[index]}: ${item.token.slice(0, 300)}`,
        );
      }
    });
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `differential: ${TOKENS} tokens in ${seconds.toFixed(1)} s, seed ${SEED}\n` +
      [...tally]
        .map(([name, c]) => `  ${name}: ${c.accepted} accepted, ${c.refused} refused`)
        .join('\n'),
  );
  expect(disagreements).toEqual([]);
  // The generator must exercise both answers, or agreement would prove nothing.
  const total = [...tally.values()].reduce(
    (sum, c) => ({ accepted: sum.accepted + c.accepted, refused: sum.refused + c.refused }),
    { accepted: 0, refused: 0 },
  );
  expect(total.accepted).toBeGreaterThan(TOKENS * 0.2);
  expect(total.refused).toBeGreaterThan(TOKENS * 0.4);
  expect(tally.get('valid')?.refused).toBe(0);
  for (const boundary of [
    'exp near now',
    'nbf near now',
    'iat near now',
    'lifetime near the maximum',
    'size around the cap',
  ]) {
    expect(tally.get(boundary)?.accepted, boundary).toBeGreaterThan(0);
    expect(tally.get(boundary)?.refused, boundary).toBeGreaterThan(0);
  }
});
