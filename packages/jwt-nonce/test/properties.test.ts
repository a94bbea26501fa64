import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractBearerToken, InvalidTokenError } from '../src/index.js';
import { createKeyRing } from '../src/keys/key-ring.js';
import { verifyCompactJwt } from '../src/verify/verifier.js';
import { AUDIENCE, ISSUER } from './helpers/attacks.js';
import { b64, makeTestRing } from './helpers/forge.js';

const ring = makeTestRing();
const config = {
  ring: createKeyRing([ring.hs, ring.ed, ring.es], undefined, 'test'),
  issuer: ISSUER,
  audience: AUDIENCE,
  clockToleranceSeconds: 30,
  maxLifetimeSeconds: { access: 900, refresh: 604_800 },
  maxTokenBytes: 8192,
  es256Signatures: 'low-s' as const,
};

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Three segments built from arbitrary JSON-ish headers and payloads: shapes a fuzzer would not reach. */
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const tokenish = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc
    .tuple(jsonValue, jsonValue, fc.uint8Array({ maxLength: 80 }))
    .map(
      ([header, payload, signature]) =>
        `${b64(JSON.stringify(header) ?? '')}.${b64(JSON.stringify(payload) ?? '')}.${b64(signature)}`,
    ),
  fc
    .tuple(
      fc.record({
        alg: fc.constantFrom('HS256', 'EdDSA', 'ES256', 'none'),
        kid: fc.constantFrom('hs-1', 'ed-1', 'es-1', 'x'),
        typ: fc.constantFrom('at+jwt', 'refresh+jwt'),
      }),
      jsonValue,
      fc.uint8Array({ minLength: 30, maxLength: 70 }),
    )
    .map(
      ([header, payload, signature]) =>
        `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload) ?? '')}.${b64(signature)}`,
    ),
);

describe('untrusted input never crashes the verifier', () => {
  it('verifyCompactJwt throws only InvalidTokenError, whatever it is given', () => {
    fc.assert(
      fc.property(tokenish, fc.constantFrom('access', 'refresh'), (token, kind) => {
        const error = refusal(() => verifyCompactJwt(token, kind as 'access', config, Date.now()));
        expect(error).toBeInstanceOf(InvalidTokenError);
      }),
      { numRuns: 3000 },
    );
  });

  it('non-string tokens are refused, not crashed on', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        if (typeof value === 'string') return;
        expect(refusal(() => verifyCompactJwt(value, 'access', config, Date.now()))).toBeInstanceOf(
          InvalidTokenError,
        );
      }),
    );
  });

  it('extractBearerToken throws only InvalidTokenError and returns only b64token characters', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 100 }),
          fc.string().map((s) => `Bearer ${s}`),
        ),
        (header) => {
          try {
            expect(extractBearerToken(header, 8192)).toMatch(/^[A-Za-z0-9._~+/-]+=*$/);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidTokenError);
          }
        },
      ),
    );
  });

  it('refuses an oversized Authorization header before matching it', () => {
    const error = refusal(() => extractBearerToken(`Bearer ${'a'.repeat(8300)}`, 8192));
    expect(error).toMatchObject({ reason: 'too-large', status: 401 });
  });
});
