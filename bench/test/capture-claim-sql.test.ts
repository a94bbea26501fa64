import { describe, expect, it } from 'vitest';
import { claimedBy, claimValues } from '../src/backends/capture-claim-sql.js';

describe('claimValues', () => {
  it('fills the parameters in the order the captured statement uses them', () => {
    const statement = {
      sql: 'irrelevant',
      parameters: ['key', 'expiresAt', 'key', 'now'] as const,
    };
    expect(claimValues(statement, '2:k1:abc', 1000, 60)).toEqual([
      '2:k1:abc',
      1060,
      '2:k1:abc',
      1000,
    ]);
  });
});

describe('claimedBy', () => {
  it('is true only for a row whose claimed column is true', () => {
    expect(claimedBy({ rows: [{ claimed: true }] })).toBe(true);
    expect(claimedBy({ rows: [{ claimed: false }] })).toBe(false);
    expect(claimedBy({ rows: [{ claimed: 't' }] })).toBe(false);
    expect(claimedBy({ rows: [] })).toBe(false);
  });
});
