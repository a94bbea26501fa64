import { type CorsOptions, createSecurityHeaders, isExactOrigin } from '@rampart/headers';
import { ConfigError } from '../config-error.js';

/**
 * The api preset of `@rampart/headers`, rendered once: what the adapters put on every answer,
 * and what the answers made before any app code runs (Fastify's frameworkErrors, Node's
 * clientError) carry too.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> =
  createSecurityHeaders().record;

/**
 * The app's CORS policy: the origins of CORS_ORIGINS (or a getter of the runtime settings'
 * list), with credentials, and the package's defaults for everything else (the Rampart request
 * headers allowed, the rate-limit headers exposed).
 */
export function corsOptions(origins: readonly string[] | (() => readonly string[])): CorsOptions {
  return { origins, credentials: true };
}

/**
 * CORS_ORIGINS: comma-separated exact origins (`https://app.example.com`, as a browser sends
 * them); unset or empty allows none. A wildcard is refused: the app sends credentials.
 */
export function parseCorsOrigins(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [];
  const entries = text.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    if (!isExactOrigin(entry)) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `entry ${index + 1}, "${entry}" is not an exact origin: scheme://host[:port], lower case, no path or trailing slash, no wildcard`,
      );
    }
  });
  return entries;
}
