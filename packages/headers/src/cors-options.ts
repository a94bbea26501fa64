import { CONFIG_ERROR_CODES, configCode, HTTP_TOKEN } from '@rampart/core';
import { z } from 'zod';
import {
  DEFAULT_CORS_METHODS,
  DEFAULT_PREFLIGHT_MAX_AGE_SECONDS,
  RAMPART_REQUEST_HEADERS,
  RATE_LIMIT_HEADERS,
} from './cors-defaults.js';
import { isExactOrigin, suggestOrigin } from './origin.js';

/**
 * The origins a CORS policy allows: `'*'` (any origin, never with credentials), a list of exact
 * origins, or a function that returns the current list (runtime settings): it is called on
 * every request and the list it returns is used as is, so a change is seen on the next request.
 */
export type CorsOrigins = '*' | readonly string[] | (() => readonly string[]);

/** Options of `createCors` and of both adapters. */
export interface CorsOptions {
  /**
   * Who may call: `'*'`, exact origins (`https://app.example.com`: scheme, host and port, as a
   * browser sends them), or a function returning them. Required: there is no permissive default.
   */
  origins: CorsOrigins;
  /**
   * Let the browser send cookies and HTTP authentication and let the script read the answer
   * (`Access-Control-Allow-Credentials: true`). Only with explicit origins: with `'*'` it throws
   * at start-up. Default `false`.
   */
  credentials?: boolean;
  /** Methods a cross-origin request may use. Default GET, HEAD, POST, PUT, PATCH, DELETE. */
  methods?: readonly string[];
  /** Request headers a cross-origin request may send. Default {@link RAMPART_REQUEST_HEADERS}. */
  allowedHeaders?: readonly string[];
  /** Response headers a cross-origin script may read. Default {@link RATE_LIMIT_HEADERS}. */
  exposedHeaders?: readonly string[];
  /** How long a browser may cache a preflight's answer, 0–86400 seconds. Default 600. */
  maxAgeSeconds?: number;
}

function exactOriginIssue(value: string): string {
  if (value === '*') return "'*' allows any origin: pass origins: '*' alone, not in a list.";
  if (value === 'null')
    return "'null' is the opaque origin any sandboxed page can send; it is never allowed.";
  const suggestion = suggestOrigin(value);
  const hint =
    suggestion !== undefined && suggestion !== value ? ` (did you mean "${suggestion}"?)` : '';
  return `"${value}" is not an exact origin: scheme, host and port only, lower case, no path or trailing slash, as a browser sends it${hint}.`;
}

const exactOrigin = z.string().superRefine((value, ctx) => {
  if (!isExactOrigin(value)) {
    ctx.addIssue({
      code: 'custom',
      message: exactOriginIssue(value),
      ...configCode(CONFIG_ERROR_CODES.invalidValue),
    });
  }
});

const originsSchema = z
  .custom<CorsOrigins>((value) => value !== undefined, {
    message: 'is required.',
    ...configCode(CONFIG_ERROR_CODES.missingOption),
  })
  .pipe(
    z.union(
      [
        z.literal('*'),
        z.array(exactOrigin).readonly(),
        z.custom<() => readonly string[]>((value) => typeof value === 'function'),
      ],
      { error: "must be '*', an array of exact origins, or a function that returns one." },
    ),
  );

/** A list of header names or methods: RFC 9110 tokens, none of them the `*` wildcard. */
function tokenList(what: string, min = 0) {
  return z
    .array(
      z
        .string()
        .regex(HTTP_TOKEN, `must be ${what}: a token such as "X-Request-Id".`)
        .refine((value) => value !== '*', {
          message: `'*' is not allowed: list each ${what} (a wildcard is ignored with credentials and never covers Authorization).`,
          ...configCode(CONFIG_ERROR_CODES.invalidValue),
        }),
    )
    .min(min, `must list at least ${min} ${what}.`)
    .readonly();
}

/** The schema of {@link CorsOptions}; `credentials` with `'*'` is refused by name. */
export const corsOptionsSchema = z
  .strictObject({
    origins: originsSchema,
    credentials: z.boolean({ error: 'must be true or false.' }).default(false),
    methods: tokenList('method', 1).default([...DEFAULT_CORS_METHODS]),
    allowedHeaders: tokenList('header name').default([...RAMPART_REQUEST_HEADERS]),
    exposedHeaders: tokenList('header name').default([...RATE_LIMIT_HEADERS]),
    maxAgeSeconds: z.number().int().min(0).max(86_400).default(DEFAULT_PREFLIGHT_MAX_AGE_SECONDS),
  })
  .superRefine((options, ctx) => {
    if (options.origins === '*' && options.credentials) {
      ctx.addIssue({
        code: 'custom',
        path: ['credentials'],
        message:
          "cannot be true with origins: '*': browsers refuse a credentialed answer to any origin, and reflecting every origin instead would hand any site the user's session. List the origins.",
        ...configCode(CONFIG_ERROR_CODES.conflictingOptions),
      });
    }
  });
