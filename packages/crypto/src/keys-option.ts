import { createSecretKey, type KeyObject } from 'node:crypto';
import { CONFIG_ERROR_CODES, configCode } from '@rampart/core';
import { z } from 'zod';
import { decodeKeyMaterial, KEY_ID_PATTERN } from './key-material.js';

/** One configured key: its id, written beside everything it seals or hashes, and 32 random bytes. */
export interface KeyInput {
  /** 1 to 32 of `A–Z a–z 0–9 _ -`, unique in its ring, e.g. `2025-06` or `k7`. */
  id: string;
  /** 32 random bytes: a `Uint8Array`, 43 characters of unpadded base64url, or 64 hex digits. */
  key: Uint8Array | string;
}

/** A key imported into node:crypto; its bytes live only in the `KeyObject`. */
export interface ImportedKey {
  readonly id: string;
  readonly key: KeyObject;
}

/** Most keys a ring holds: rotation needs two or three; a long list is a mistake. */
const MAX_KEYS = 32;

const keyEntrySchema = z.strictObject({
  id: z
    .string('must be a string')
    .regex(KEY_ID_PATTERN, 'must be 1 to 32 of A-Z a-z 0-9 _ - (a dot separates fields)'),
  key: z.unknown().transform((value, ctx) => {
    const decoded = decodeKeyMaterial(value);
    if (Buffer.isBuffer(decoded)) return decoded;
    ctx.addIssue({ code: 'custom', message: decoded.message, ...configCode(decoded.code) });
    return z.NEVER;
  }),
});

/**
 * The `keys` option of `createKeyRing` and `createKeyedHasher`: 1 to 32 keys, the first one
 * current, ids unique. A bad key is reported naming its place (`createKeyRing.keys.1.key`), never
 * its value.
 */
export const keysSchema = z
  .array(keyEntrySchema, 'must be an array of { id, key }')
  .min(1, 'needs at least one { id, key }: the first one is current')
  .max(MAX_KEYS, `holds at most ${MAX_KEYS} keys`)
  .superRefine((keys, ctx) => {
    const seen = new Map<string, number>();
    keys.forEach((entry, index) => {
      const first = seen.get(entry.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'id'],
          message: `duplicates the id of keys.${first}: every key needs its own id`,
          ...configCode(CONFIG_ERROR_CODES.invalidValue),
        });
      } else {
        seen.set(entry.id, index);
      }
    });
  });

/**
 * Imports validated keys into node:crypto `KeyObject`s and wipes the decoded copies, so the
 * bytes are kept once, where `util.inspect` and JSON cannot reach them.
 */
export function importKeys(keys: readonly { id: string; key: Buffer }[]): ImportedKey[] {
  return keys.map(({ id, key }) => {
    const imported = Object.freeze({ id, key: createSecretKey(key) });
    key.fill(0);
    return imported;
  });
}
