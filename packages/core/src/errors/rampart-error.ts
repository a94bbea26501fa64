/** Extension members a problem may carry beside the RFC 9457 ones (e.g. `retryAfter`). */
export type ProblemExtensions = Record<string, string | number | boolean | readonly string[]>;

/** An RFC 9457 problem document, as sent with `Content-Type: application/problem+json`. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  [extension: string]: unknown;
}

export interface RampartErrorInit {
  /** HTTP status, 400–599. */
  status: number;
  /** Stable machine-readable code, `ERR_<AREA>_<REASON>`; tests and clients match on it. */
  code: string;
  /** Short summary of the problem type; the same for every occurrence of `code`. */
  title: string;
  /** What was wrong and what to send instead. Never a secret, never an internal. */
  detail: string;
  /** Response headers that belong to the problem (`Retry-After`, `WWW-Authenticate` …). */
  headers?: Readonly<Record<string, string>>;
  /** Extra members of the problem document. */
  extensions?: ProblemExtensions;
  cause?: unknown;
}

/** Media type of every error Rampart sends. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The problem `type` URI of a code. A URN is stable and never pretends to be a page; the
 * catalogue in docs/errors.md documents each one.
 */
export function problemType(code: string): string {
  return `urn:rampart:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/**
 * The one error type of Rampart: every refusal a package makes is a `RampartError`, rendered
 * by the adapters as RFC 9457 `application/problem+json`.
 *
 * @example
 * throw new RampartError({ status: 429, code: 'ERR_RATE_LIMIT_EXCEEDED', title: 'Too many requests',
 *   detail: 'Retry after 30 seconds.', headers: { 'Retry-After': '30' } });
 */
export class RampartError extends Error {
  override readonly name: string = 'RampartError';
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly extensions: ProblemExtensions;

  constructor(init: RampartErrorInit) {
    super(init.detail, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.headers = Object.freeze({ ...init.headers });
    this.extensions = Object.freeze({ ...init.extensions });
  }

  /** The problem document; `instance` is usually the request path. */
  toProblem(instance?: string): ProblemDocument {
    const problem: ProblemDocument = {
      ...this.extensions,
      type: problemType(this.code),
      title: this.title,
      status: this.status,
      detail: this.detail,
      code: this.code,
    };
    if (instance !== undefined) problem.instance = instance;
    return problem;
  }
}

/** True for a `RampartError`, also one from another copy of this package. */
export function isRampartError(value: unknown): value is RampartError {
  return (
    value instanceof RampartError ||
    (value instanceof Error &&
      value.name === 'RampartError' &&
      typeof (value as RampartError).status === 'number' &&
      typeof (value as RampartError).code === 'string' &&
      typeof (value as RampartError).toProblem === 'function')
  );
}
