import { b64, forge, json, publicPem, type TestRing, tokenId } from './forge.js';

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'api.test';

/** A valid payload of `kind` issued at `nowSeconds`. */
export function validPayload(kind: 'access' | 'refresh', nowSeconds: number) {
  return {
    iss: ISSUER,
    sub: 'user-1',
    aud: AUDIENCE,
    iat: nowSeconds,
    exp: nowSeconds + (kind === 'access' ? 900 : 604_800),
    jti: tokenId(),
    fam: tokenId(),
    token_use: kind,
  };
}

export const accessHeader = (kid: string, alg: string) => ({ alg, kid, typ: 'at+jwt' });

/**
 * The refusals of the issue's first "Done when" item, each as a token for an access-protected
 * resource: forged, tampered, expired, mis-addressed, mistyped, oversized or malformed.
 */
export function attackTokens(
  ring: TestRing,
  nowSeconds: number,
  validRefreshToken: string,
): Array<[string, string]> {
  const p = () => validPayload('access', nowSeconds);
  const hs = { kind: 'ring', key: ring.hs } as const;
  const es = { kind: 'ring', key: ring.es } as const;
  const without = (claim: string) => {
    const payload: Record<string, unknown> = p();
    delete payload[claim];
    return forge(accessHeader('hs-1', 'HS256'), payload, hs);
  };
  const valid = forge(accessHeader('hs-1', 'HS256'), p(), hs);
  const [head, , sig] = valid.split('.') as [string, string, string];
  const attacks: Array<[string, string]> = [];
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    attacks.push([
      `alg ${alg}, no signature`,
      forge({ alg, kid: 'hs-1', typ: 'at+jwt' }, p(), { kind: 'none' }),
    ]);
    attacks.push([
      `alg ${alg} with a signature`,
      `${forge({ alg, kid: 'hs-1', typ: 'at+jwt' }, p(), { kind: 'none' })}${sig}`,
    ]);
  }
  for (const key of [ring.es, ring.ed]) {
    const pem = publicPem(key);
    attacks.push([
      `HS256 signed with the ${key.alg} public key (PEM)`,
      forge(accessHeader(key.kid, 'HS256'), p(), { kind: 'hmac', secret: Buffer.from(pem) }),
    ]);
    attacks.push([
      `HS256 signed with the ${key.alg} public key (JWK)`,
      forge(accessHeader(key.kid, 'HS256'), p(), {
        kind: 'hmac',
        secret: Buffer.from(JSON.stringify(key.publicKey)),
      }),
    ]);
  }
  attacks.push(['a tampered payload', `${head}.${json({ ...p(), sub: 'admin' })}.${sig}`]);
  attacks.push([
    'expired',
    forge(
      accessHeader('hs-1', 'HS256'),
      { ...p(), iat: nowSeconds - 1000, exp: nowSeconds - 31 },
      hs,
    ),
  ]);
  attacks.push([
    'not yet valid (nbf)',
    forge(accessHeader('hs-1', 'HS256'), { ...p(), nbf: nowSeconds + 31 }, hs),
  ]);
  attacks.push([
    'issued in the future',
    forge(
      accessHeader('hs-1', 'HS256'),
      { ...p(), iat: nowSeconds + 31, exp: nowSeconds + 900 },
      hs,
    ),
  ]);
  for (const claim of ['exp', 'jti', 'sub', 'iat', 'iss', 'aud', 'fam', 'token_use']) {
    attacks.push([`missing ${claim}`, without(claim)]);
  }
  attacks.push([
    'a wrong iss',
    forge(accessHeader('hs-1', 'HS256'), { ...p(), iss: 'https://evil.test' }, hs),
  ]);
  attacks.push([
    'a wrong aud',
    forge(accessHeader('hs-1', 'HS256'), { ...p(), aud: 'other-api' }, hs),
  ]);
  attacks.push(['a refresh token at a resource', validRefreshToken]);
  attacks.push([
    'an access payload with the refresh typ',
    forge({ alg: 'HS256', kid: 'hs-1', typ: 'refresh+jwt' }, p(), hs),
  ]);
  attacks.push(['no typ', forge({ alg: 'HS256', kid: 'hs-1' }, p(), hs)]);
  attacks.push([
    'a lifetime over the maximum',
    forge(accessHeader('hs-1', 'HS256'), { ...p(), exp: nowSeconds + 901 }, hs),
  ]);
  attacks.push([
    'a jti of fewer than 128 bits',
    forge(accessHeader('hs-1', 'HS256'), { ...p(), jti: 'abc' }, hs),
  ]);
  attacks.push(['an unknown kid', forge(accessHeader('hs-9', 'HS256'), p(), hs)]);
  attacks.push(['no kid', forge({ alg: 'HS256', typ: 'at+jwt' }, p(), hs)]);
  attacks.push([
    'an unknown crit',
    forge({ ...accessHeader('hs-1', 'HS256'), crit: ['exp'], exp: 1 }, p(), hs),
  ]);
  attacks.push([
    'a jwk header carrying the key',
    forge(
      { ...accessHeader('attacker', 'HS256'), jwk: { kty: 'oct', k: b64('x'.repeat(32)) } },
      p(),
      { kind: 'hmac', secret: Buffer.from('x'.repeat(32)) },
    ),
  ]);
  attacks.push([
    'a jku header on a known kid, signed by another key',
    forge({ ...accessHeader('hs-1', 'HS256'), jku: 'https://evil.test/jwks' }, p(), {
      kind: 'hmac',
      secret: Buffer.from('y'.repeat(32)),
    }),
  ]);
  attacks.push([
    'an oversized token',
    forge(accessHeader('hs-1', 'HS256'), { ...p(), pad: 'x'.repeat(8300) }, hs),
  ]);
  attacks.push(['two segments', `${head}.${json(p())}`]);
  attacks.push(['four segments', `${valid}.${sig}`]);
  attacks.push(['an empty signature', `${head}.${json(p())}.`]);
  attacks.push(['base64 padding', `${valid}=`]);
  attacks.push([
    'standard base64 characters',
    `${valid.slice(0, head.length + 1)}+${valid.slice(head.length + 2)}`,
  ]);
  attacks.push(['spaces inside', `${head}. ${valid.slice(head.length + 1)}`]);
  const last = sig.at(-1) as string;
  // Flipping the lowest bit of the last character changes only bits the decoder drops.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const twin = alphabet[alphabet.indexOf(last) ^ 1] as string;
  attacks.push(['a non-canonical signature encoding', `${valid.slice(0, -1)}${twin}`]);
  attacks.push(['a header that is not JSON', forge('bm90IGpzb24', json(p()), hs)]);
  attacks.push(['a header that is a JSON array', forge(b64('["HS256"]'), json(p()), hs)]);
  attacks.push([
    'a payload that is not JSON',
    forge(accessHeader('hs-1', 'HS256'), b64('{"sub":'), hs),
  ]);
  attacks.push([
    'a payload of invalid UTF-8',
    forge(accessHeader('hs-1', 'HS256'), b64(Buffer.from([0x7b, 0xff, 0x7d])), hs),
  ]);
  attacks.push([
    'ES256 with a DER signature',
    forge(accessHeader('es-1', 'ES256'), p(), es).replace(
      /\.[^.]+$/,
      `.${b64(Buffer.alloc(70, 1))}`,
    ),
  ]);
  attacks.push(['an empty token', '']);
  return attacks;
}
