import { z } from 'zod';
import { parseOptions } from '../config.js';
import { RampartConfigError } from '../errors/configuration-error.js';
import type { RampartError } from '../errors/rampart-error.js';
import type { SecurityRequest } from '../request.js';
import { type AuthContext, authContextProblem } from './auth-context.js';
import { authRequiredError, checkChallenge } from './auth-required.js';
import type { Authenticator } from './authenticator.js';

/** `'required'`: no credential is a 401. `'optional'`: no credential passes, unauthenticated. */
export type AuthMode = 'required' | 'optional';

/** Options of `authenticate`. */
export interface AuthenticateOptions {
  /** What a request without any credential gets. Default `'required'`. */
  mode?: AuthMode;
}

/**
 * The composed authenticators, as the adapters run them. `run` answers synchronously when no
 * authenticator finds a credential (the cheap path of an open route), with a promise otherwise.
 */
export interface CompiledAuthentication {
  readonly mode: AuthMode;
  run(request: SecurityRequest): AuthContext | undefined | Promise<AuthContext | undefined>;
}

function checkedAuthenticators(owner: string, authenticators: unknown): readonly Authenticator[] {
  if (!Array.isArray(authenticators) || authenticators.length === 0) {
    throw new RampartConfigError(
      `${owner}.authenticators`,
      'must be a non-empty array of authenticators, e.g. [jwtAuthenticator(tokens)].',
    );
  }
  return Object.freeze(
    authenticators.map((candidate: unknown, index): Authenticator => {
      const option = `${owner}.authenticators[${index}]`;
      const authenticator = candidate as Partial<Authenticator> | null;
      if (typeof authenticator?.authenticate !== 'function') {
        throw new RampartConfigError(option, 'must have an authenticate(request) method.');
      }
      if (typeof authenticator.name !== 'string' || authenticator.name === '') {
        throw new RampartConfigError(`${option}.name`, 'must be a non-empty string.');
      }
      if (authenticator.challenge !== undefined) {
        checkChallenge(`${option}.challenge`, authenticator.challenge);
      }
      if (
        authenticator.missingCredentialError !== undefined &&
        typeof authenticator.missingCredentialError !== 'function'
      ) {
        throw new RampartConfigError(`${option}.missingCredentialError`, 'must be a function.');
      }
      return authenticator as Authenticator;
    }),
  );
}

/** The options of `authenticate`, shared with the adapters' schemas. */
export const authenticateOptionsShape = {
  mode: z
    .enum(['required', 'optional'], { error: "must be 'required' or 'optional'." })
    .default('required'),
};
const authenticateOptionsSchema = z.strictObject(authenticateOptionsShape);

/** A bug in an authenticator, not the client's doing: a 500 that the error handler logs. */
function contractError(authenticator: Authenticator, what: string): TypeError {
  return new TypeError(`Authenticator "${authenticator.name}" ${what}.`);
}

/**
 * Validates the authenticators once, at start-up, and returns what the adapters run with the
 * `mode` they parsed from their options.
 */
export function compileAuthentication(
  owner: string,
  authenticators: readonly Authenticator[],
  mode: AuthMode,
): CompiledAuthentication {
  const list = checkedAuthenticators(owner, authenticators);
  const challenges = Object.freeze(
    list.flatMap((authenticator) =>
      authenticator.challenge === undefined ? [] : [authenticator.challenge],
    ),
  );
  const only = list.length === 1 ? list[0] : undefined;

  function missingCredential(): RampartError {
    return only?.missingCredentialError?.() ?? authRequiredError(challenges);
  }

  function checkedContext(authenticator: Authenticator, context: unknown): AuthContext {
    const problem = authContextProblem(context);
    // Resolving `undefined` would be an "absent" decided after I/O: a bad credential passed on.
    if (problem !== undefined) {
      throw contractError(authenticator, `resolved a value that ${problem}, not an AuthContext`);
    }
    return context as AuthContext;
  }

  return Object.freeze({
    mode,
    run(request: SecurityRequest): AuthContext | undefined | Promise<AuthContext | undefined> {
      // In order; the first credential present decides. A bad one is never passed on.
      for (const authenticator of list) {
        const answer = authenticator.authenticate(request);
        if (answer === undefined) continue;
        if (typeof (answer as Partial<PromiseLike<unknown>> | null)?.then !== 'function') {
          throw contractError(authenticator, 'returned neither undefined nor a promise');
        }
        return Promise.resolve(answer).then((context) => checkedContext(authenticator, context));
      }
      if (mode === 'optional') return undefined;
      throw missingCredential();
    },
  });
}

/**
 * Composes authenticators, framework-neutrally: the first one whose credential the request
 * carries decides, and a credential that is present but bad is refused at once (401), never
 * passed on to the next authenticator. With no credential at all, a `'required'` composition
 * refuses with `ERR_AUTH_REQUIRED` (or the only authenticator's own code) and an `'optional'` one
 * resolves `undefined`. The adapters are `authenticate` of `@rampart/core/express` and of
 * `@rampart/core/fastify`.
 *
 * @example
 * const identify = authenticate([jwtAuthenticator(tokens), apiKeyAuthenticator(keys)]);
 * const auth = await identify(securityRequest); // AuthContext, or a RampartError 401
 */
export function authenticate(
  authenticators: readonly Authenticator[],
  options: AuthenticateOptions & { mode: 'optional' },
): (request: SecurityRequest) => Promise<AuthContext | undefined>;
export function authenticate(
  authenticators: readonly Authenticator[],
  options?: AuthenticateOptions & { mode?: 'required' },
): (request: SecurityRequest) => Promise<AuthContext>;
export function authenticate(
  authenticators: readonly Authenticator[],
  options?: AuthenticateOptions,
): (request: SecurityRequest) => Promise<AuthContext | undefined>;
export function authenticate(
  authenticators: readonly Authenticator[],
  options?: AuthenticateOptions,
): (request: SecurityRequest) => Promise<AuthContext | undefined> {
  const compiled = compileAuthentication(
    'authenticate',
    authenticators,
    parseOptions('authenticate', authenticateOptionsSchema, options).mode,
  );
  return async function authenticateRequest(request: SecurityRequest) {
    return compiled.run(request);
  };
}
