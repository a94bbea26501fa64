/**
 * The start of the window holding `now`: windows are aligned to the epoch, so every process and
 * store agrees where one starts. The same value as `now - (now % windowMs)`, which the Lua and SQL
 * stores compute (a property test pins it); for `now` below 2^53 the quotient never rounds across
 * a whole number.
 */
export function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}
