import { ConfigError } from '../config-error.js';

/** What the sessions are configured with (EXAMPLE-API.md, "Sessions" and "More environment"). */
export interface SessionConfig {
  /** `SESSION_IDLE_SECONDS`, default 1800. */
  readonly idleSeconds: number;
  /** `SESSION_ABSOLUTE_SECONDS`, default 43 200. */
  readonly absoluteSeconds: number;
  /** `SESSION_TOUCH_SECONDS`, default 60; 0 refreshes on every request. */
  readonly touchSeconds: number;
  /** `MAX_SESSIONS_PER_USER`, default 5. */
  readonly maxPerUser: number;
  /**
   * Origins (besides the request's own host) allowed to send cookie-authenticated unsafe
   * requests: `PUBLIC_URL`'s origin and each of `CORS_ORIGINS`.
   */
  readonly trustedOrigins: readonly string[];
}

const WHOLE_NUMBER = /^(?:0|[1-9][0-9]{0,8})$/;
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(?::\d{1,5})?$/;

function seconds(
  read: (name: string) => string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = read(name);
  if (text === undefined) return fallback;
  // The pattern first: Number() would take "", " 60", "0x3c" and "6e1".
  if (!WHOLE_NUMBER.test(text) || Number(text) < min || Number(text) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

/** The origin of `PUBLIC_URL` and every `CORS_ORIGINS` entry, lower-cased and checked. */
function trustedOriginsOf(read: (name: string) => string | undefined): string[] {
  const origins: string[] = [];
  const publicUrl = read('PUBLIC_URL');
  if (publicUrl !== undefined) {
    let origin: string;
    try {
      origin = new URL(publicUrl).origin;
    } catch {
      throw new ConfigError('PUBLIC_URL', 'must be an http or https URL');
    }
    if (!ORIGIN.test(origin)) throw new ConfigError('PUBLIC_URL', 'must be an http or https URL');
    origins.push(origin);
  }
  for (const entry of (read('CORS_ORIGINS') ?? '').split(',')) {
    const origin = entry.trim().toLowerCase();
    // Malformed entries are CORS_ORIGINS' own check's to refuse (headers); none is trusted here.
    if (ORIGIN.test(origin)) origins.push(origin);
  }
  return origins;
}

/** `SESSION_*`, `MAX_SESSIONS_PER_USER`, `PUBLIC_URL` and `CORS_ORIGINS`, validated. */
export function parseSessionConfig(read: (name: string) => string | undefined): SessionConfig {
  const idleSeconds = seconds(read, 'SESSION_IDLE_SECONDS', 1800, 60, 30 * 86_400);
  const absoluteSeconds = seconds(read, 'SESSION_ABSOLUTE_SECONDS', 43_200, 60, 400 * 86_400);
  if (idleSeconds > absoluteSeconds) {
    throw new ConfigError(
      'SESSION_IDLE_SECONDS',
      'must not be longer than SESSION_ABSOLUTE_SECONDS',
    );
  }
  const touchSeconds = seconds(read, 'SESSION_TOUCH_SECONDS', 60, 0, 86_400);
  if (touchSeconds >= idleSeconds) {
    throw new ConfigError('SESSION_TOUCH_SECONDS', 'must be shorter than SESSION_IDLE_SECONDS');
  }
  return {
    idleSeconds,
    absoluteSeconds,
    touchSeconds,
    maxPerUser: seconds(read, 'MAX_SESSIONS_PER_USER', 5, 1, 1000),
    trustedOrigins: trustedOriginsOf(read),
  };
}
