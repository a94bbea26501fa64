import { createHash } from 'node:crypto';
import { evaluateCheck, stateExpiresAt } from '../algorithms/evaluate.js';
import type { CounterState, PolicyEvaluation, PolicyOutcome } from '../algorithms/state.js';
import { windowStart } from '../algorithms/window.js';
import type { ResolvedPolicy } from '../policy.js';

// The store's side of its rows (postgres.ts): policies packed into the statements' parameters,
// a row's four numbers read back as a state, and the names its statements are prepared under.

/** The statement's code of each algorithm: the typed policy packed at this boundary. */
const ALGORITHM_CODE = {
  'fixed-window': 1,
  'sliding-window': 2,
  gcra: 3,
} as const satisfies Record<ResolvedPolicy['algorithm'], number>;

/** A policy list as the statement's array parameters, one element a policy, in key order. */
export interface PolicyColumns {
  /**
   * The policies in the order of their rows' keys (code points: `name:` then the client's
   * common suffix), the order every check and `adjust` lock them in, so two never deadlock.
   */
  readonly sorted: readonly ResolvedPolicy[];
  /** Where each policy of `sorted` stands in the limiter's order. */
  readonly positions: readonly number[];
  readonly codes: readonly number[];
  readonly limits: readonly number[];
  readonly windows: readonly number[];
  /** GCRA's burst; a window's limit. */
  readonly bursts: readonly number[];
  readonly blocks: readonly number[];
}

// Policy lists are fixed per limiter and override: their columns are built once, not per check.
const columnsByPolicies = new WeakMap<readonly ResolvedPolicy[], PolicyColumns>();

/** Policy names are ASCII: UTF-16 order is byte order, Postgres's `collate "C"`. */
function byCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function policyColumns(policies: readonly ResolvedPolicy[]): PolicyColumns {
  let columns = columnsByPolicies.get(policies);
  if (columns === undefined) {
    const positions = policies
      .map((_, i) => i)
      .sort((i, j) => byCodePoints(`${policies[i]?.name}:`, `${policies[j]?.name}:`));
    const sorted = positions.map((i) => policies[i] as ResolvedPolicy);
    columns = {
      sorted,
      positions,
      codes: sorted.map((policy) => ALGORITHM_CODE[policy.algorithm]),
      limits: sorted.map((policy) => policy.limit),
      windows: sorted.map((policy) => policy.windowMs),
      bursts: sorted.map((policy) => (policy.algorithm === 'gcra' ? policy.burst : policy.limit)),
      blocks: sorted.map((policy) => policy.blockMs),
    };
    columnsByPolicies.set(policies, columns);
  }
  return columns;
}

/** A policy's row as stored: `a` window start or GCRA's arrival, `b` count, `c` previous count, `k` block. */
export interface CounterRow {
  key: string;
  a: number;
  b: number;
  c: number;
  k: number;
}

/** A stored row as the state of `policy`; `undefined` when the client has none. */
export function stateOf(
  policy: ResolvedPolicy,
  row: Omit<CounterRow, 'key'> | undefined,
): CounterState | undefined {
  if (row === undefined) return undefined;
  const { a, b, c, k } = row;
  switch (policy.algorithm) {
    case 'fixed-window':
      return { algorithm: 'fixed-window', windowStart: a, count: b, blockedUntil: k };
    case 'sliding-window':
      return {
        algorithm: 'sliding-window',
        windowStart: a,
        count: b,
        previousCount: c,
        blockedUntil: k,
      };
    case 'gcra':
      return { algorithm: 'gcra', theoreticalArrival: a, blockedUntil: k };
  }
}

/**
 * What an admit-only upsert returns of the state it stored: the numbers `admittedOutcome` reads
 * that the store does not know already (an admit's window starts at the check's window start,
 * and its block is 0). Fewer numbers to return is less for the server to print and pg to parse.
 */
export const ADMITTED_COLUMNS = {
  'fixed-window': ['b'],
  'sliding-window': ['b', 'c'],
  gcra: ['a'],
} as const satisfies Record<ResolvedPolicy['algorithm'], readonly ('a' | 'b' | 'c')[]>;

/** The state an admit of `policy` at `now` stored, from the columns it returned (`ADMITTED_COLUMNS`). */
export function admittedState(
  policy: ResolvedPolicy,
  now: number,
  returned: Partial<Record<'a' | 'b' | 'c', number | null>>,
): CounterState {
  const { a, b, c } = returned;
  switch (policy.algorithm) {
    case 'fixed-window':
      return {
        algorithm: 'fixed-window',
        windowStart: windowStart(now, policy.windowMs),
        count: b ?? 0,
        blockedUntil: 0,
      };
    case 'sliding-window':
      return {
        algorithm: 'sliding-window',
        windowStart: windowStart(now, policy.windowMs),
        count: b ?? 0,
        previousCount: c ?? 0,
        blockedUntil: 0,
      };
    case 'gcra':
      return { algorithm: 'gcra', theoreticalArrival: a ?? 0, blockedUntil: 0 };
  }
}

/** A state as the columns of its row. */
export function columnsOf(state: CounterState): Omit<CounterRow, 'key'> {
  switch (state.algorithm) {
    case 'fixed-window':
      return { a: state.windowStart, b: state.count, c: 0, k: state.blockedUntil };
    case 'sliding-window':
      return {
        a: state.windowStart,
        b: state.count,
        c: state.previousCount,
        k: state.blockedUntil,
      };
    case 'gcra':
      return { a: state.theoreticalArrival, b: 0, c: 0, k: state.blockedUntil };
  }
}

/** A policy's numbers a check statement takes, as evaluate.ts computes them (the same float operations). */
export interface PolicyParameters {
  readonly lim: number;
  readonly w: number;
  /** GCRA's burst; a window's limit. */
  readonly burst: number;
  readonly block: number;
  /** The start of the window holding the check's `now`. */
  readonly start: number;
  /** GCRA's emission interval. */
  readonly iv: number;
}

export function policyParameters(policy: ResolvedPolicy, now: number): PolicyParameters {
  const { limit, windowMs } = policy;
  return {
    lim: limit,
    w: windowMs,
    burst: policy.algorithm === 'gcra' ? policy.burst : limit,
    block: policy.blockMs,
    start: windowStart(now, windowMs),
    iv: windowMs / limit,
  };
}

/**
 * The answer to a check whose statement refused and wrote nothing, from the states as the store
 * then read them; `undefined` when they admit (a reset, a reward or the purge came in between),
 * so the check runs again rather than answer a refusal it cannot explain.
 */
export function refusalFrom(
  policies: readonly ResolvedPolicy[],
  states: ReadonlyArray<CounterState | undefined>,
  now: number,
  cost: number,
): PolicyOutcome[] | undefined {
  const { admitted, evaluations } = evaluateCheck(policies, states, now, cost);
  return admitted ? undefined : evaluations.map(outcomeOf);
}

/** An outcome alone, without the evaluation's state. */
export function outcomeOf({
  allowed,
  remaining,
  resetMs,
  retryAfterMs,
}: PolicyOutcome): PolicyOutcome {
  return { allowed, remaining, resetMs, retryAfterMs };
}

/**
 * The row a policy's upsert inserts for a client without state, and whether that admits (1/0):
 * the policy decided alone (`evaluateCheck` of it), as the upsert decides an existing row.
 */
export function freshRow(policy: ResolvedPolicy, now: number, cost: number): number[] {
  const evaluation = evaluateCheck([policy], [undefined], now, cost)
    .evaluations[0] as PolicyEvaluation;
  const { a, b, c, k } = columnsOf(evaluation.next);
  return [a, b, c, k, stateExpiresAt(policy, evaluation.next, now), evaluation.allowed ? 1 : 0];
}

/**
 * A refused check whose row admits by the time the store reads it (a reset, a reward or the purge
 * came in between) runs again, at most this many times in all, then fails.
 */
export const MAX_CHECK_ATTEMPTS = 3;

/** A statement pg prepares once per connection of the pool, under `name`. */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

export function prepared(text: string): PreparedStatement {
  // One name per text, as pg requires; the schema is in the text.
  return {
    name: `rampart_rl_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`,
    text,
  };
}
