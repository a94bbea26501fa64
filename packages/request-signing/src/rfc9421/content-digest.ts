import { hash, timingSafeEqual } from 'node:crypto';
import { decodeBase64 } from '../shared/base64.js';
import {
  type Dictionary,
  parseDictionary,
  StructuredFieldError,
} from '../shared/structured-fields.js';

/** Digest algorithms of RFC 9530 accepted, with their lengths in bytes. */
const ALGORITHMS: Readonly<Record<string, { node: string; bytes: number }>> = {
  'sha-256': { node: 'sha256', bytes: 32 },
  'sha-512': { node: 'sha512', bytes: 64 },
};

/**
 * True when the `Content-Digest` field (RFC 9530) holds a `sha-256` and/or `sha-512` digest and
 * every one of them is the digest of `body`. Unknown algorithms are ignored, as §2 says; a field
 * with none we know, a malformed field or a digest of the wrong length is false.
 */
export function contentDigestMatches(field: string, body: Uint8Array): boolean {
  let members: Dictionary;
  try {
    members = parseDictionary(field);
  } catch (error) {
    if (error instanceof StructuredFieldError) return false;
    throw error;
  }
  let checked = 0;
  for (const [name, member] of members) {
    const algorithm = ALGORITHMS[name];
    if (algorithm === undefined) continue;
    if (member.kind !== 'item' || member.item.type !== 'bytes') return false;
    const received = decodeBase64(member.item.value, 'base64');
    if (received === undefined || received.length !== algorithm.bytes) return false;
    if (!timingSafeEqual(hash(algorithm.node, body, 'buffer'), received)) return false;
    checked++;
  }
  return checked > 0;
}
