import { describe, expect, it, vi } from 'vitest';
import { defineSyncTwin, SyncTwinSite, syncTwinOf } from './sync-twin.js';

class Counter {
  #count = 0;

  increment(by: number): Promise<number> {
    return Promise.resolve(this.#incrementNow(by));
  }

  #incrementNow(by: number): number {
    if (by < 0) throw new RangeError('by must be >= 0');
    this.#count += by;
    return this.#count;
  }

  static {
    defineSyncTwin(Counter.prototype, 'increment', function incrementNow(by) {
      return this.#incrementNow(by);
    });
  }
}

describe('defineSyncTwin / syncTwinOf', () => {
  it("finds a class method's twin, which answers on the instance without a promise", async () => {
    const counter = new Counter();
    const twin = syncTwinOf(counter, 'increment');
    expect(twin).toBeTypeOf('function');
    expect(twin?.call(counter, 2)).toBe(2);
    expect(await counter.increment(1)).toBe(3);
    expect(() => twin?.call(counter, -1)).toThrow(RangeError);
  });

  it("has no twin for a subclass's override, so the override is never skipped", () => {
    class AuditedCounter extends Counter {
      override increment(by: number): Promise<number> {
        return super.increment(by);
      }
    }
    const audited = new AuditedCounter();
    expect(syncTwinOf(audited, 'increment')).toBeUndefined();
    // A subclass that keeps the method keeps its twin.
    class NamedCounter extends Counter {}
    expect(syncTwinOf(new NamedCounter(), 'increment')).toBeTypeOf('function');
  });

  it('has no twin for a spied method while the spy is installed', () => {
    const counter = new Counter();
    const spy = vi.spyOn(counter, 'increment');
    expect(syncTwinOf(counter, 'increment')).toBeUndefined();
    spy.mockRestore();
    expect(syncTwinOf(counter, 'increment')).toBeTypeOf('function');
  });

  it("finds a service object's own function's twin, which may answer with a promise", async () => {
    const service = {
      check(value: string): Promise<string> {
        return Promise.resolve(value);
      },
    };
    expect(syncTwinOf(service, 'check')).toBeUndefined();
    defineSyncTwin(service, 'check', (value) =>
      value === 'later' ? Promise.resolve(value) : value,
    );
    const twin = syncTwinOf(service, 'check');
    expect(twin?.call(service, 'now')).toBe('now');
    const later = twin?.call(service, 'later');
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe('later');
  });
});

describe('SyncTwinSite', () => {
  it('answers the twin of the method it is handed, and asks again when the method changes', () => {
    const site = new SyncTwinSite<Counter, 'increment'>('increment');
    const counter = new Counter();
    const twin = site.twinOf(counter, counter.increment);
    expect(twin).toBe(syncTwinOf(counter, 'increment'));
    expect(twin?.call(counter, 2)).toBe(2);
    // A spy replaces the method: the site finds no twin, so the spy is never skipped.
    const spied = new Counter();
    const spy = vi.spyOn(spied, 'increment');
    expect(site.twinOf(spied, spied.increment)).toBeUndefined();
    spy.mockRestore();
    expect(site.twinOf(spied, spied.increment)).toBe(twin);
  });
});
