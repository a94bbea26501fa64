import { describe, expect, it, vi } from 'vitest';
import { type AuditRow, type Checkpoint, MemoryAuditStore } from '../src/index.js';
import { makeTrail } from './helpers/trail.js';

/** A memory store whose commits take a few ms, and whose `failAt`-th append fails (the store is down). */
class SlowFlakyStore extends MemoryAuditStore {
  appends = 0;
  constructor(private readonly failAt: number) {
    super();
  }
  override async append(rows: readonly AuditRow[], checkpoint?: Checkpoint): Promise<void> {
    this.appends++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.appends === this.failAt) throw new Error('connection reset');
    return super.append(rows, checkpoint);
  }
}

describe('the writer', () => {
  it('a commit that fails while the next batch was sealed puts both back in order: every event once, one valid chain', async () => {
    const store = new SlowFlakyStore(2);
    const errors: unknown[] = [];
    const { trail } = makeTrail(store, {
      batchSize: 10,
      retryDelayMs: 1,
      onError: (error) => errors.push(error),
    });
    for (let i = 0; i < 55; i++) {
      trail.record({ type: 'LOGIN_FAILURE', severity: 'info', userId: `u${i % 7}`, detail: { i } });
    }
    await vi.waitFor(() => expect(trail.stats().written).toBe(55), { timeout: 5000 });
    await trail.close();

    expect(trail.stats().failedWrites).toBe(1);
    expect(errors).toHaveLength(1);
    expect(await trail.verify()).toEqual({ valid: true, checked: 55 });
    const page = await trail.query({ limit: 100 });
    const bySeq = [...page.items].sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((item) => item.details.i)).toEqual(Array.from({ length: 55 }, (_, i) => i));
    expect(bySeq.map((item) => item.actor.userId)).toEqual(
      Array.from({ length: 55 }, (_, i) => `u${i % 7}`),
    );
  });
});
