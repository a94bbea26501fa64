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
  /** The latest issue time handed out. */
  #lastIssuedAt = Number.NEGATIVE_INFINITY;
  /** The latest watermark handed out: every later issue time is above it. */
  #lastWatermark = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The issue time to record for a token issued now. */
  issueInstant(): number {
    this.#lastIssuedAt = Math.max(this.#clock.now(), this.#lastIssuedAt, this.#lastWatermark + 1);
    return this.#lastIssuedAt;
  }

  /**
   * The watermark of a revocation made now: at or after every issue so far, before every later
   * one. Only an issue that follows it within its millisecond runs a millisecond ahead of the
   * clock; a burst of revocations alone never moves ahead of it.
   */
  watermarkInstant(): number {
    const at = Math.max(this.#clock.now(), this.#lastIssuedAt);
    this.#lastWatermark = Math.max(this.#lastWatermark, at);
    return at;
  }
}
