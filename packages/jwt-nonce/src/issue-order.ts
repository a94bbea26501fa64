import type { Clock } from '@rampart/core';

/**
 * Issue times and user watermarks of one service, on one ordered scale. A watermark kills the
 * tokens issued at or before it, in milliseconds; "revoke all, then log in again" easily runs
 * within one millisecond, and the new session then died with the old ones. Here a watermark is
 * never below a token this service already issued, and every token it issues afterwards is at
 * least a millisecond later, whatever the clock says (a fake clock that stands still included).
 * Across processes, the clocks' own agreement still rules.
 */
export class IssueOrder {
  readonly #clock: Clock;
  #lastIssuedAt = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The issue time to record for a token issued now. */
  issueInstant(): number {
    this.#lastIssuedAt = Math.max(this.#clock.now(), this.#lastIssuedAt);
    return this.#lastIssuedAt;
  }

  /** The watermark of a revocation made now: after every issue so far, before every later one. */
  watermarkInstant(): number {
    const at = Math.max(this.#clock.now(), this.#lastIssuedAt);
    this.#lastIssuedAt = at + 1;
    return at;
  }
}
