import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCors, isExactOrigin } from '../src/index.js';

const ALLOWED = [
  'https://app.example.com',
  'http://localhost:5173',
  'https://xn--bcher-kva.example',
];

/** Strings near the allowed origins: each with a character changed, added or dropped, and junk. */
const nearOrigin = fc.oneof(
  fc.string(),
  fc.webUrl().map((url) => new URL(url).origin),
  fc
    .tuple(fc.constantFrom(...ALLOWED), fc.nat(40), fc.string({ maxLength: 3 }), fc.nat(3))
    .map(([origin, at, insert, drop]) => {
      const i = at % (origin.length + 1);
      return origin.slice(0, i) + insert + origin.slice(i + drop);
    }),
  fc.constantFrom(...ALLOWED),
);

describe('exact origin matching, against a naive reference', () => {
  const policy = createCors({ origins: ALLOWED, credentials: true });

  it('grants CORS headers to exactly the listed strings, for any Origin value, and never throws', () => {
    fc.assert(
      fc.property(
        nearOrigin,
        fc.constantFrom('GET', 'OPTIONS', 'POST'),
        fc.boolean(),
        (origin, method, withRequestMethod) => {
          const decision = policy.decide(method, origin, withRequestMethod ? 'PUT' : undefined);
          const granted = decision.headers.some(([name]) => name === 'Access-Control-Allow-Origin');
          expect(granted).toBe(ALLOWED.includes(origin));
          if (granted) {
            expect(decision.headers).toContainEqual(['Access-Control-Allow-Origin', origin]);
          }
          expect(decision.preflight).toBe(method === 'OPTIONS' && withRequestMethod);
          expect(decision.varyOrigin).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('calls an origin exact only when the URL parser serialises it to itself', () => {
    fc.assert(
      fc.property(nearOrigin, (value) => {
        if (isExactOrigin(value)) expect(new URL(value).origin).toBe(value);
      }),
      { numRuns: 5000 },
    );
  });
});
