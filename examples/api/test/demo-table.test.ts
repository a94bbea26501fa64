import { describe, expect, it } from 'vitest';
import { formatResults } from '../src/demo/table.js';
import type { StepResult } from '../src/demo/tour.js';

const passed: StepResult = {
  name: 'health',
  request: 'GET /health',
  expected: '200',
  got: '200',
  ok: true,
  failures: [],
};
const failed: StepResult = {
  name: 'unknown route',
  request: 'GET /api/v1/no-such-route',
  expected: '404 problem ERR_NOT_FOUND',
  got: '200',
  ok: false,
  failures: ['status 200, expected 404'],
};

describe('the demo table', () => {
  const lines = formatResults([passed, failed]).split('\n');
  /** Each column's [start, end) from the rule under the header: runs of ─ two spaces apart. */
  const columns = [...(lines[1] as string).matchAll(/─+/g)].map((m) => [
    m.index,
    m.index + m[0].length,
  ]);

  it('has a header for every column', () => {
    expect(columns).toHaveLength(5);
    const titles = columns.map(([start, end]) => (lines[0] as string).slice(start, end).trim());
    expect(titles).toEqual(['step', 'request', 'expected', 'got', 'ok']);
  });

  it('marks each row in the ok column and explains a failure below the table', () => {
    const [start, end] = columns[4] as [number, number];
    expect(lines.slice(2, 4).map((line) => line.slice(start, end).trim())).toEqual(['✓', '✗']);
    expect(lines.slice(4)).toEqual([
      '',
      '✗ unknown route: GET /api/v1/no-such-route',
      '    status 200, expected 404',
    ]);
  });
});
