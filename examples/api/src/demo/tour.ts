import type { Framework, StoreKind } from '../config.js';

/** What every step can read: where the app is, what it runs on, and values earlier steps kept. */
export interface Tour {
  readonly baseUrl: string;
  readonly framework: Framework;
  readonly store: StoreKind;
  /** The credentials and keys the demo started the app with, for steps that log in or sign. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Values a step keeps for later ones (`save`): tokens, ids … */
  readonly vars: Map<string, unknown>;
}

export interface StepRequest {
  readonly method: string;
  /** Path and query, appended to the base URL as is. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as UTF-8. */
  readonly body?: string;
}

/** The parts of a response a step checks. */
export interface StepResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body when it is JSON (any `+json` type), else `undefined`. */
  readonly json: unknown;
}

/** The members RFC 9457 and EXAMPLE-API.md require of every error. */
export const PROBLEM_MEMBERS = ['type', 'title', 'status', 'detail', 'instance', 'code'] as const;

/** What a step expects; every field given must hold. */
export interface Expectation {
  readonly status: number;
  /** An `application/problem+json` body with every member, and this `code` when given. */
  readonly problem?: { readonly code?: string };
  /** Members the JSON body must have, compared with `===` (objects by JSON text). */
  readonly json?: Readonly<Record<string, unknown>>;
  /** Header values, exact strings or patterns. Names are case-insensitive. */
  readonly headers?: Readonly<Record<string, string | RegExp>>;
  /** Headers that must not be sent. */
  readonly absentHeaders?: readonly string[];
}

/**
 * One step of the tour: a request and what the contract says the answer is. Steps are plain
 * objects so a later issue adds its protections by appending to the list.
 */
export interface Step {
  readonly name: string;
  /** A function may be async, e.g. to sign the request with WebCrypto. */
  readonly request: StepRequest | ((tour: Tour) => StepRequest | Promise<StepRequest>);
  readonly expect: Expectation | ((tour: Tour) => Expectation);
  /** Keeps something from the response (a token, an id) in `tour.vars` for later steps. */
  readonly save?: (response: StepResponse, tour: Tour) => void;
}

export interface StepResult {
  readonly name: string;
  /** `METHOD /path`. */
  readonly request: string;
  readonly expected: string;
  readonly got: string;
  readonly ok: boolean;
  /** Why it failed; empty when it passed. */
  readonly failures: readonly string[];
}

/** How long one request may take before the step fails. */
const REQUEST_TIMEOUT_MS = 10_000;

/** What every response must show whatever the step, e.g. the contract's security headers. */
export type Invariant = Pick<Expectation, 'headers' | 'absentHeaders'>;

/**
 * Runs `steps` in order against the app at `tour.baseUrl`, checking `invariant` on every
 * response too; never throws for a failed step.
 */
export async function runTour(
  tour: Tour,
  steps: readonly Step[],
  invariant: Invariant = {},
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) results.push(await runStep(tour, step, invariant));
  return results;
}

async function runStep(tour: Tour, step: Step, invariant: Invariant): Promise<StepResult> {
  const request = typeof step.request === 'function' ? await step.request(tour) : step.request;
  const expect = typeof step.expect === 'function' ? step.expect(tour) : step.expect;
  const label = `${request.method} ${request.path}${describeBody(request)}`;
  const expected = describeExpectation(expect);
  let response: StepResponse;
  try {
    response = await send(tour.baseUrl, request);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      name: step.name,
      request: label,
      expected,
      got: `no answer: ${message}`,
      ok: false,
      failures: [message],
    };
  }
  const failures = check(expect, response);
  for (const failure of check({ status: response.status, ...invariant }, response)) {
    failures.push(`every response: ${failure}`);
  }
  if (failures.length === 0 && step.save !== undefined) {
    try {
      step.save(response, tour);
    } catch (error) {
      failures.push(`save: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return {
    name: step.name,
    request: label,
    expected,
    got: describeResponse(response, expect),
    ok: failures.length === 0,
    failures,
  };
}

async function send(baseUrl: string, request: StepRequest): Promise<StepResponse> {
  const response = await fetch(new URL(request.path, baseUrl), {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let json: unknown;
  if (/^application\/(?:[\w.-]+\+)?json\b/i.test(response.headers.get('content-type') ?? '')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Every way `response` differs from `expect`. */
export function check(expect: Expectation, response: StepResponse): string[] {
  const failures: string[] = [];
  if (response.status !== expect.status)
    failures.push(`status ${response.status}, expected ${expect.status}`);
  const body = isObject(response.json) ? response.json : undefined;
  if (expect.problem !== undefined) {
    const type = response.headers.get('content-type') ?? '';
    if (!/^application\/problem\+json\b/i.test(type))
      failures.push(`content-type ${JSON.stringify(type)}, expected application/problem+json`);
    if (body === undefined) failures.push('body is not a JSON object');
    else {
      for (const member of PROBLEM_MEMBERS)
        if (!(member in body)) failures.push(`problem lacks "${member}"`);
      if (body.status !== response.status)
        failures.push(`problem status ${String(body.status)} differs from HTTP ${response.status}`);
      if (expect.problem.code !== undefined && body.code !== expect.problem.code) {
        failures.push(`code ${String(body.code)}, expected ${expect.problem.code}`);
      }
      if ('stack' in body) failures.push('problem carries a stack trace');
    }
  }
  if (expect.json !== undefined) {
    if (body === undefined) failures.push('body is not a JSON object');
    else {
      for (const [key, value] of Object.entries(expect.json)) {
        if (JSON.stringify(body[key]) !== JSON.stringify(value)) {
          failures.push(`${key} = ${JSON.stringify(body[key])}, expected ${JSON.stringify(value)}`);
        }
      }
    }
  }
  for (const [name, value] of Object.entries(expect.headers ?? {})) {
    const got = response.headers.get(name);
    const ok = got !== null && (typeof value === 'string' ? got === value : value.test(got));
    if (!ok)
      failures.push(
        `header ${name}: ${got === null ? 'missing' : JSON.stringify(got)}, expected ${String(value)}`,
      );
  }
  for (const name of expect.absentHeaders ?? []) {
    if (response.headers.has(name))
      failures.push(`header ${name} sent: ${JSON.stringify(response.headers.get(name))}`);
  }
  return failures;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeBody(request: StepRequest): string {
  if (request.body === undefined) return '';
  const type = request.headers?.['content-type'] ?? request.headers?.['Content-Type'] ?? 'no type';
  const size = Buffer.byteLength(request.body);
  return ` (${type}, ${size} B)`;
}

function describeExpectation(expect: Expectation): string {
  const parts = [String(expect.status)];
  if (expect.problem !== undefined) parts.push(`problem ${expect.problem.code ?? ''}`.trim());
  if (expect.json !== undefined) parts.push(JSON.stringify(expect.json));
  const headers = Object.keys(expect.headers ?? {}).length;
  if (headers > 0) parts.push(`+ ${headers} headers`);
  for (const name of expect.absentHeaders ?? []) parts.push(`no ${name}`);
  return parts.join(' ');
}

/** Members whose values are credentials: the table shows that they came, never what they are. */
const SECRET_MEMBER = /token|secret|password|^key$/i;

function redactSecrets(key: string, value: unknown): unknown {
  return typeof value === 'string' && SECRET_MEMBER.test(key) ? '…' : value;
}

/** What came back, in the terms of the expectation, so the two columns read side by side. */
function describeResponse(response: StepResponse, expect: Expectation): string {
  const parts = [String(response.status)];
  const body = isObject(response.json) ? response.json : undefined;
  if (body !== undefined && typeof body.code === 'string') parts.push(`problem ${body.code}`);
  else if (body !== undefined && (expect.json !== undefined || response.status !== expect.status)) {
    parts.push(JSON.stringify(body, redactSecrets));
  } else if (response.status !== expect.status && response.text.length > 0) {
    parts.push(`${response.text.length} B ${response.headers.get('content-type') ?? ''}`.trim());
  }
  const expected = Object.entries(expect.headers ?? {});
  if (expected.length > 0) {
    const matching = expected.filter(([name, value]) => {
      const got = response.headers.get(name);
      return got !== null && (typeof value === 'string' ? got === value : value.test(got));
    }).length;
    parts.push(`+ ${matching}/${expected.length} headers`);
  }
  for (const name of expect.absentHeaders ?? []) {
    parts.push(response.headers.has(name) ? `${name} sent` : `no ${name}`);
  }
  return parts.join(' ');
}
