import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_WINDOW_MS } from '../policy.js';
import { windowStart } from './window.js';

describe('windowStart', () => {
  it('equals now - (now % windowMs), what the Lua and SQL stores compute, for every epoch ms', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: MAX_WINDOW_MS / 1000 }).map((seconds) => seconds * 1000),
        (now, windowMs) => {
          expect(windowStart(now, windowMs)).toBe(now - (now % windowMs));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('holds at the edges of a window and of the safe integers', () => {
    const edges = [0, 999, 1000, 1001, Date.UTC(2026, 0, 1) - 1, Number.MAX_SAFE_INTEGER];
    for (const now of edges) {
      for (const windowMs of [1000, 60_000, 86_400_000, MAX_WINDOW_MS]) {
        expect(windowStart(now, windowMs)).toBe(now - (now % windowMs));
      }
    }
  });
});
