import { randomBytes } from 'node:crypto';
import type { StepRequest, StepResponse, Tour } from './tour.js';

/** A JSON request, with a bearer token when given. */
export function jsonRequest(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): StepRequest {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return body === undefined
    ? { method, path, headers }
    : { method, path, headers, body: JSON.stringify(body) };
}

/** An account the tour registers and uses. */
export interface DemoAccount {
  readonly email: string;
  readonly password: string;
}

/**
 * The tour's account named `name`, made up on first use: a fresh random email every run, so a
 * tour against Redis or Postgres state an earlier run left (no `--fresh`) never meets a taken
 * email or a spent login budget. The password passes the default policy (15+ characters, none
 * of the email's words: hex holds no "demo" and no "example").
 */
export function account(tour: Tour, name: string): DemoAccount {
  const key = `account:${name}`;
  let found = tour.vars.get(key) as DemoAccount | undefined;
  if (found === undefined) {
    found = {
      email: `${name}-${randomBytes(4).toString('hex')}@example.com`,
      password: `tour-${randomBytes(12).toString('hex')}`,
    };
    tour.vars.set(key, found);
  }
  return found;
}

/** A value an earlier step saved; throws (failing the step) when that step did not save it. */
export function saved(tour: Tour, key: string): string {
  const value = tour.vars.get(key);
  if (typeof value !== 'string') throw new Error(`an earlier step did not save ${key}`);
  return value;
}

/** A `save` that keeps string members of the JSON body under `<prefix>.<member>`. */
export function keep(prefix: string, ...members: string[]) {
  return (response: StepResponse, tour: Tour): void => {
    const body = response.json as Record<string, unknown> | undefined;
    for (const member of members) {
      const value = body?.[member];
      if (typeof value !== 'string') throw new Error(`response has no string "${member}"`);
      tour.vars.set(`${prefix}.${member}`, value);
    }
  };
}
