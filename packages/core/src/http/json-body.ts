import { z } from 'zod';
import { malformedJsonError } from './problems.js';

/** Default size cap of a JSON body: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1_048_576;

const BODY_LIMIT_ERROR = 'must be a whole number of bytes, at least 1.';

/** The body size cap option of `jsonBody()` (`limit`) and `rampartCore` (`bodyLimit`). */
export const bodyLimitSchema = z
  .number({ error: BODY_LIMIT_ERROR })
  .int({ error: BODY_LIMIT_ERROR })
  .min(1, { error: BODY_LIMIT_ERROR })
  .default(DEFAULT_BODY_LIMIT);

/**
 * Deepest nesting of arrays and objects accepted. V8's `JSON.parse` spends over a second on a
 * 1 MiB body of nested brackets; no API needs more than a few dozen levels.
 */
export const MAX_JSON_DEPTH = 256;

/** `fatal` refuses invalid UTF-8 instead of replacing it with U+FFFD behind the signer's back. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Any of these in the text means a key might spell `__proto__` or `constructor` (also through a
 * `\u` escape), so the parsed value is searched; other bodies skip the search.
 */
const SUSPECT = /__proto__|constructor|\\u/;

/**
 * Parses the exact bytes of a JSON body. Throws a 400 `RampartError` (`ERR_MALFORMED_JSON`) for
 * invalid UTF-8, invalid JSON, or a prototype-poisoning key (`__proto__`, or `constructor` holding
 * a `prototype`) at any depth: such a key is harmless in the parsed value but poisons every
 * object it is later merged into. Never throws anything else.
 *
 * @example
 * parseJsonBody(Buffer.from('{"a":1}')); // { a: 1 }
 * parseJsonBody(Buffer.from('{"__proto__":{"admin":true}}')); // throws ERR_MALFORMED_JSON
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw malformedJsonError('The request body is not valid UTF-8. Send JSON encoded as UTF-8.');
  }
  if (exceedsDepth(bytes, MAX_JSON_DEPTH)) {
    throw malformedJsonError(
      `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels. Send a flatter document.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformedJsonError();
  }
  if (SUSPECT.test(text)) {
    const key = findPoisonedKey(value);
    if (key !== null) {
      throw malformedJsonError(
        `The request body contains the key "${key}", which is refused. Remove or rename it.`,
      );
    }
  }
  return value;
}

/**
 * True when brackets outside strings nest deeper than `max`. Works on the UTF-8 bytes: every
 * structural character is ASCII and no byte of a multi-byte sequence is, so no decoding is
 * needed. Only a cheap guard: malformed input is left for `JSON.parse` to refuse.
 */
function exceedsDepth(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === 0x5c /* \ */) i++;
      else if (byte === 0x22 /* " */) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5b /* [ */ || byte === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (byte === 0x5d /* ] */ || byte === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/**
 * The first prototype-poisoning key of a parsed JSON value, or `null`. Iterative: a body of a
 * million nested arrays must not overflow the stack and become a 500.
 */
export function findPoisonedKey(root: unknown): '__proto__' | 'constructor.prototype' | null {
  const pending: object[] = [];
  if (root !== null && typeof root === 'object') pending.push(root);
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (!Array.isArray(value)) {
      if (Object.hasOwn(value, '__proto__')) return '__proto__';
      if (Object.hasOwn(value, 'constructor')) {
        const ctor: unknown = (value as Record<string, unknown>).constructor;
        if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) {
          return 'constructor.prototype';
        }
      }
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (child !== null && typeof child === 'object') pending.push(child);
      }
    } else {
      for (const key in value) {
        const child: unknown = (value as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') pending.push(child);
      }
    }
  }
  return null;
}
