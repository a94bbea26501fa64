import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordKey, requestFingerprint } from '../src/index.js';

const BODY = Buffer.from('{"a":1}');

function fingerprintOf(principal: string): string {
  return requestFingerprint({
    method: 'POST',
    route: '/items/:id',
    target: '/items/42',
    principal,
    body: BODY,
  });
}

/** The fingerprint of well-formed fields computed field by field, as the format defines it. */
function expectedFingerprint(principal: string, body: Uint8Array): string {
  const digest = createHash('sha256');
  const texts = ['rampart-idempotency-fingerprint/1', 'POST', '/items/:id', '/items/42', principal];
  for (const field of [...texts.map((text) => Buffer.from(text, 'utf8')), body]) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(field.length);
    digest.update(length).update(field);
  }
  return digest.digest('base64url');
}

describe('record keys and fingerprints', () => {
  it('keep the digests of well-formed text as they were, so kept records still match', () => {
    expect(recordKey('user:bench-user', '', 'key-1')).toBe(
      '520TNrqJNAkLj0HMDyjST1bjprVRt_245wKELYQc_ms',
    );
    expect(fingerprintOf('user:bench-user')).toBe('AN5C69k5mWA8jiiCIBPR36RKZJa77udyMipw3e--58k');
  });

  it('keep apart a user id with an unpaired surrogate and one with the replacement character', () => {
    // UTF-8 turns an unpaired surrogate into U+FFFD: two users' keys would name one record.
    expect(recordKey('user:\ud800', '', 'key-1')).not.toBe(recordKey('user:\ufffd', '', 'key-1'));
    expect(fingerprintOf('user:\ud800')).not.toBe(fingerprintOf('user:\ufffd'));
  });

  it('give two different principals two record keys, whatever their UTF-16 code units', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        fc.pre(a !== b);
        expect(recordKey(a, '', 'key-1')).not.toBe(recordKey(b, '', 'key-1'));
      }),
    );
  });

  it('digest a body larger than the buffer digests share, and the small ones around it, alike', () => {
    const large = Buffer.alloc(64 * 1024, 'x');
    for (const body of [BODY, large, BODY, large]) {
      const fingerprint = requestFingerprint({
        method: 'POST',
        route: '/items/:id',
        target: '/items/42',
        principal: 'user:bench-user',
        body,
      });
      expect(fingerprint).toBe(expectedFingerprint('user:bench-user', body));
    }
  });
});
