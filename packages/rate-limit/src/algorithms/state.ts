/**
 * The stored state of one policy for one client, one shape per algorithm. Stores that pack it
 * (Redis, Postgres) do so at their boundary; everything else reads these names.
 */

export interface FixedWindowState {
  readonly algorithm: 'fixed-window';
  /** Start of the window counted, epoch ms (windows are aligned to the epoch). */
  readonly windowStart: number;
  /** Cost units spent in that window. */
  readonly count: number;
  /** Epoch ms until which the client is blocked (a penalty), 0 when not. */
  readonly blockedUntil: number;
}

export interface SlidingWindowState {
  readonly algorithm: 'sliding-window';
  /** Start of the current window, epoch ms. */
  readonly windowStart: number;
  /** Cost units spent in the current window. */
  readonly count: number;
  /** Cost units spent in the window before it, weighed by the share the sliding window still covers. */
  readonly previousCount: number;
  readonly blockedUntil: number;
}

export interface GcraState {
  readonly algorithm: 'gcra';
  /**
   * The theoretical arrival time (TAT), epoch ms, fractional: when the bucket will be empty
   * again. A request is admitted while it falls no further than the burst ahead of now.
   */
  readonly theoreticalArrival: number;
  readonly blockedUntil: number;
}

export type CounterState = FixedWindowState | SlidingWindowState | GcraState;

/** What one policy says about one request: the part every store answers. */
export interface PolicyOutcome {
  readonly allowed: boolean;
  /** Quota left after this request (cost units), never negative. */
  readonly remaining: number;
  /** Milliseconds until the quota is fully restored (window end, or the GCRA bucket full). */
  readonly resetMs: number;
  /** Milliseconds until a request of the same cost could pass; 0 when allowed. */
  readonly retryAfterMs: number;
}

/**
 * A policy's outcome as computed from its state, with the state to store. The algorithms write
 * it field by field, so a store may hand the same one to every check (the memory store does, and
 * copies `next` into its own slot: a check of a client it holds allocates nothing).
 */
export interface PolicyEvaluation extends PolicyOutcome {
  allowed: boolean;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
  /** Refused because the client is serving a block (which a refusal does not extend). */
  blocked: boolean;
  /** This refusal started the policy's block (`blockMs`): `next` holds it, store it. */
  startedBlock: boolean;
  /** The state to store if every policy of the check admits the request (or it starts a block). */
  next: CounterState;
  /**
   * Epoch ms after which `next` no longer matters (`stateExpiresAt` of it), written with it: a
   * store keeps both by copying numbers.
   */
  expiresAt: number;
}

/** An evaluation to write into (its `next`, a state of no check yet, is rewritten by the first). */
export function newEvaluation(): PolicyEvaluation {
  return {
    allowed: false,
    remaining: 0,
    resetMs: 0,
    retryAfterMs: 0,
    blocked: false,
    startedBlock: false,
    next: emptyState('fixed-window'),
    expiresAt: 0,
  };
}

/** A state whose fields may be written. */
export type WritableState<State extends CounterState = CounterState> = {
  -readonly [Field in keyof State]: State[Field];
};

/** The state of one algorithm. */
export type StateOf<Algorithm extends CounterState['algorithm']> = Extract<
  CounterState,
  { algorithm: Algorithm }
>;

/**
 * The evaluation's `next`, to be written as a state of `algorithm`: the one it holds when it is
 * of that algorithm (a reused evaluation then allocates no state), else a new one.
 */
export function nextState<Algorithm extends CounterState['algorithm']>(
  into: PolicyEvaluation,
  algorithm: Algorithm,
): WritableState<StateOf<Algorithm>> {
  const held = into.next;
  if (held.algorithm === algorithm) return held as WritableState<StateOf<Algorithm>>;
  const fresh = emptyState(algorithm);
  into.next = fresh;
  return fresh as WritableState<StateOf<Algorithm>>;
}

function emptyState(algorithm: CounterState['algorithm']): CounterState {
  switch (algorithm) {
    case 'fixed-window':
      return { algorithm, windowStart: 0, count: 0, blockedUntil: 0 };
    case 'sliding-window':
      return { algorithm, windowStart: 0, count: 0, previousCount: 0, blockedUntil: 0 };
    case 'gcra':
      return { algorithm, theoreticalArrival: 0, blockedUntil: 0 };
  }
}

/**
 * Writes `state`'s counters into `into`, a state of the same algorithm that its holder owns
 * alone (a store's copy): numbers copied, no state object shared.
 */
export function copyState(state: CounterState, into: WritableState): void {
  switch (state.algorithm) {
    case 'fixed-window': {
      const window = into as WritableState<FixedWindowState>;
      window.windowStart = state.windowStart;
      window.count = state.count;
      break;
    }
    case 'sliding-window': {
      const window = into as WritableState<SlidingWindowState>;
      window.windowStart = state.windowStart;
      window.count = state.count;
      window.previousCount = state.previousCount;
      break;
    }
    case 'gcra':
      (into as WritableState<GcraState>).theoreticalArrival = state.theoreticalArrival;
      break;
  }
  into.blockedUntil = state.blockedUntil;
}

/** `state` when it belongs to `algorithm`, else `undefined`: a state of another algorithm counts as none. */
export function stateFor<Algorithm extends CounterState['algorithm']>(
  algorithm: Algorithm,
  state: CounterState | undefined,
): StateOf<Algorithm> | undefined {
  // Not `state?.algorithm`: comparing `undefined` with a string here made V8 compare every
  // algorithm name with its generic equality (3 % of an in-memory store check).
  return state !== undefined && state.algorithm === algorithm
    ? (state as StateOf<Algorithm>)
    : undefined;
}

/**
 * Epoch ms after which a state whose counters stop mattering at `end` and whose block runs until
 * `blockedUntil` may be dropped: whole milliseconds, at least `now + 1`.
 */
export function expiryOf(end: number, blockedUntil: number, now: number): number {
  return Math.max(now + 1, Math.ceil(Math.max(end, blockedUntil)));
}

/** The block still running at `now` in `state`, else 0. */
export function activeBlock(state: CounterState | undefined, now: number): number {
  return state !== undefined && state.blockedUntil > now ? state.blockedUntil : 0;
}
