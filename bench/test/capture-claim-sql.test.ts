import { describe, expect, it } from 'vitest';
import { claimValues } from '../src/backends/capture-claim-sql.js';

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
