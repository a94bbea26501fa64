import { z } from 'zod';
import { HTTP_TOKEN } from './headers.js';

/**
 * The `headers` option of the listeners that answer below the framework (`problemClientErrors`,
 * `problemExpectations`): headers added to each answer, e.g. the app's security headers, since
 * no middleware or hook runs for these requests.
 */

/** Printable text and tabs: no CR or LF, which would let a value start a header of its own. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Set by the listeners themselves: the answer's framing must not be overridden. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'connection']);
const VALUE_ERROR = 'must be a string of printable characters (no CR or LF).';

/** RFC 9110 token names other than the reserved three, printable values; default `{}`. */
export const answerHeadersSchema = z
  .record(z.string(), z.string({ error: VALUE_ERROR }).regex(FIELD_VALUE, { error: VALUE_ERROR }), {
    error: 'must be an object of strings.',
  })
  .superRefine((headers, context) => {
    for (const name of Object.keys(headers)) {
      if (HTTP_TOKEN.test(name) && !RESERVED_HEADERS.has(name.toLowerCase())) continue;
      context.addIssue({
        code: 'custom',
        path: [name],
        message:
          'is not a header name it may set (an RFC 9110 token other than Content-Type, Content-Length or Connection).',
      });
    }
  })
  .default({});
