import { toLowS } from '../../src/keys/ecdsa.js';
import { malleateEs256Signature } from '../../src/testing.js';
import { AUDIENCE, ISSUER } from './attacks.js';
import { b64, json, publicPem, type Signer, signSegments, type TestRing } from './forge.js';

/** A small seeded PRNG (mulberry32): the same seed makes the same 100 000 tokens. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'access' | 'refresh';
type Header = Record<string, unknown>;
type Payload = Record<string, unknown>;

/** One generated case: the token and the kind the verifier is asked for. */
export interface Case {
  mutation: string;
  token: string;
  kind: Kind;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const TOLERANCE = 30;
const LIFETIME: Record<Kind, number> = { access: 900, refresh: 604_800 };
const TYPES: Record<Kind, string> = { access: 'at+jwt', refresh: 'refresh+jwt' };

/**
 * Generates tokens: valid ones of every algorithm and kind, and every mutation of the issue's
 * first "Done when" item, with time claims scattered around each boundary (± a few seconds of
 * the tolerance) so both sides of every comparison are exercised.
 */
export function makeCaseGenerator(ring: TestRing, nowSeconds: number, seed: number) {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const near = (edge: number) => edge + Math.floor(random() * 7) - 3;
  const id = () =>
    Buffer.from(Array.from({ length: 16 }, () => Math.floor(random() * 256))).toString('base64url');

  function base(kind: Kind, key: TestRing[keyof TestRing]) {
    const iat = nowSeconds - Math.floor(random() * 200);
    const header: Header = { alg: key.alg, kid: key.kid, typ: TYPES[kind] };
    const payload: Payload = {
      iss: ISSUER,
      sub: `user-${Math.floor(random() * 1000)}`,
      aud: random() < 0.2 ? ['other', AUDIENCE] : AUDIENCE,
      iat,
      exp: iat + LIFETIME[kind],
      jti: id(),
      fam: id(),
      token_use: kind,
    };
    if (random() < 0.1) payload.role = 'admin';
    return { header, payload };
  }

  const headerMutations: Record<string, (h: Header, kind: Kind) => void> = {
    'alg none': (h) => {
      h.alg = pick(['none', 'None', 'NONE', 'nOnE']);
    },
    'alg swapped': (h) => {
      h.alg = pick(['HS256', 'EdDSA', 'ES256', 'HS384', 'RS256', 'ES384']);
    },
    'kid unknown': (h) => {
      h.kid = pick(['nope', '', 'HS-1', 'hs-1 ']);
    },
    'kid missing or not a string': (h) => {
      if (random() < 0.5) delete h.kid;
      else h.kid = pick([1, null, ['hs-1'], { k: 1 }]);
    },
    'typ of the other kind': (h, kind) => {
      h.typ = TYPES[kind === 'access' ? 'refresh' : 'access'];
    },
    'typ spelled differently': (h, kind) => {
      const upper = TYPES[kind].toUpperCase();
      h.typ = pick([upper, `application/${TYPES[kind]}`, 'JWT', 'jwt', '', 'at+jwt ', 1]);
    },
    'typ missing': (h) => void delete h.typ,
    crit: (h) => {
      const variant = pick(['unknown', 'b64', 'empty', 'not-array']);
      if (variant === 'unknown') Object.assign(h, { crit: ['exp'], exp: 1 });
      else if (variant === 'b64') Object.assign(h, { crit: ['b64'], b64: true });
      else h.crit = variant === 'empty' ? [] : 'b64';
    },
    'key-carrying headers (ignored)': (h) => {
      h[pick(['jku', 'x5u', 'jwk', 'x5c'])] = pick([
        'https://evil.test/jwks',
        { kty: 'oct', k: 'AAAA' },
        ['MIIB'],
      ]);
    },
  };

  const payloadMutations: Record<string, (p: Payload, kind: Kind) => void> = {
    'exp near now': (p) => {
      p.exp = near(nowSeconds - TOLERANCE);
    },
    'nbf near now': (p) => {
      p.nbf = near(nowSeconds + TOLERANCE);
    },
    'iat near now': (p, kind) => {
      p.iat = near(nowSeconds + TOLERANCE);
      p.exp = (p.iat as number) + LIFETIME[kind] - Math.floor(random() * 3);
    },
    'lifetime near the maximum': (p, kind) => {
      p.exp = (p.iat as number) + near(LIFETIME[kind]);
    },
    'claim missing': (p) =>
      void delete p[pick(['exp', 'jti', 'sub', 'iat', 'iss', 'aud', 'fam', 'token_use'])],
    'wrong iss': (p) => {
      p.iss = pick(['https://evil.test', `${ISSUER}/`, ISSUER.toUpperCase(), null, [ISSUER]]);
    },
    'wrong aud': (p) => {
      p.aud = pick(['other', [], ['other'], null, 7, `${AUDIENCE} `]);
    },
    'sub not a usable id': (p) => {
      p.sub = pick(['', 42, null, ['u'], 'x'.repeat(257)]);
    },
    'jti or fam not 128 bits': (p) => {
      p[pick(['jti', 'fam'])] = pick([
        'short',
        `${p.jti as string}A`,
        `${'A'.repeat(21)}B`,
        5,
        null,
      ]);
    },
    'token_use of the other kind': (p, kind) => {
      p.token_use = pick([kind === 'access' ? 'refresh' : 'access', 'id', null]);
    },
    'time claims of the wrong type': (p) => {
      p[pick(['exp', 'iat', 'nbf'])] = pick(['1', null, true, [1]]);
    },
  };

  const encodingMutations: Record<string, (token: string) => string> = {
    padding: (t) => `${t}${pick(['=', '=='])}`,
    'non-canonical last character': (t) => {
      const segment = pick([0, 1, 2]);
      const parts = t.split('.');
      const part = parts[segment] as string;
      const last = part.at(-1) as string;
      parts[segment] = part.slice(0, -1) + ALPHABET[ALPHABET.indexOf(last) ^ 1];
      return parts.join('.');
    },
    'standard base64 character': (t) => {
      const at = Math.floor(random() * t.length);
      return t.at(at) === '.' ? `${t}+` : `${t.slice(0, at)}${pick(['+', '/'])}${t.slice(at + 1)}`;
    },
    whitespace: (t) => {
      const at = Math.floor(random() * t.length);
      return `${t.slice(0, at)}${pick([' ', '\n', '\t'])}${t.slice(at)}`;
    },
    'segments added or removed': (t) =>
      pick([`${t}.${t.split('.')[2]}`, t.slice(0, t.lastIndexOf('.')), `${t}.`, `.${t}`]),
    'signature truncated or flipped': (t) => {
      const sig = t.slice(t.lastIndexOf('.') + 1);
      if (random() < 0.5) return t.slice(0, -4);
      const at = Math.floor(random() * (sig.length - 1));
      const flipped = ALPHABET[(ALPHABET.indexOf(sig[at] as string) + 1) % 64];
      return t.slice(0, t.length - sig.length) + sig.slice(0, at) + flipped + sig.slice(at + 1);
    },
  };

  function sign(header: Header | string, payload: Payload | string, signer: Signer): string {
    const head = `${typeof header === 'string' ? header : json(header)}.${typeof payload === 'string' ? payload : json(payload)}`;
    const signature = signSegments(head, signer);
    // Issued ES256 tokens carry low-s signatures; the high-s twin is its own mutation below.
    const isEs256 = signer.kind === 'ring' && signer.key.alg === 'ES256';
    return `${head}.${b64(isEs256 ? toLowS(signature) : signature)}`;
  }

  return function next(): Case {
    const kind: Kind = random() < 0.8 ? 'access' : 'refresh';
    const roll = random();
    const key = roll < 0.6 ? ring.hs : roll < 0.8 ? ring.ed : ring.es;
    const signer: Signer = { kind: 'ring', key };
    const { header, payload } = base(kind, key);
    const family = random();
    if (family < 0.25) return { mutation: 'valid', kind, token: sign(header, payload, signer) };
    if (family < 0.45) {
      const [name, mutate] = pick(Object.entries(headerMutations));
      mutate(header, kind);
      // An alg swap onto an asymmetric kid is signed as the attack does it: HMAC with the public key.
      const asym = key.alg !== 'HS256' && header.alg === 'HS256';
      const forger: Signer = asym
        ? { kind: 'hmac', secret: Buffer.from(publicPem(key as TestRing['es'])) }
        : signer;
      return {
        mutation: name,
        kind,
        token: sign(header, payload, header.alg === 'none' ? { kind: 'none' } : forger),
      };
    }
    if (family < 0.7) {
      const [name, mutate] = pick(Object.entries(payloadMutations));
      mutate(payload, kind);
      return { mutation: name, kind, token: sign(header, payload, signer) };
    }
    if (family < 0.88) {
      const [name, mutate] = pick(Object.entries(encodingMutations));
      return { mutation: name, kind, token: mutate(sign(header, payload, signer)) };
    }
    const variant = pick(['tampered', 'raw json', 'oversized', 'high-s', 'kind mismatch']);
    if (variant === 'tampered') {
      const token = sign(header, payload, signer);
      const [h, , s] = token.split('.');
      return {
        mutation: 'payload tampered after signing',
        kind,
        token: `${h}.${json({ ...payload, sub: 'admin' })}.${s}`,
      };
    }
    if (variant === 'raw json') {
      const raw = pick([
        b64(JSON.stringify(payload).replace(/"exp":\d+/, '"exp":1e400')),
        b64(JSON.stringify(payload).replace(/"iat":\d+/, '"iat":-1e400')),
        b64(`[${JSON.stringify(payload)}]`),
        b64('{"sub":'),
        b64(
          Buffer.concat([
            Buffer.from(JSON.stringify(payload).slice(0, -1)),
            Buffer.from(',"x":"\xff"}', 'latin1'),
          ]),
        ),
        b64('null'),
      ]);
      return {
        mutation: 'payload not a JSON object or non-finite',
        kind,
        token: sign(header, raw, signer),
      };
    }
    if (variant === 'oversized') {
      payload.pad = 'x'.repeat(5700 + Math.floor(random() * 400));
      return { mutation: 'size around the cap', kind, token: sign(header, payload, signer) };
    }
    if (variant === 'high-s' && key.alg === 'ES256') {
      const token = sign(header, payload, signer);
      const dot = token.lastIndexOf('.');
      const twin = malleateEs256Signature(Buffer.from(token.slice(dot + 1), 'base64url'));
      return {
        mutation: 'ES256 (r, n − s)',
        kind,
        token: `${token.slice(0, dot + 1)}${b64(twin)}`,
      };
    }
    return {
      mutation: 'valid token of the other kind',
      kind: kind === 'access' ? 'refresh' : 'access',
      token: sign(header, payload, signer),
    };
  };
}
