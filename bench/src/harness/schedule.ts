/**
 * The order in which compared variants run: every round runs each variant once, and the
 * starting variant rotates from round to round (A B C, B C A, C A B …). Drift (a noisy
 * neighbour, CPU boost, a growing table) then lands on all variants alike, and no variant
 * always runs right after the same other one (whose GC debt or cache state it would inherit).
 */
export function interleavedOrder(variantCount: number, rounds: number): number[][] {
  if (!Number.isInteger(variantCount) || variantCount < 1) {
    throw new RangeError('interleavedOrder: variantCount must be a positive integer');
  }
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError('interleavedOrder: rounds must be a positive integer');
  }
  const order: number[][] = [];
  for (let round = 0; round < rounds; round++) {
    const thisRound: number[] = [];
    for (let k = 0; k < variantCount; k++) thisRound.push((round + k) % variantCount);
    order.push(thisRound);
  }
  return order;
}
