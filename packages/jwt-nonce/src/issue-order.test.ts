import { createFakeClock } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { IssueOrder } from './issue-order.js';

describe('IssueOrder', () => {
  it('puts a watermark after every issue so far and before every later one, in one millisecond', () => {
    const order = new IssueOrder(createFakeClock(1000));
    const before = order.issueInstant();
    const watermark = order.watermarkInstant();
    const after = order.issueInstant();
    expect(before).toBeLessThanOrEqual(watermark);
    expect(after).toBeGreaterThan(watermark);
  });

  it('does not run ahead of the clock on a burst of revocations', () => {
    // An admin revoking 10,000 users in a loop within one millisecond: a drift here would date
    // later tokens in the future, past other processes' watermarks.
    const order = new IssueOrder(createFakeClock(1000));
    for (let i = 0; i < 10_000; i++) order.watermarkInstant();
    expect(order.issueInstant()).toBe(1001);
    for (let i = 0; i < 10_000; i++) order.issueInstant();
    expect(order.watermarkInstant()).toBe(1001);
  });

  it('follows the clock once it moves past the last watermark', () => {
    const clock = createFakeClock(1000);
    const order = new IssueOrder(clock);
    order.watermarkInstant();
    clock.advance(5);
    expect(order.issueInstant()).toBe(1005);
  });
});
