/** Refuses invalid UTF-8 instead of replacing it with U+FFFD, as `Buffer#toString` would. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A JSON object parsed from untrusted bytes; never an array, `null` or a class instance. */
export type JsonObject = Record<string, unknown>;

/**
 * Parses bytes as a top-level JSON object, or returns `undefined` for anything else: invalid
 * UTF-8, invalid JSON, or a value that is not a plain object. Never throws.
 */
export function parseJsonObject(bytes: Uint8Array): JsonObject | undefined {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as JsonObject;
}
