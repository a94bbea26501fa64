import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Every Rampart key starts here unless the user configures another prefix. */
export const RAMPART_REDIS_PREFIX = 'rampart:';

/**
 * The default prefix of a package, `rampart:<package>:` (`rampart:rate-limit:` …).
 *
 * @example
 * defaultRedisPrefix('rate-limit'); // 'rampart:rate-limit:'
 */
export function defaultRedisPrefix(packageName: string): string {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(packageName)) {
    throw new TypeError(`defaultRedisPrefix: invalid package name ${JSON.stringify(packageName)}`);
  }
  return `${RAMPART_REDIS_PREFIX}${packageName}:`;
}

/**
 * A configurable key prefix: 1–128 printable ASCII characters without spaces, without the glob
 * characters `* ? [ ] \` (so a SCAN of the prefix matches only our keys) and without `{ }` (so
 * only the hash tags Rampart places decide a key's Cluster slot).
 */
export const redisKeyPrefixSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[!-~]+$/, 'must be printable ASCII without spaces')
  .refine((prefix) => !/[*?[\]\\{}]/.test(prefix), 'must not contain * ? [ ] \\ { or }');

/**
 * One part of a key, escaped so that parts joined with `:` never collide (`a:b`+`c` vs
 * `a`+`b:c`) and never contain a brace that would act as a hash tag.
 */
function encodeKeyPart(part: string): string {
  return part.replace(/[%:{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A key part that decides the Cluster slot; make it with {@link hashTag}. */
export interface RedisHashTag {
  /** The tag as it appears in the key, braces included: `{user%3A1}`. */
  readonly hashTag: string;
}

/**
 * Marks `value` as the hash tag of a key. Every key a multi-key script touches must carry the
 * same tag, or Redis Cluster refuses the script with CROSSSLOT. Values longer than 64
 * characters are hashed so the tag stays short; a hashed or empty tag starts with `%h` / `%-`,
 * which no escaped value contains, so two values never share a tag.
 *
 * @example
 * const tag = hashTag(userId);
 * const keys = [redisKey(prefix, tag, 'count'), redisKey(prefix, tag, 'reset')];
 */
export function hashTag(value: string): RedisHashTag {
  let inner: string;
  if (value.length > 64) inner = `%h${createHash('sha256').update(value).digest('base64url')}`;
  // An empty tag (`{}`) is ignored by Cluster, which would scatter the keys again.
  else if (value === '') inner = '%-';
  else inner = encodeKeyPart(value);
  return Object.freeze({ hashTag: `{${inner}}` });
}

/**
 * Builds a key: the (already validated) prefix, then the parts joined with `:`. Parts are
 * escaped, hash tags are inserted as they are.
 *
 * @example
 * redisKey('rampart:rate-limit:', hashTag('user-1'), 'GET /items'); // 'rampart:rate-limit:{user-1}:GET /items'
 */
export function redisKey(prefix: string, ...parts: ReadonlyArray<string | RedisHashTag>): string {
  return (
    prefix +
    parts.map((part) => (typeof part === 'string' ? encodeKeyPart(part) : part.hashTag)).join(':')
  );
}
