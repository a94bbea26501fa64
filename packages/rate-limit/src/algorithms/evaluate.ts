import type { ResolvedPolicy } from '../policy.js';
import { adjustFixedWindow, checkFixedWindow, fixedWindowEnd } from './fixed-window.js';
import { adjustGcra, checkGcra, gcraEnd } from './gcra.js';
import { adjustSlidingWindow, checkSlidingWindow, slidingWindowEnd } from './sliding-window.js';
import {
  type CounterState,
  copyState,
  expiryOf,
  newEvaluation,
  type PolicyEvaluation,
  stateFor,
  type WritableState,
} from './state.js';

// The arithmetic every store keeps. The Lua scripts (stores/redis-lua.ts) and the SQL statements
// (stores/postgres-upsert.ts) implement its decision again; the conformance suite holds all
// three to it.

/**
 * Decides one policy for a request of `cost` at `now`, from its stored `state` (`undefined` for
 * a client never seen or expired; a state of another algorithm counts as none). Counts nothing:
 * `next` is what to store if the whole check admits the request. Written into `into` when given.
 */
export function evaluatePolicy(
  policy: ResolvedPolicy,
  state: CounterState | undefined,
  now: number,
  cost: number,
  into: PolicyEvaluation = newEvaluation(),
): PolicyEvaluation {
  into.blocked = false;
  into.startedBlock = false;
  switch (policy.algorithm) {
    case 'fixed-window':
      checkFixedWindow(policy, stateFor(policy.algorithm, state), now, cost, into);
      break;
    case 'sliding-window':
      checkSlidingWindow(policy, stateFor(policy.algorithm, state), now, cost, into);
      break;
    case 'gcra':
      checkGcra(policy, stateFor(policy.algorithm, state), now, cost, into);
      break;
  }
  if (into.next.blockedUntil > now) refuseBlocked(policy, state as CounterState, now, into);
  return into;
}

/**
 * A blocked client is refused and counted nowhere (its state stays as stored); the block
 * outlasts any window. A running block implies a stored `state` of the policy's algorithm.
 */
function refuseBlocked(
  policy: ResolvedPolicy,
  state: CounterState,
  now: number,
  into: PolicyEvaluation,
): void {
  const wait = into.next.blockedUntil - now;
  into.allowed = false;
  into.remaining = 0;
  into.resetMs = Math.max(into.resetMs, wait);
  into.retryAfterMs = Math.max(into.retryAfterMs, wait);
  into.blocked = true;
  // The state as stored, in `into.next` (of the same algorithm), which the check wrote.
  copyState(state, into.next as WritableState);
  into.expiresAt = stateExpiresAt(policy, into.next, now);
}

/** One check of every policy of a key: what the store answers, and what it stores. */
export interface CheckEvaluation {
  /** Every policy admits the request: store each evaluation's `next`. */
  readonly admitted: boolean;
  /**
   * Each policy's outcome, in policy order. When not `admitted`, store `next` only where
   * `startedBlock`.
   */
  readonly evaluations: readonly PolicyEvaluation[];
}

/**
 * Decides a check of every policy of a key at once, the rule every store keeps: either every
 * policy admits the request and each counts `cost`, or none counts anything, and a policy with
 * `blockMs` that refused starts its block (a running block is not extended, so a client that
 * waits it out gets back in). `states` holds each policy's stored state, in policy order;
 * `into`, when given, one evaluation per policy to write into.
 *
 * @example
 * const { admitted, evaluations } = evaluateCheck(key.policies, states, now, cost);
 * evaluations.forEach((e, i) => { if (admitted || e.startedBlock) save(key.policies[i], e.next); });
 * return evaluations;
 */
export function evaluateCheck(
  policies: readonly ResolvedPolicy[],
  states: ReadonlyArray<CounterState | undefined>,
  now: number,
  cost: number,
  into: readonly PolicyEvaluation[] = policies.map(newEvaluation),
): CheckEvaluation {
  let admitted = true;
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i] as ResolvedPolicy;
    if (!evaluatePolicy(policy, states[i], now, cost, into[i] as PolicyEvaluation).allowed)
      admitted = false;
  }
  if (!admitted) {
    for (let i = 0; i < policies.length; i++)
      startBlock(policies[i] as ResolvedPolicy, into[i] as PolicyEvaluation, now);
  }
  return { admitted, evaluations: into };
}

/**
 * A refusal by a policy with `blockMs` starts its block, unless the client serves one already:
 * the evaluation's `next` then holds the block and `startedBlock` says to store it. What
 * `evaluateCheck` applies to every policy of a refused check.
 */
export function startBlock(
  policy: ResolvedPolicy,
  evaluation: PolicyEvaluation,
  now: number,
): void {
  const { blockMs } = policy;
  if (blockMs === 0 || evaluation.allowed || evaluation.blocked) return;
  evaluation.resetMs = Math.max(evaluation.resetMs, blockMs);
  evaluation.retryAfterMs = Math.max(evaluation.retryAfterMs, blockMs);
  (evaluation.next as WritableState).blockedUntil = now + blockMs;
  evaluation.expiresAt = stateExpiresAt(policy, evaluation.next, now);
  evaluation.startedBlock = true;
}

/**
 * Moves a client's counter by `delta` cost units without a request: a penalty (`delta > 0`)
 * spends quota, a reward (`delta < 0`) gives it back, never beyond a fresh client's. Blocks the
 * client until `blockUntil` when that is later than a block it serves.
 */
export function adjustState(
  policy: ResolvedPolicy,
  state: CounterState | undefined,
  now: number,
  delta: number,
  blockUntil = 0,
): CounterState {
  const next = adjustAlgorithm(policy, state, now, delta);
  return blockUntil > next.blockedUntil ? { ...next, blockedUntil: blockUntil } : next;
}

function adjustAlgorithm(
  policy: ResolvedPolicy,
  state: CounterState | undefined,
  now: number,
  delta: number,
): CounterState {
  switch (policy.algorithm) {
    case 'fixed-window':
      return adjustFixedWindow(policy, stateFor(policy.algorithm, state), now, delta);
    case 'sliding-window':
      return adjustSlidingWindow(policy, stateFor(policy.algorithm, state), now, delta);
    case 'gcra':
      return adjustGcra(policy, stateFor(policy.algorithm, state), now, delta);
  }
}

/** Epoch ms after which `state` no longer matters and may be dropped (at least `now + 1`). */
export function stateExpiresAt(policy: ResolvedPolicy, state: CounterState, now: number): number {
  let end: number;
  switch (state.algorithm) {
    case 'fixed-window':
      end = fixedWindowEnd(state, policy.windowMs);
      break;
    case 'sliding-window':
      end = slidingWindowEnd(state, policy.windowMs);
      break;
    case 'gcra':
      end = gcraEnd(state);
      break;
  }
  return expiryOf(end, state.blockedUntil, now);
}
