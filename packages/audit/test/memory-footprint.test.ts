import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemoryAuditStore } from '../src/index.js';
import type { AuditRow } from '../src/store.js';

// A full collection before each reading, so the heap figure is live data, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Rows as the writer makes them: some with a subject, some without. */
function rows(count: number): AuditRow[] {
  return Array.from({ length: count }, (_, index) => ({
    chain: 'api-1',
    seq: index + 1,
    at: 1_700_000_000_000 + index,
    type: 'LOGIN_SUCCESS',
    severity: 'info',
    outcome: 'success',
    subject: index % 3 === 0 ? `subject-${index}` : null,
    count: 1,
    body: `{"v":1,"chain":"api-1","seq":${index + 1},"type":"LOGIN_SUCCESS"}`,
    hash: index.toString(16).padStart(64, '0'),
  }));
}

describe('MemoryAuditStore footprint', () => {
  it('holds a record in about its own fields: the records share one hidden class', async () => {
    const store = new MemoryAuditStore();
    const input = rows(5000);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let start = 0; start < input.length; start += 100) {
      await store.append(input.slice(start, start + 100));
    }
    gc();
    const perRecord = (process.memoryUsage().heapUsed - before) / input.length;
    // The strings are the input's. A frozen 11-field record, its id and two array slots take
    // about 150 bytes; `Object.freeze({ ...row, id })` gave nearly every record a V8 map (hidden
    // class) of its own, some 400 bytes more (the soak's in-memory trail grew by it).
    expect(perRecord, `${perRecord.toFixed(0)} bytes a record`).toBeLessThan(250);
  });
});
