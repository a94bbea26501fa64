import { z } from 'zod';

/** Where the routes go by default: `GET <basePath>/:provider` and `GET <basePath>/:provider/callback`. */
export const DEFAULT_BASE_PATH = '/auth/oauth';

export const basePathSchema = z
  .string()
  .regex(
    /^(?:\/[A-Za-z0-9._~-]+)+$/,
    'must be a path such as "/api/v1/auth/oauth", without a trailing slash.',
  )
  .default(DEFAULT_BASE_PATH);

export const oauthServiceSchema = z.custom<import('./oauth.js').OAuth>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { start?: unknown }).start === 'function' &&
    typeof (value as { callback?: unknown }).callback === 'function',
  'must be the service from createOAuth.',
);

export const onSignInSchema = z.custom<(...args: never[]) => unknown>(
  (value) => typeof value === 'function',
  'must be a function (signIn, request, reply) that answers the request (a session, a token pair).',
);
